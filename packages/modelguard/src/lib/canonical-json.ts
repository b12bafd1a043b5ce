/**
 * Canonical JSON for signing: object keys sorted by UTF-16 code units at every level, no
 * whitespace, numbers as `JSON.stringify` prints them (RFC 8785 prints finite doubles the same
 * way). Only JSON values are accepted.
 *
 * Pitfall: `undefined` members are dropped (as `JSON.stringify` does), so an optional field
 * set to `undefined` signs the same as an absent one; non-finite numbers are refused.
 *
 * @module
 */

/**
 * Serialises a JSON value canonically.
 * @throws TypeError on non-JSON values (functions, bigint, NaN, Infinity, cycles are not checked
 *   beyond the engine's own stack limit)
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string')
    return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  throw new TypeError(`canonicalJson: unsupported value of type ${typeof value}`);
}
