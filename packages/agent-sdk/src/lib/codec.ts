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
 * - base58 is quadratic in the input length: `base58Decode` refuses inputs over `maxLength`
 *   characters before decoding. Leading zero bytes map to leading '1' characters.
 *
 * @module
 */
import { base58, base64urlnopad } from '@scure/base';

/**
 * Encodes bytes as unpadded base64url (RFC 4648 §5).
 * @param bytes any length
 * @returns base64url text without `=` padding
 */
export function base64urlEncode(bytes: Uint8Array): string {
  return base64urlnopad.encode(bytes);
}

/**
 * Decodes unpadded base64url strictly (canonical encodings only).
 * @param text base64url characters
 * @param maxBytes refuse inputs that would decode to more than this many bytes
 * @returns the bytes, or `null` when the text is not canonical unpadded base64url or too long
 */
export function base64urlDecode(text: string, maxBytes: number): Uint8Array | null {
  if (typeof text !== 'string') return null;
  if (Math.floor((text.length * 3) / 4) > maxBytes) return null;
  try {
    return base64urlnopad.decode(text);
  } catch {
    return null;
  }
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
