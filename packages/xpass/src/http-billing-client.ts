/**
 * A {@link BillingClient} over HTTP: `POST <baseUrl>/shares/fetch` with the signed request as
 * JSON. Uses the global `fetch` (Node >= 18, Deno, Bun, browsers).
 *
 * Pitfall: the server's public key must be pinned by the caller (configuration, not fetched from
 * the server it is meant to authenticate).
 *
 * @module
 */
import { err, ok, type Result } from 'xorida';
import type { BillingClient } from './billed-agent-types.js';
import { isXpassError, type XpassError, xpassErr } from './errors.js';
import type { ShareRequest } from './share-fetch.js';

/** Largest response body accepted, in bytes. */
export const MAX_BILLING_RESPONSE_BYTES = 64 * 1024;

/**
 * Creates an HTTP billing client.
 * @param baseUrl e.g. `http://127.0.0.1:3600` (http or https)
 * @param publicKey the billing server's pinned 32-byte Ed25519 public key
 * @param options `{ timeoutMs? }` (default 10 000 ms)
 * @returns the client, or `INVALID_INPUT` (bad URL or key)
 */
export function httpBillingClient(
  baseUrl: string,
  publicKey: Uint8Array,
  options: { timeoutMs?: number } = {},
): Result<BillingClient, XpassError> {
  let url: URL;
  try {
    url = new URL('/shares/fetch', baseUrl);
  } catch {
    return xpassErr('INVALID_INPUT', 'baseUrl is not a URL', { field: 'baseUrl' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return xpassErr('INVALID_INPUT', 'baseUrl must be http(s)', { field: 'baseUrl' });
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32)
    return xpassErr('INVALID_INPUT', 'publicKey must be 32 bytes', { field: 'publicKey' });
  const timeoutMs = options.timeoutMs ?? 10_000;
  return ok({
    publicKey,
    async fetchShare(request: ShareRequest): Promise<Result<unknown, XpassError>> {
      let res: Response;
      let text: string;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(request),
          signal: AbortSignal.timeout(timeoutMs),
        });
        text = await res.text();
      } catch (e) {
        return xpassErr(
          'BILLING_SERVER_UNREACHABLE',
          `share fetch failed: ${(e as Error)?.message ?? String(e)}`,
        );
      }
      if (text.length > MAX_BILLING_RESPONSE_BYTES)
        return xpassErr('BILLING_SERVER_UNREACHABLE', 'billing server answer too large');
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return xpassErr(
          'BILLING_SERVER_UNREACHABLE',
          `billing server answered ${res.status} with non-JSON`,
        );
      }
      if (res.ok) return ok(body);
      const e = (body as { error?: unknown })?.error;
      if (isXpassError(e)) return err(e);
      return xpassErr('BILLING_SERVER_UNREACHABLE', `billing server answered ${res.status}`);
    },
  });
}
