/**
 * The platform's one canonical JSON, RFC 8785 (JSON Canonicalization Scheme), on the
 * `canonicalize` package: object keys sorted by UTF-16 code units at every level, no
 * whitespace, numbers as ECMAScript prints them. It is a signature input (modelguard manifests),
 * so its bytes are pinned by the docs/formats.md known-answer vectors.
 *
 * Pitfall: `undefined` members are dropped (as `JSON.stringify` does), so an optional field set
 * to `undefined` signs the same as an absent one; non-finite numbers, bigints and values with
 * no JSON form are refused with a `TypeError`.
 *
 * @module
 */
import canonicalize from 'canonicalize';

/**
 * Serialises a JSON value canonically (RFC 8785).
 * @param value a JSON value (null, boolean, finite number, string, array, plain object)
 * @returns the canonical text
 * @throws TypeError on values with no JSON form (undefined at the top level, functions,
 *   symbols, bigint, NaN, Infinity)
 */
export function canonicalJson(value: unknown): string {
  let out: string | undefined;
  try {
    out = canonicalize(value);
  } catch (e) {
    throw new TypeError(`canonicalJson: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof out !== 'string')
    throw new TypeError(`canonicalJson: no JSON form for ${typeof value}`);
  return out;
}
