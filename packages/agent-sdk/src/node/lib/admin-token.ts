/**
 * Bearer admin-token check in constant time (SHA-256 both sides, then timingSafeEqual, so
 * neither content nor length leaks through timing).
 *
 * Pitfalls:
 * - An empty configured token disables admin access entirely (never "any token works").
 *
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * Checks an `Authorization` header against the admin token.
 * @param header the header value (`Bearer <token>`)
 * @param token the configured token (undefined/empty: always false)
 * @returns true when it matches
 */
export function bearerMatches(
  header: string | string[] | undefined,
  token: string | undefined,
): boolean {
  if (!token) return false;
  const h = Array.isArray(header) ? header[0] : header;
  if (typeof h !== 'string' || !h.startsWith('Bearer ')) return false;
  return timingSafeEqual(digest(h.slice(7).trim()), digest(token));
}
