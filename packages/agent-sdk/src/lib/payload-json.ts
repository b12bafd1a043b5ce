/**
 * The JSON payload type (lib/payload.ts, type byte 0x01) for large payloads: encoding and
 * decoding without a full-size JSON text next to the payload's own strings. Each string VALUE of
 * at least {@link LARGE_PAYLOAD_STRING} UTF-16 units that JSON writes as itself between quotes
 * (printable ASCII without `"` and `\`) is cut out: the rest is serialised or parsed with
 * `JSON.stringify` / `JSON.parse`, and the cut strings go straight between the bytes and the
 * strings. A 64 MiB message then holds the caller's strings and the encoded bytes, never also a
 * dead 64 MiB JSON text waiting for a full GC (test/delivery/memory.test.ts).
 *
 * Pitfalls:
 * - The bytes and values are exactly those of the plain path (`JSON.stringify` then UTF-8;
 *   strict UTF-8 then `JSON.parse`): anything else (escapes, control characters, invalid
 *   UTF-8, a placeholder not found exactly once) makes the caller use the plain path, which
 *   also gives its errors (test/delivery/large-json.test.ts).
 * - Placeholders carry 128 random bits per call: a payload cannot contain them by chance or
 *   design.
 *
 * @module
 */
import { cutJsonStrings } from './json-body.js';

/** Shortest string cut out of a payload, UTF-16 units (and bytes: only ASCII is cut). */
export const LARGE_PAYLOAD_STRING = 1024 * 1024;
/** A character JSON.stringify writes otherwise than itself, or one beyond ASCII. */
const NOT_PLAIN = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;
/** At most this many values are looked at to decide whether a payload has a large string. */
const SCAN_LIMIT = 4096;

function randomTag(): string {
  const r = new Uint8Array(16);
  globalThis.crypto.getRandomValues(r);
  return Array.from(r, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Whether a breadth-first look at the first {@link SCAN_LIMIT} values finds a large string: only
 * then is the replacer path worth its per-value call (a payload of many small values skips it).
 */
function hasLargeString(payload: object): boolean {
  const queue: unknown[] = [payload];
  for (let seen = 0; seen < queue.length; seen++) {
    const v = queue[seen];
    if (typeof v === 'string' && v.length >= LARGE_PAYLOAD_STRING) return true;
    if (typeof v !== 'object' || v === null) continue;
    // bounded: never more than SCAN_LIMIT values queued, whatever the size of an array
    if (Array.isArray(v))
      for (let i = 0; i < v.length && queue.length < SCAN_LIMIT; i++) queue.push(v[i]);
    else
      for (const k in v) {
        if (queue.length >= SCAN_LIMIT) break;
        if (Object.hasOwn(v, k)) queue.push((v as Record<string, unknown>)[k]);
      }
  }
  return false;
}

/**
 * The UTF-8 bytes of `JSON.stringify(payload)`, behind `front` bytes of the buffer `alloc` gives,
 * with the payload's large plain strings copied straight from the strings (module doc).
 * @param payload a plain object
 * @param maxBytes largest encoding allowed, bytes
 * @param alloc gives a zeroed buffer of n bytes (the encoding starts at `front`)
 * @param front bytes before the encoding (the type byte)
 * @returns the buffer; `{ tooLarge: bytes }` over `maxBytes`; `undefined` when the cut path does
 *   not apply (no large plain string): the caller serialises as usual
 * @throws as `JSON.stringify` (cycles, BigInt)
 */
export function encodeLargeJson(
  payload: object,
  maxBytes: number,
  alloc: (n: number) => Uint8Array,
  front: number,
): Uint8Array | { tooLarge: number } | undefined {
  if (!hasLargeString(payload)) return undefined;
  const prefix = `xlink-cut-${randomTag()}-`;
  const cut: string[] = [];
  const skeleton = JSON.stringify(payload, (_k, v: unknown) => {
    if (typeof v !== 'string' || v.length < LARGE_PAYLOAD_STRING || NOT_PLAIN.test(v)) return v;
    cut.push(v);
    return `${prefix}${cut.length - 1}`;
  });
  if (cut.length === 0) return undefined;
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; i < cut.length; i++) {
    const mark = `"${prefix}${i}"`;
    const p = skeleton.indexOf(mark, at);
    if (p === -1) return undefined;
    parts.push(enc.encode(skeleton.slice(at, p + 1)));
    at = p + mark.length - 1;
  }
  parts.push(enc.encode(skeleton.slice(at)));
  let total = 0;
  for (const p of parts) total += p.length;
  for (const s of cut) total += s.length;
  if (total > maxBytes) return { tooLarge: total };
  const out = alloc(front + total);
  let o = front;
  for (let i = 0; i < parts.length; i++) {
    out.set(parts[i]!, o);
    o += parts[i]!.length;
    const s = cut[i];
    if (s === undefined) break;
    // printable ASCII: one byte per unit, written without an intermediate copy
    o += enc.encodeInto(s, out.subarray(o, o + s.length)).written;
  }
  return out;
}

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON.parse refuses them raw in strings
const CONTROL = /[\u0000-\u001f]/;

/** A string token's bytes as JSON.parse would read it, when it has no escape to undo. */
function plainString(bytes: Uint8Array): string | null {
  if (bytes.includes(0x5c)) return null;
  let text: string;
  try {
    text = strict.decode(bytes);
  } catch {
    return null;
  }
  return CONTROL.test(text) ? null : text;
}

/**
 * `JSON.parse` of strict UTF-8 JSON bytes with large string values decoded straight from the
 * bytes (module doc).
 * @param bytes JSON text bytes (the payload after its type byte)
 * @returns `{ value }`, or `undefined` when the cut path does not apply (the caller decodes the
 *   text and parses it as usual, which also reports its errors)
 */
export function parseLargeJson(bytes: Uint8Array): { value: unknown } | undefined {
  if (bytes.length < LARGE_PAYLOAD_STRING) return undefined;
  try {
    return cutJsonStrings(bytes, LARGE_PAYLOAD_STRING, plainString, true);
  } catch {
    return undefined;
  }
}
