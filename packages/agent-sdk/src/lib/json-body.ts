/**
 * Parses a JSON response body from its bytes. A large body (a relay pull answer carrying a
 * maximum-size envelope) is not decoded into one text and then parsed into a second copy of its
 * big strings: each string token of at least {@link LARGE_STRING_BYTES} bytes that is base64url
 * text (an envelope ciphertext) is cut out of the bytes, the rest is parsed with `JSON.parse`,
 * and the cut strings are put back in their places (codec.ts `base64urlTextFromBytes`).
 * Peak memory: the body's bytes plus the strings, instead of bytes, text and parsed strings
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
import { base64urlTextFromBytes } from './codec.js';

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

/** [start, end) of each string token of at least LARGE_STRING_BYTES bytes, quotes included. */
function largeStrings(bytes: Uint8Array): [number, number][] {
  const out: [number, number][] = [];
  // outside strings, a quote opens one (native indexOf: no per-byte loop in JS)
  let i = bytes.indexOf(QUOTE);
  while (i !== -1) {
    let j = bytes.indexOf(QUOTE, i + 1);
    while (j !== -1 && escaped(bytes, j)) j = bytes.indexOf(QUOTE, j + 1);
    if (j === -1) return [];
    if (j - i - 1 >= LARGE_STRING_BYTES) out.push([i, j + 1]);
    i = bytes.indexOf(QUOTE, j + 1);
  }
  return out;
}

function randomTag(): string {
  const r = new Uint8Array(16);
  globalThis.crypto.getRandomValues(r);
  return Array.from(r, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The cut-out path; `undefined` when it does not apply (see the module doc). */
function parseCut(bytes: Uint8Array, spans: [number, number][]): { value: unknown } | undefined {
  const enc = new TextEncoder();
  const prefix = `xlink-cut-${randomTag()}-`;
  const cut = new Map<string, string>();
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const [a, b] of spans) {
    const text = base64urlTextFromBytes(bytes.subarray(a + 1, b - 1));
    if (text === null) return undefined;
    const key = `${prefix}${cut.size}`;
    cut.set(key, text);
    parts.push(bytes.subarray(at, a), enc.encode(`"${key}"`));
    at = b;
  }
  parts.push(bytes.subarray(at));
  const skeleton = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    skeleton.set(p, o);
    o += p.length;
  }
  let used = 0;
  const value: unknown = JSON.parse(new TextDecoder().decode(skeleton), (_k, v: unknown) => {
    if (typeof v !== 'string' || !v.startsWith(prefix)) return v;
    const text = cut.get(v);
    if (text === undefined) return v;
    cut.delete(v);
    used++;
    return text;
  });
  return used === spans.length ? { value } : undefined;
}

/**
 * `JSON.parse` of a UTF-8 body, with large base64url strings never copied twice (module doc).
 * @param bytes the body
 * @returns the parsed value
 * @throws SyntaxError when the body is not JSON (as `JSON.parse`)
 */
export function parseJsonBytes(bytes: Uint8Array): unknown {
  const spans = bytes.length > LARGE_STRING_BYTES ? largeStrings(bytes) : [];
  if (spans.length > 0) {
    try {
      const r = parseCut(bytes, spans);
      if (r) return r.value;
    } catch {
      // not JSON after all: the plain path below reports it as JSON.parse does
    }
  }
  return JSON.parse(new TextDecoder().decode(bytes));
}
