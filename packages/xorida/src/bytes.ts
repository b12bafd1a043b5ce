/**
 * Byte helpers that every xorida package shares. Small on purpose: concatenation, constant-time
 * comparison, hex for vectors and logs, UTF-8, and best-effort wiping.
 *
 * Pitfall: `wipe` cannot reach copies the engine or the caller made (strings, garbage-collected
 * buffers); it narrows the window, it does not close it.
 *
 * @module
 */

/**
 * Concatenates byte arrays into a new array.
 * @param parts arrays to join, in order
 * @returns a fresh Uint8Array of the summed length
 */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/**
 * Compares two byte arrays in time that depends only on their lengths.
 * @returns true when lengths and contents are equal
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * Lower-case hex of `bytes`.
 * @returns a string of `2 * bytes.length` characters
 */
export function bytesToHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]!];
  return s;
}

/**
 * Parses hex (either case; spaces allowed between bytes, as in test vectors).
 * @throws TypeError on odd length or a non-hex character: meant for constants and vectors,
 *   not for untrusted input
 */
export function hexToBytes(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) {
    throw new TypeError('hexToBytes: expected an even number of hex digits');
  }
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 encoding of `text`. */
export function utf8ToBytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * Strict UTF-8 decoding.
 * @throws TypeError on malformed UTF-8
 */
export function bytesToUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Overwrites each array with zeros (best effort, see the module note). */
export function wipe(...arrays: readonly (Uint8Array | undefined)[]): void {
  for (const a of arrays) a?.fill(0);
}
