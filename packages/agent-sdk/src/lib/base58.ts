/**
 * Base58btc (the Bitcoin alphabet) as used by multibase `z` prefixes in did:key. This is an
 * encoding, not cryptography.
 *
 * Pitfalls:
 * - Leading zero bytes map to leading '1' characters; both directions must preserve them.
 * - Quadratic time: inputs are bounded by callers (did:key strings are short), and `decode`
 *   refuses inputs over `maxLength` characters.
 *
 * @module
 */
const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) INDEX[ALPHABET.charCodeAt(i)] = i;

/**
 * Encodes bytes as base58btc.
 * @param bytes any length (keep it small: O(n^2))
 * @returns base58btc text
 */
export function base58Encode(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  const digits: number[] = [];
  for (let i = zeros; i < bytes.length; i++) {
    let carry = bytes[i]!;
    for (let j = 0; j < digits.length; j++) {
      carry += digits[j]! << 8;
      digits[j] = carry % 58;
      carry = (carry / 58) | 0;
    }
    while (carry > 0) {
      digits.push(carry % 58);
      carry = (carry / 58) | 0;
    }
  }
  let out = '1'.repeat(zeros);
  for (let i = digits.length - 1; i >= 0; i--) out += ALPHABET[digits[i]!];
  return out;
}

/**
 * Decodes base58btc text strictly.
 * @param text base58btc characters only
 * @param maxLength refuse longer inputs (characters), default 128
 * @returns the bytes, or `null` for an invalid character or an oversize input
 */
export function base58Decode(text: string, maxLength = 128): Uint8Array | null {
  if (typeof text !== 'string' || text.length > maxLength) return null;
  let zeros = 0;
  while (zeros < text.length && text[zeros] === '1') zeros++;
  const bytes: number[] = [];
  for (let i = zeros; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? INDEX[c]! : -1;
    if (v < 0) return null;
    let carry = v;
    for (let j = 0; j < bytes.length; j++) {
      carry += bytes[j]! * 58;
      bytes[j] = carry & 0xff;
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push(carry & 0xff);
      carry >>= 8;
    }
  }
  const out = new Uint8Array(zeros + bytes.length);
  for (let i = 0; i < bytes.length; i++) out[out.length - 1 - i] = bytes[i]!;
  return out;
}
