/**
 * Base45 (RFC 9285): bytes to the 45-character QR alphanumeric alphabet, for shares that travel
 * on paper or in QR codes. Each 2 bytes become 3 characters; a final lone byte becomes 2.
 *
 * Pitfall: RFC 9285 decoding must reject triplets above 65535, pairs above 255, a dangling single
 * character and characters outside the alphabet; lenient decoders accept several encodings of
 * the same bytes. This one is strict.
 *
 * @module
 */
import { type XoridaError, xoridaErr } from './errors.js';
import { ok, type Result } from './result.js';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

/**
 * Encodes bytes as Base45.
 * @param bytes any length
 * @returns a string of `3 * floor(len/2) + 2 * (len % 2)` characters
 * @see RFC 9285 section 4
 */
export function base45Encode(bytes: Uint8Array): string {
  const chars: string[] = [];
  let i = 0;
  for (; i + 1 < bytes.length; i += 2) {
    const x = bytes[i]! * 256 + bytes[i + 1]!;
    chars.push(ALPHABET[x % 45]!, ALPHABET[((x / 45) | 0) % 45]!, ALPHABET[(x / 2025) | 0]!);
  }
  if (i < bytes.length) {
    const x = bytes[i]!;
    chars.push(ALPHABET[x % 45]!, ALPHABET[(x / 45) | 0]!);
  }
  return chars.join('');
}

/**
 * Decodes strict Base45.
 * @param text Base45 characters only; space is one of them, so never trim the text, and do not
 *   insert line breaks
 * @returns the bytes, or `SHARE_INVALID:BAD_BASE45` with the offending position
 * @see RFC 9285 section 4
 */
export function base45Decode(text: string): Result<Uint8Array, XoridaError> {
  const bad = (message: string) =>
    xoridaErr(
      'SHARE_INVALID',
      message,
      'Copy the whole Base45 text again; it uses 0-9, A-Z, space and $%*+-./: only.',
      { subCode: 'BAD_BASE45', field: 'text' },
    );
  if (typeof text !== 'string') return bad('Base45 input must be a string');
  if (text.length % 3 === 1) return bad(`Base45 length ${text.length} leaves a single character`);
  const out = new Uint8Array(Math.floor(text.length / 3) * 2 + (text.length % 3 === 2 ? 1 : 0));
  const digit = (pos: number): number => {
    const c = text.charCodeAt(pos);
    return c < 128 ? VALUE[c]! : -1;
  };
  let o = 0;
  for (let i = 0; i < text.length; i += 3) {
    const a = digit(i);
    const b = digit(i + 1);
    const last = i + 2 >= text.length;
    const c = last ? 0 : digit(i + 2);
    if (a < 0 || b < 0 || c < 0) return bad(`invalid Base45 character near position ${i}`);
    const x = a + b * 45 + c * 2025;
    if (last) {
      if (x > 0xff) return bad(`Base45 pair at position ${i} exceeds 255`);
      out[o++] = x;
    } else {
      if (x > 0xffff) return bad(`Base45 triplet at position ${i} exceeds 65535`);
      out[o++] = x >> 8;
      out[o++] = x & 0xff;
    }
  }
  return ok(out);
}
