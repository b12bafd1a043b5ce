/**
 * Tiny strict validators for parsed JSON (manifest, TF.js weights manifest). Each returns an
 * error message naming the field, or undefined when the value is fine.
 *
 * @module
 */

/** True for an integer in `[lo, hi]`. */
export function isIntIn(x: unknown, lo: number, hi: number): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= lo && x <= hi;
}

/** True for a lower-case hex string of exactly `chars` characters. */
export function isHex(x: unknown, chars: number): x is string {
  return typeof x === 'string' && x.length === chars && /^[0-9a-f]*$/.test(x);
}

/** True for a plain (non-array, non-null) object. */
export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Names the first key of `o` outside `allowed`.
 * @returns the unexpected key, or undefined
 */
export function unknownKey(
  o: Record<string, unknown>,
  allowed: readonly string[],
): string | undefined {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) return k;
  return undefined;
}

/** True for a string of at most `max` UTF-16 code units. */
export function isShortString(x: unknown, max: number): x is string {
  return typeof x === 'string' && x.length <= max;
}
