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
 * - Response bodies are read up to `maxResponseBytes` (default 8 MiB) and then refused, into one
 *   buffer sized by `content-length`, and parsed from the bytes (json-body.ts): the base64
 *   ciphertext of a large answer (a relay pull) exists once as text, never as bytes, text and a
 *   parsed copy at once (measured in test/delivery/memory.test.ts).
 * - A {@link SlicedBody} is streamed slice by slice with its `content-length` where the runtime
 *   streams uploads over HTTP/1.1 (Node, Deno, Bun); browsers (which stream uploads only over
 *   HTTP/2) get it as a Blob. A streamed request does not follow redirects: a 3xx answer is
 *   `NETWORK_ERROR` (following would keep a copy of the whole body, see `requestBody`).
 * - In Node, a large body that can be written into given buffers (`reader`) goes over
 *   `node:http(s)` instead, from a few reused buffers (node-upload.ts), unless `fetch` is given.
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import { type XlinkErrorDetail, xlinkErr } from '../errors.js';
import { abortableSleep } from './abortable-sleep.js';
import { parseJsonBytes } from './json-body.js';
import { type BodyReader, nodeUpload } from './node-upload.js';

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

/** A body produced in slices, e.g. a large envelope (envelope-json.ts `envelopeJsonBytes`). */
export interface SlicedBody {
  /** Total length, bytes. */
  readonly length: number;
  /** The bytes, slice by slice (called once per attempt). */
  slices(): Iterable<Uint8Array>;
  /** The bytes written into given buffers (called once per attempt; node-upload.ts). */
  reader?(): BodyReader;
}

/** A request to make (called once per attempt). */
export interface HttpRequest {
  readonly url: string;
  readonly method: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | SlicedBody;
}

const agent = (globalThis as { navigator?: { userAgent?: unknown } }).navigator?.userAgent;
/** Runtimes whose fetch streams a request body over HTTP/1.1 (see the module doc). */
const STREAMS_UPLOADS = agent === undefined || /^(Node\.js|Deno|Bun)\//.test(String(agent));

function requestBody(body: SlicedBody): {
  body: BodyInit;
  duplex?: 'half';
  redirect?: RequestRedirect;
} {
  if (!STREAMS_UPLOADS) return { body: new Blob([...body.slices()] as BlobPart[]) };
  const it = body.slices()[Symbol.iterator]();
  const stream = new ReadableStream<Uint8Array>({
    pull(ctrl) {
      const next = it.next();
      if (next.done) ctrl.close();
      else ctrl.enqueue(next.value);
    },
  });
  // Redirect mode 'error': with 'follow' (or 'manual') fetch works on a clone of the request,
  // whose body is a tee of the stream, and the unread branch keeps every slice until the answer
  // (Node 20 and 24: a 64 MiB envelope then held twice, test/delivery/memory.test.ts). A stream
  // cannot be sent again on a redirect anyway; a 3xx answer becomes a network error.
  return { body: stream, duplex: 'half', redirect: 'error' };
}

/** Bodies at least this long are read into a resizable buffer (see `bodyBuffer`). */
const RESIZABLE_FROM = 1024 * 1024;

/**
 * The buffer a body of `size` bytes is read into. A large one is resizable (ES2024), so the
 * dead tail of a ciphertext decoded in place (a quarter of its base64url text) can be given
 * back at once (deferred-text.ts `trimAfter`) instead of waiting for a GC.
 */
function bodyBuffer(size: number): Uint8Array {
  if (size < RESIZABLE_FROM) return new Uint8Array(size);
  const Resizable = ArrayBuffer as unknown as new (
    n: number,
    o: { maxByteLength: number },
  ) => ArrayBuffer;
  try {
    return new Uint8Array(new Resizable(size, { maxByteLength: size }));
  } catch {
    return new Uint8Array(size);
  }
}

/**
 * Reads a response body, refusing more than `maxBytes` bytes.
 * @returns the bytes, or `null` when the body is larger than `maxBytes`
 */
async function readBody(res: Response, maxBytes: number): Promise<Uint8Array | null> {
  if (res.body === null) return new Uint8Array(0);
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    await res.body.cancel();
    return null;
  }
  // content-length is the size on the wire; a decoded (decompressed) body may still grow
  let buf = bodyBuffer(Number.isSafeInteger(declared) && declared > 0 ? declared : 16_384);
  let n = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (n + value.length > maxBytes) {
      await reader.cancel();
      return null;
    }
    if (n + value.length > buf.length) {
      const grown = new Uint8Array(Math.min(maxBytes, Math.max(2 * buf.length, n + value.length)));
      grown.set(buf.subarray(0, n));
      buf = grown;
    }
    buf.set(value, n);
    n += value.length;
  }
  return buf.subarray(0, n);
}

/** A completed HTTP exchange (any status). */
export interface HttpResponse {
  readonly status: number;
  /** Parsed JSON body, or `undefined` when the body is not JSON. */
  readonly json: unknown;
  readonly headers: Headers;
}

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
      await abortableSleep(wait + Math.floor(Math.random() * wait * 0.5), policy.signal);
    }
    let req: HttpRequest | undefined = makeRequest();
    const ctrl = new AbortController();
    const onAbort = () => ctrl.abort();
    policy.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => ctrl.abort(), timeoutMs);
    try {
      const sliced = typeof req.body === 'object' ? req.body : undefined;
      // a large body in Node: from a few reused buffers instead of fetch's garbage slices
      const upload = sliced && !policy.fetch ? nodeUpload(sliced) : undefined;
      const headers = { ...req.headers };
      const res = upload
        ? await upload(req.url, { method: req.method, headers, signal: ctrl.signal })
        : await doFetch(req.url, {
            method: req.method,
            headers: {
              ...headers,
              ...(sliced ? { 'content-length': String(sliced.length) } : {}),
            },
            ...(sliced ? requestBody(sliced) : req.body !== undefined ? { body: req.body } : {}),
            signal: ctrl.signal,
          } as RequestInit);
      // the request (a large body's source) is not needed while the answer is read
      req = undefined;
      const body = await readBody(res, maxBytes);
      if (body === null)
        return xlinkErr('NETWORK_ERROR', 'response body too large', 'Check the server URL', {
          subCode: 'RESPONSE_TOO_LARGE',
        });
      let json: unknown;
      try {
        // from the bytes: a large answer is never held as bytes, text and parsed strings at once
        json = body.length > 0 ? parseJsonBytes(body) : undefined;
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
