/**
 * Strict unpadded base64url (RFC 4648 §5) for the JSON and compact envelope forms.
 *
 * Pitfalls:
 * - Decoding rejects padding, whitespace, the standard-alphabet `+` `/`, impossible lengths
 *   (n % 4 == 1) and non-zero trailing bits, so every byte string has exactly one encoding
 *   (otherwise mutated-but-equivalent encodings would slip past replay checks keyed on text).
 *
 * @module
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) INDEX[ALPHABET.charCodeAt(i)] = i;

/**
 * Encodes bytes as unpadded base64url.
 * @param bytes any length
 * @returns base64url text without `=` padding
 */
export function base64urlEncode(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out +=
      ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]!;
  }
  return out;
}

/**
 * Decodes unpadded base64url strictly (canonical encodings only).
 * @param text base64url characters
 * @param maxBytes refuse inputs that would decode to more than this many bytes
 * @returns the bytes, or `null` when the text is not canonical unpadded base64url or too long
 */
export function base64urlDecode(text: string, maxBytes: number): Uint8Array | null {
  if (typeof text !== 'string') return null;
  const len = text.length;
  if (len % 4 === 1) return null;
  const outLen = Math.floor((len * 3) / 4);
  if (outLen > maxBytes) return null;
  const out = new Uint8Array(outLen);
  let o = 0;
  let i = 0;
  const val = (k: number): number => {
    const c = text.charCodeAt(k);
    return c < 128 ? INDEX[c]! : -1;
  };
  for (; i + 3 < len; i += 4) {
    const a = val(i);
    const b = val(i + 1);
    const c = val(i + 2);
    const d = val(i + 3);
    if ((a | b | c | d) < 0) return null;
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 0xff;
    out[o++] = n & 0xff;
  }
  const rest = len - i;
  if (rest === 2) {
    const a = val(i);
    const b = val(i + 1);
    if ((a | b) < 0 || (b & 15) !== 0) return null;
    out[o++] = (a << 2) | (b >> 4);
  } else if (rest === 3) {
    const a = val(i);
    const b = val(i + 1);
    const c = val(i + 2);
    if ((a | b | c) < 0 || (c & 3) !== 0) return null;
    const n = (a << 18) | (b << 12) | (c << 6);
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 0xff;
  }
  return out;
}
