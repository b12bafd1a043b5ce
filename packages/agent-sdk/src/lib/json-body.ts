/**
 * Parses a JSON response body from its bytes. A large body (a relay pull answer carrying a
 * maximum-size envelope) is not decoded into one text and then parsed into a second copy of its
 * big strings: each string token of at least {@link LARGE_STRING_BYTES} bytes that is base64url
 * text (an envelope ciphertext) is cut out of the bytes, the rest is parsed with `JSON.parse`,
 * and the cut strings are put back in their places as deferred texts (deferred-text.ts): they
 * are made from the body's bytes only when read, and the envelope parser decodes a ciphertext
 * straight from them. Peak memory: the body's bytes, instead of bytes, text and parsed strings
 * (measured in test/delivery/memory.test.ts).
 *
 * Pitfalls:
 * - Only string VALUES are cut out. A cut string whose placeholder is not found exactly once in
 *   the result (a large object key, or an input that is not valid JSON) makes the whole body
 *   go through the plain path, so the result is always what `JSON.parse` of the text gives.
 * - Placeholders carry 128 random bits per call: a body cannot contain them by chance or design.
 *
 * @module
 */
import { isBase64urlBytes } from './codec.js';
import { deferText, markSoleText } from './deferred-text.js';

/** Shortest string token cut out of a body, bytes. */
export const LARGE_STRING_BYTES = 1024 * 1024;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Whether the quote at `j` is escaped (preceded by an odd number of backslashes). */
function escaped(bytes: Uint8Array, j: number): boolean {
  let n = 0;
  while (bytes[j - 1 - n] === BACKSLASH) n++;
  return n % 2 === 1;
}

/** [start, end) of each string token of at least `minBytes` bytes, quotes included. */
function largeStrings(bytes: Uint8Array, minBytes: number): [number, number][] {
  const out: [number, number][] = [];
  // outside strings, a quote opens one (native indexOf: no per-byte loop in JS)
  let i = bytes.indexOf(QUOTE);
  while (i !== -1) {
    let j = bytes.indexOf(QUOTE, i + 1);
    while (j !== -1 && escaped(bytes, j)) j = bytes.indexOf(QUOTE, j + 1);
    if (j === -1) return [];
    if (j - i - 1 >= minBytes) out.push([i, j + 1]);
    i = bytes.indexOf(QUOTE, j + 1);
  }
  return out;
}

function randomTag(): string {
  const r = new Uint8Array(16);
  globalThis.crypto.getRandomValues(r);
  return Array.from(r, (b) => b.toString(16).padStart(2, '0')).join('');
}

const lenient = new TextDecoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * `JSON.parse` of the text of `bytes`, with each string value token of at least `minBytes` bytes
 * that `decode` accepts cut out of the bytes before and put back after parsing (module doc).
 * Shared by pull answers (base64url strings) and JSON payloads (lib/payload-json.ts).
 * @param bytes JSON text bytes
 * @param minBytes shortest string token cut out, bytes (quotes excluded)
 * @param decode a token's bytes (quotes excluded) to the string `JSON.parse` gives for it, or
 *   to the bytes of a base64url text to defer (deferred-text.ts), or `null` to leave the token
 *   to `JSON.parse`
 * @param fatal decode the rest as strict UTF-8 (throwing on invalid bytes) instead of replacing
 * @returns `{ value }`, or `undefined` when nothing was cut or a placeholder was not found
 *   exactly once (the caller parses the whole text)
 * @throws SyntaxError or TypeError when the rest is not JSON or (`fatal`) not UTF-8
 */
export function cutJsonStrings(
  bytes: Uint8Array,
  minBytes: number,
  decode: (token: Uint8Array) => string | Uint8Array | null,
  fatal = false,
): { value: unknown } | undefined {
  const spans = bytes.length > minBytes ? largeStrings(bytes, minBytes) : [];
  if (spans.length === 0) return undefined;
  const enc = new TextEncoder();
  const prefix = `xlink-cut-${randomTag()}-`;
  const cut = new Map<string, string | Uint8Array>();
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const [a, b] of spans) {
    const text = decode(bytes.subarray(a + 1, b - 1));
    if (text === null) continue;
    const key = `${prefix}${cut.size}`;
    cut.set(key, text);
    parts.push(bytes.subarray(at, a), enc.encode(`"${key}"`));
    at = b;
  }
  if (cut.size === 0) return undefined;
  parts.push(bytes.subarray(at));
  const skeleton = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    skeleton.set(p, o);
    o += p.length;
  }
  const later: [object, string, Uint8Array][] = [];
  const text = (fatal ? strictUtf8 : lenient).decode(skeleton);
  const value: unknown = JSON.parse(text, function (this: object, k, v: unknown) {
    if (typeof v !== 'string' || !v.startsWith(prefix)) return v;
    const s = cut.get(v);
    if (s === undefined) return v;
    cut.delete(v);
    if (typeof s === 'string') return s;
    // a getter set here would be overwritten with the returned value: set once parsed
    later.push([this, k, s]);
    return '';
  });
  // every placeholder found (a large key is not revived: then the plain path)
  if (cut.size !== 0) return undefined;
  for (const [holder, k, bytes] of later) deferText(holder, k, bytes);
  if (later.length === 1) markSoleText(later[0]![2]);
  return { value };
}

/**
 * `JSON.parse` of a UTF-8 body, with large base64url strings never copied twice (module doc).
 * @param bytes the body
 * @returns the parsed value
 * @throws SyntaxError when the body is not JSON (as `JSON.parse`)
 */
export function parseJsonBytes(bytes: Uint8Array): unknown {
  try {
    // ciphertexts stay bytes until read (deferred-text.ts); envelopeFromJson decodes those
    const r = cutJsonStrings(bytes, LARGE_STRING_BYTES, (t) => (isBase64urlBytes(t) ? t : null));
    if (r) return r.value;
  } catch {
    // not JSON after all: the plain path below reports it as JSON.parse does
  }
  return JSON.parse(lenient.decode(bytes));
}
