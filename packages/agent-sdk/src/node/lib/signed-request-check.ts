/**
 * Server side of DID-signed requests: verifies the signature over the raw body and path
 * (request-signature.ts) and records the nonce atomically so a captured request cannot be
 * replayed inside the window; plus the JSON body parsers that keep the raw body for it.
 *
 * Pitfalls:
 * - The nonce is recorded only after the signature verified (forged copies cannot burn it).
 * - `rawBody` is the exact text received; the parsed body must never be re-serialised for
 *   verification.
 *
 * @module
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ok, type Result } from 'xorida';
import { ENVELOPE_MEDIA_TYPE } from '../../envelope.js';
import { type XlinkErrorDetail, xlinkErr } from '../../errors.js';
import type { NonceStore } from '../../nonce-store.js';
import {
  DEFAULT_REQUEST_WINDOW_MS,
  type VerifiedRequest,
  verifySignedRequest,
} from '../../request-signature.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Raw request body text (JSON routes). */
    rawBody?: string;
  }
}

/**
 * Replaces the JSON parsers of `app` (this plugin context) with ones that keep `rawBody` and
 * answer 400 `BAD_JSON` on malformed JSON. Accepts `application/json` and
 * `application/xlink-envelope+json` (plus `extraMediaTypes`). An empty body parses to `undefined`
 * (routes decide whether that is allowed).
 * @param app a Fastify instance or plugin context
 * @param extraMediaTypes more JSON media types to accept
 */
export function installJsonParsers(
  app: FastifyInstance,
  extraMediaTypes: readonly string[] = [],
): void {
  app.removeAllContentTypeParsers();
  const parse = (
    req: FastifyRequest,
    body: string,
    done: (e: Error | null, v?: unknown) => void,
  ) => {
    req.rawBody = body;
    if (body.length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(body));
    } catch {
      const e = new Error('request body is not valid JSON') as Error & {
        statusCode: number;
        code: string;
      };
      e.statusCode = 400;
      e.code = 'BAD_JSON';
      done(e);
    }
  };
  app.addContentTypeParser(
    ['application/json', ENVELOPE_MEDIA_TYPE, ...extraMediaTypes],
    { parseAs: 'string' },
    (req, body, done) => parse(req, body as string, done),
  );
}

/** JSON schema of the signed-request headers (request-signature.ts), for route schemas. */
export const SIGNED_REQUEST_HEADERS_SCHEMA = {
  type: 'object',
  properties: {
    'x-xlink-did': { type: 'string' },
    'x-xlink-timestamp': { type: 'string' },
    'x-xlink-nonce': { type: 'string' },
    'x-xlink-signature': { type: 'string' },
  },
} as const;

/** Verifies signed requests and records their nonces. */
export type RequestVerifier = (
  req: FastifyRequest,
  expectedDid?: string,
) => Promise<Result<VerifiedRequest, XlinkErrorDetail>>;

/**
 * Builds a {@link RequestVerifier}.
 * @param nonceStore where request nonces are recorded (key `req|<did>|<nonce>`)
 * @param windowMs accepted clock difference, ms (default 30 000)
 * @returns the verifier (`REPLAY_DETECTED` on a reused nonce, else verifySignedRequest's errors)
 */
export function createRequestVerifier(
  nonceStore: NonceStore,
  windowMs = DEFAULT_REQUEST_WINDOW_MS,
): RequestVerifier {
  return async (req, expectedDid) => {
    const v = verifySignedRequest(
      { method: req.method, path: req.url, body: req.rawBody ?? '' },
      req.headers,
      { windowMs, ...(expectedDid !== undefined ? { expectedDid } : {}) },
    );
    if (!v.ok) return v;
    const s = await nonceStore.checkAndStore(
      `req|${v.value.did}|${v.value.nonce}`,
      2 * windowMs + 1000,
    );
    if (!s.ok) return s;
    if (s.value === 'replay')
      return xlinkErr('REPLAY_DETECTED', 'signed request replayed', 'Sign every request anew', {
        field: 'x-xlink-nonce',
      });
    return ok(v.value);
  };
}

/**
 * HTTP status for a failed signed-request check.
 * @returns 403 for a valid signature by the wrong DID, 503 for a nonce store outage, else 401
 */
export function statusForAuthError(e: XlinkErrorDetail): number {
  if (e.subCode === 'WRONG_SIGNER') return 403;
  if (e.code === 'NONCE_STORE_FULL') return 503;
  return 401;
}
