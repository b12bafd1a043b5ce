/**
 * `HttpsTransportAdapter`: delivers envelopes over HTTP(S), by default into the recipient's
 * relay mailbox (`POST {baseUrl}/relay/{did}`), or to a peer's own endpoint
 * (`endpoint: 'direct'`, `POST {baseUrl}` answered by `agent.middleware()`).
 * Body: the envelope JSON form, media type `application/xlink-envelope+json`, streamed with its
 * `content-length` (lib/http-call.ts).
 *
 * Pitfalls:
 * - Plain `http:` is refused unless the host is loopback or `allowInsecureHttp: true`: the
 *   envelope is end-to-end encrypted, but its metadata (DIDs, scope, time, size) is not.
 * - Retries (network errors, 5xx) may deliver an envelope twice; the receiver's nonce store
 *   drops the duplicate (at-least-once delivery).
 * - The transport is untrusted: acceptance by a relay says nothing about the recipient.
 *
 * @module
 */

import { ok, type Result } from 'xorida';
import { ENVELOPE_MEDIA_TYPE, type EnvelopeJson } from './envelope.js';
import { envelopeJsonBytes } from './envelope-json.js';
import { type XlinkErrorDetail, xlinkErr } from './errors.js';
import {
  describeHttpError,
  type HttpCallPolicy,
  httpCall,
  httpErrorCode,
} from './lib/http-call.js';
import { transferTimeoutMs } from './size-policy.js';
import type { TransportAdapter } from './transport.js';

/** Options of {@link HttpsTransportAdapter}. */
export interface HttpsTransportOptions extends Omit<HttpCallPolicy, 'signal'> {
  /** Relay (or peer endpoint) base URL, e.g. `https://relay.example.com`. */
  readonly baseUrl: string;
  /** `'relay'` (default): POST {baseUrl}/relay/{did}; `'direct'`: POST {baseUrl} itself. */
  readonly endpoint?: 'relay' | 'direct';
  /** Allow `http:` to non-loopback hosts (default false). */
  readonly allowInsecureHttp?: boolean;
  /** Extra headers (e.g. a gateway token). */
  readonly headers?: Record<string, string>;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * Checks a base URL: http(s) only, `http:` only for loopback unless allowed.
 * @returns the URL without a trailing slash, or `INVALID_OPTIONS` (field `baseUrl`)
 */
export function checkBaseUrl(
  baseUrl: unknown,
  allowInsecureHttp = false,
): Result<string, XlinkErrorDetail> {
  let u: URL;
  try {
    u = new URL(String(baseUrl));
  } catch {
    return xlinkErr('INVALID_OPTIONS', 'baseUrl is not a URL', 'Pass e.g. https://relay.example', {
      field: 'baseUrl',
    });
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    return xlinkErr('INVALID_OPTIONS', 'baseUrl must be http(s)', 'Use https://', {
      field: 'baseUrl',
    });
  if (u.protocol === 'http:' && !allowInsecureHttp && !LOOPBACK.has(u.hostname))
    return xlinkErr(
      'INVALID_OPTIONS',
      'plain http is only allowed to loopback hosts',
      'Use https://, or set allowInsecureHttp: true on a trusted network',
      { field: 'baseUrl' },
    );
  return ok(u.toString().replace(/\/+$/, ''));
}

/** HTTP(S) transport with timeouts and bounded retries. */
export class HttpsTransportAdapter implements TransportAdapter {
  readonly baseUrl: string;
  /** The envelope is uploaded (streamed from its bytes) before `send` settles, then let go. */
  readonly releasesEnvelope = true;
  private readonly opts: HttpsTransportOptions;

  /**
   * @param options {@link HttpsTransportOptions}; timeouts in ms (default 10 000 per attempt),
   *   `retries` (default 2) with exponential backoff from `backoffMs` (default 100 ms)
   * @throws TypeError on an invalid `baseUrl` (programming error)
   */
  constructor(options: HttpsTransportOptions) {
    const base = checkBaseUrl(options?.baseUrl, options?.allowInsecureHttp);
    if (!base.ok) throw new TypeError(`${base.error.code}: ${base.error.message}`);
    this.baseUrl = base.value;
    this.opts = options;
  }

  /**
   * Posts one envelope. See {@link TransportAdapter.send}.
   * @param envelope JSON form
   * @param to recipient DID
   * @returns `ok` on 2xx; `SEND_FAILED` (subCode = the server's error code, e.g.
   *   `PAYLOAD_TOO_LARGE`, `RATE_LIMITED`, `MAILBOX_FULL`, or `HTTP_<status>`) on a refusal or a
   *   5xx after the retries; `NETWORK_ERROR` (`TIMEOUT`, `UNREACHABLE`) when nothing answered
   */
  async send(envelope: EnvelopeJson, to: string): Promise<Result<void, XlinkErrorDetail>> {
    const url =
      this.opts.endpoint === 'direct'
        ? this.baseUrl
        : `${this.baseUrl}/relay/${encodeURIComponent(to)}`;
    // streamed from the envelope's own base64 text: no second copy of the body (envelope-json.ts)
    const body = envelopeJsonBytes(envelope, 64 * 1024);
    const r = await httpCall(
      () => ({
        url,
        method: 'POST',
        headers: { ...this.opts.headers, 'content-type': ENVELOPE_MEDIA_TYPE },
        body,
      }),
      // Large bodies get time in proportion to their size (size-policy.ts), on top of the
      // per-attempt timeout: a 16 MiB envelope must not time out where a 2 KB one would not.
      { ...this.opts, timeoutMs: transferTimeoutMs(this.opts.timeoutMs ?? 10_000, body.length) },
    );
    if (!r.ok) return r;
    if (r.value.status >= 200 && r.value.status < 300) return ok(undefined);
    const code = httpErrorCode(r.value.json);
    return xlinkErr(
      'SEND_FAILED',
      `delivery refused: ${describeHttpError(r.value.status, r.value.json)}`,
      r.value.status >= 500
        ? 'The server failed after retries; try again later'
        : 'Fix the request (see the subCode)',
      { subCode: code.code ?? `HTTP_${r.value.status}`, field: 'to' },
    );
  }
}
