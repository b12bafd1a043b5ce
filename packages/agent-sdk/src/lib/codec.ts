/**
 * The platform's one byte-to-text codec: strict unpadded base64url (RFC 4648 §5) and base58btc
 * (the Bitcoin alphabet, multibase `z` in did:key), both on @scure/base. Encodings, not
 * cryptography.
 *
 * Pitfalls:
 * - base64url decoding rejects padding, whitespace, the standard-alphabet `+` `/`, impossible
 *   lengths (n % 4 == 1) and non-zero trailing bits, so every byte string has exactly one
 *   encoding (otherwise mutated-but-equivalent encodings would slip past replay checks keyed on
 *   text). @scure/base's `base64urlnopad` enforces all of these; the wrappers only turn its
 *   exceptions into `null` and bound the input size before decoding.
 * - Byte strings from 64 bytes up (KEM ciphertexts, signatures, envelope ciphertexts of up to
 *   hundreds of MiB) use the runtime's native codec when there is one (Node's `Buffer`):
 *   @scure/base's pure-JS base64 builds arrays of one number per 6 bits, several times the
 *   data's size (measured in test/delivery/memory.test.ts), and is 5-20x slower from 64 bytes
 *   up (Node 24: a 1120-byte X-Wing ciphertext encodes in 6.4 us vs 0.7 us, decodes in 15 us vs
 *   3 us; a 3309-byte ML-DSA signature 30 us vs 1.4 us, 54 us vs 12 us). Encoding is native
 *   from 16 bytes; below 64 bytes the Buffer wrapper costs more than it saves on decode. The
 *   native decoder is lenient, so the strict rules above are checked before it runs (alphabet,
 *   length, trailing bits); both paths accept exactly the same texts
 *   (test/codec-native.test.ts).
 * - base58 is quadratic in the input length: `base58Decode` refuses inputs over `maxLength`
 *   characters before decoding. Leading zero bytes map to leading '1' characters.
 *
 * @module
 */
import { base58, base64urlnopad } from '@scure/base';

/** Node's Buffer, when the runtime has one (typed structurally: this module is portable). */
interface NativeBuffer {
  from(
    data: ArrayBufferLike,
    offset: number,
    length: number,
  ): { toString(enc: string): string; write(text: string, offset: number, enc: string): number };
  alloc(size: number): Uint8Array & { write(text: string, offset: number, enc: string): number };
}
const NativeBuffer = (globalThis as { Buffer?: NativeBuffer }).Buffer;
/** Below this many bytes @scure/base decodes faster than Buffer (see the module doc). */
const NATIVE_FROM = 64;
/** Encoding through Buffer already wins from 16 bytes (0.14 us vs 0.95 us on Node 24). */
const NATIVE_ENCODE_FROM = 16;
const BASE64URL_TEXT = /^[A-Za-z0-9_-]*$/;
const BASE64URL_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Encodes bytes as unpadded base64url (RFC 4648 §5).
 * @param bytes any length
 * @returns base64url text without `=` padding
 */
export function base64urlEncode(bytes: Uint8Array): string {
  // signed-only envelopes (Xchange parts) carry an empty iv and kem: skip the encoder
  if (bytes.length === 0) return '';
  if (NativeBuffer && bytes.length >= NATIVE_ENCODE_FROM)
    return NativeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64url');
  return base64urlnopad.encode(bytes);
}

/** ASCII codes of the base64url digits. */
const DIGIT_CODES = Uint8Array.from(BASE64URL_DIGITS, (c) => c.charCodeAt(0));

/**
 * Writes the unpadded base64url text of `bytes` (RFC 4648 §5) as ASCII bytes into `out` at `at`,
 * with no string in between: a large envelope is streamed from a few reused buffers this way
 * (lib/node-upload.ts; test/delivery/memory.test.ts).
 * @param bytes any length
 * @param out the target; needs room for the whole text (4/3 of `bytes`, rounded up)
 * @param at where the text starts in `out`
 * @returns the text's length, bytes
 */
export function base64urlEncodeInto(bytes: Uint8Array, out: Uint8Array, at = 0): number {
  const n = bytes.length;
  const whole = n - (n % 3);
  const d = DIGIT_CODES;
  let o = at;
  for (let i = 0; i < whole; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[o++] = d[v >>> 18]!;
    out[o++] = d[(v >>> 12) & 63]!;
    out[o++] = d[(v >>> 6) & 63]!;
    out[o++] = d[v & 63]!;
  }
  if (n % 3 !== 0) {
    const v = (bytes[whole]! << 16) | (n % 3 === 2 ? bytes[whole + 1]! << 8 : 0);
    out[o++] = d[v >>> 18]!;
    out[o++] = d[(v >>> 12) & 63]!;
    if (n % 3 === 2) out[o++] = d[(v >>> 6) & 63]!;
  }
  return o - at;
}

/** The strict rules of the module doc, for the lenient native decoder. */
function canonicalBase64url(text: string): boolean {
  const rest = text.length % 4;
  if (rest === 1 || !BASE64URL_TEXT.test(text)) return false;
  if (rest === 0) return true;
  // the last digit's bits past the final byte must be zero
  const last = BASE64URL_DIGITS.indexOf(text[text.length - 1]!);
  return (last & (rest === 2 ? 0x0f : 0x03)) === 0;
}

/**
 * Decodes unpadded base64url strictly (canonical encodings only).
 * @param text base64url characters
 * @param maxBytes refuse inputs that would decode to more than this many bytes
 * @param headroom bytes left free in front of the result in its buffer (default 0); the
 *   envelope parser decodes a ciphertext behind room for its signing prefix (envelope-binary.ts)
 * @returns the bytes, or `null` when the text is not canonical unpadded base64url or too long
 */
export function base64urlDecode(text: string, maxBytes: number, headroom = 0): Uint8Array | null {
  if (typeof text !== 'string') return null;
  if (text.length === 0 && headroom === 0) return new Uint8Array(0);
  const size = Math.floor((text.length * 3) / 4);
  if (size > maxBytes) return null;
  if (NativeBuffer && size >= NATIVE_FROM) {
    if (!canonicalBase64url(text)) return null;
    // decoded straight into its final place: no second full-size copy
    const room = NativeBuffer.alloc(headroom + size);
    if (room.write(text, headroom, 'base64url') !== size) return null;
    return new Uint8Array(room.buffer, room.byteOffset + headroom, size);
  }
  let out: Uint8Array;
  try {
    out = base64urlnopad.decode(text);
  } catch {
    return null;
  }
  if (headroom === 0) return out;
  const room = new Uint8Array(headroom + out.length);
  room.set(out, headroom);
  return room.subarray(headroom);
}

/**
 * Decodes base64url-alphabet bytes (e.g. a string token cut out of a JSON body) to text.
 * With Node's Buffer, a large text becomes an external one-byte string: it lives outside the V8
 * heap (freed by a minor GC), and Node's base64 decoder reads it without a copy
 * ({@link base64urlDecode}); a heap string would be copied there first.
 * @param bytes the text's bytes
 * @returns the text, or `null` when a byte is outside [A-Za-z0-9_-]
 */
export function base64urlTextFromBytes(bytes: Uint8Array): string | null {
  const text =
    NativeBuffer && bytes.length >= NATIVE_FROM
      ? NativeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1')
      : new TextDecoder().decode(bytes);
  return BASE64URL_TEXT.test(text) ? text : null;
}

/** Text slice of the chunked byte-level codecs below, characters (a multiple of 4). */
const TEXT_SLICE = 64 * 1024;

/**
 * Whether bytes are base64url-alphabet text ([A-Za-z0-9_-]), checked slice by slice: no
 * full-size text is made (each slice's is small and short-lived).
 * @param bytes the text's bytes
 * @returns true when every byte is in the alphabet
 */
export function isBase64urlBytes(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i += TEXT_SLICE)
    if (base64urlTextFromBytes(bytes.subarray(i, i + TEXT_SLICE)) === null) return false;
  return true;
}

/**
 * {@link base64urlDecode} of the text whose bytes are `bytes`, with the same strict rules, decoded
 * slice by slice straight into the result: the whole text never exists as a string.
 * @param bytes base64url text bytes
 * @param maxBytes refuse inputs that would decode to more than this many bytes
 * @param headroom bytes left free in front of the result in its buffer (default 0)
 * @param inPlace decode over `bytes` themselves (they are lost, even on failure): the result is
 *   a view of their buffer, `headroom` bytes into them. Only for large texts
 *   (`headroom` <= a quarter of a slice): each slice is read before its bytes are written over,
 *   and writing never overtakes reading. Otherwise a new buffer, as by default.
 * @returns the bytes, or `null` when the text is not canonical unpadded base64url or too long
 */
export function base64urlDecodeBytes(
  bytes: Uint8Array,
  maxBytes: number,
  headroom = 0,
  inPlace = false,
): Uint8Array | null {
  const size = Math.floor((bytes.length * 3) / 4);
  if (size > maxBytes) return null;
  if (!NativeBuffer || bytes.length <= TEXT_SLICE) {
    const text = base64urlTextFromBytes(bytes);
    return text === null ? null : base64urlDecode(text, maxBytes, headroom);
  }
  // output slice i ends at headroom + 3/4 of input read so far: behind the unread input as long
  // as headroom <= TEXT_SLICE / 4 (the first slice is read whole before anything is written)
  const own = inPlace && headroom <= TEXT_SLICE / 4;
  const out: Uint8Array = own ? bytes : NativeBuffer.alloc(headroom + size);
  const room = NativeBuffer.from(out.buffer, out.byteOffset, out.length);
  let at = headroom;
  for (let i = 0; i < bytes.length; i += TEXT_SLICE) {
    // every slice but the last is a multiple of 4 characters: it decodes on its own
    const text = base64urlTextFromBytes(bytes.subarray(i, i + TEXT_SLICE));
    if (text === null || !canonicalBase64url(text)) return null;
    at += room.write(text, at, 'base64url');
  }
  if (at !== headroom + size) return null;
  return new Uint8Array(out.buffer, out.byteOffset + headroom, size);
}

/**
 * Encodes bytes as base58btc.
 * @param bytes any length (keep it small: O(n^2))
 * @returns base58btc text
 */
export function base58Encode(bytes: Uint8Array): string {
  return base58.encode(bytes);
}

/**
 * Decodes base58btc text strictly.
 * @param text base58btc characters only
 * @param maxLength refuse longer inputs (characters), default 128
 * @returns the bytes, or `null` for an invalid character or an oversize input
 */
export function base58Decode(text: string, maxLength = 128): Uint8Array | null {
  if (typeof text !== 'string' || text.length > maxLength) return null;
  try {
    return base58.decode(text);
  } catch {
    return null;
  }
}
