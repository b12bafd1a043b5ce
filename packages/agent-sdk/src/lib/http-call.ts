/**
 * One HTTP exchange with a timeout and bounded retries (exponential backoff with jitter) on
 * network errors and 5xx answers. Shared by the HTTP transport, registry client and relay
 * client; uses the runtime's `fetch` (Node >= 20, Deno, Bun, browsers).
 *
 * Pitfalls:
 * - Retries re-run `makeRequest()` so signed requests get a fresh timestamp and nonce each
 *   attempt (re-sending one signed request would be refused as a replay).
 * - Only idempotent-enough operations should be retried: relay posts are (the receiver's nonce
 *   store drops duplicates), registry writes answer ALREADY_REGISTERED on a retried success.
 * - Response bodies are read up to `maxResponseBytes` (default 8 MiB) and then refused.
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import { type XlinkErrorDetail, xlinkErr } from '../errors.js';

/** Retry/timeout policy. */
export interface HttpCallPolicy {
  /** Per-attempt timeout, ms (default 10 000). */
  readonly timeoutMs?: number;
  /** Extra attempts after the first on network errors / 5xx (default 2). */
  readonly retries?: number;
  /** First backoff, ms; doubles per attempt, plus up to 50 % jitter (default 100). */
  readonly backoffMs?: number;
  /** Custom fetch (tests, proxies). */
  readonly fetch?: typeof fetch;
  /** Aborts waiting and the in-flight attempt. */
  readonly signal?: AbortSignal;
  /** Largest response body read, bytes (default 8 MiB). */
  readonly maxResponseBytes?: number;
}

/** A request to make (called once per attempt). */
export interface HttpRequest {
  readonly url: string;
  readonly method: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** A completed HTTP exchange (any status). */
export interface HttpResponse {
  readonly status: number;
  /** Parsed JSON body, or `undefined` when the body is not JSON. */
  readonly json: unknown;
  readonly headers: Headers;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

/**
 * Performs the request with retries.
 * @param makeRequest builds the request for each attempt
 * @param policy {@link HttpCallPolicy}
 * @returns the last response (any status; 5xx only after retries ran out), or `NETWORK_ERROR`
 *   (subCode `TIMEOUT`, `UNREACHABLE`, `ABORTED`, `RESPONSE_TOO_LARGE`)
 */
export async function httpCall(
  makeRequest: () => HttpRequest,
  policy: HttpCallPolicy = {},
): Promise<Result<HttpResponse, XlinkErrorDetail>> {
  const retries = policy.retries ?? 2;
  const timeoutMs = policy.timeoutMs ?? 10_000;
  const backoff = policy.backoffMs ?? 100;
  const doFetch = policy.fetch ?? globalThis.fetch;
  const maxBytes = policy.maxResponseBytes ?? 8 * 1024 * 1024;
  let last: Result<HttpResponse, XlinkErrorDetail> = xlinkErr(
    'NETWORK_ERROR',
    'no attempt made',
    'Check the URL',
    { subCode: 'UNREACHABLE' },
  );
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (policy.signal?.aborted)
      return xlinkErr('NETWORK_ERROR', 'request aborted', 'The caller aborted', {
        subCode: 'ABORTED',
      });
    if (attempt > 0) {
      const wait = backoff * 2 ** (attempt - 1);
      await sleep(wait + Math.floor(Math.random() * wait * 0.5), policy.signal);
    }
    const req = makeRequest();
    const ctrl = new AbortController();
    const onAbort = () => ctrl.abort();
    policy.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => ctrl.abort(), timeoutMs);
    try {
      const res = await doFetch(req.url, {
        method: req.method,
        ...(req.headers ? { headers: req.headers } : {}),
        ...(req.body !== undefined ? { body: req.body } : {}),
        signal: ctrl.signal,
      });
      const text = await res.text();
      if (text.length > maxBytes)
        return xlinkErr('NETWORK_ERROR', 'response body too large', 'Check the server URL', {
          subCode: 'RESPONSE_TOO_LARGE',
        });
      let json: unknown;
      try {
        json = text.length > 0 ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      last = ok({ status: res.status, json, headers: res.headers });
      if (res.status < 500) return last;
    } catch {
      const aborted = policy.signal?.aborted === true;
      last = xlinkErr(
        'NETWORK_ERROR',
        aborted ? 'request aborted' : ctrl.signal.aborted ? 'request timed out' : 'network error',
        aborted ? 'The caller aborted' : 'Check that the server is reachable; retried with backoff',
        { subCode: aborted ? 'ABORTED' : ctrl.signal.aborted ? 'TIMEOUT' : 'UNREACHABLE' },
      );
      if (aborted) return last;
    } finally {
      clearTimeout(timer);
      policy.signal?.removeEventListener('abort', onAbort);
    }
  }
  return last;
}

/**
 * The `{ error: { code, message, hint } }` body servers answer with, as a short string.
 * @param json a response body
 * @returns `"CODE: message"` or `"HTTP <status>"`
 */
export function describeHttpError(status: number, json: unknown): string {
  const e = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (e && typeof e.code === 'string')
    return `${e.code}${typeof e.message === 'string' ? `: ${e.message}` : ''}`;
  return `HTTP ${status}`;
}

/**
 * The server's error code in a `{ error: { code, subCode } }` body.
 * @returns `{ code, subCode }` (either may be undefined)
 */
export function httpErrorCode(json: unknown): { code?: string; subCode?: string } {
  const e = (json as { error?: { code?: unknown; subCode?: unknown } } | undefined)?.error;
  return {
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    ...(typeof e?.subCode === 'string' ? { subCode: e.subCode } : {}),
  };
}
