/**
 * Uploading a large body over `node:http(s)` from a few reused buffers (Node only; http-call.ts).
 * Through `fetch` every slice of a streamed body is a fresh allocation that fetch holds until it
 * is written, and only a GC frees it: a 64 MiB envelope leaves its whole base64 text behind as
 * garbage in slices (Node 24 kept about 60 MiB of it, test/delivery/memory.test.ts). Here each
 * buffer is written again only after Node reported the previous write of it flushed (the write
 * callback without an error), so the body costs `POOL` buffers whatever its size.
 *
 * Pitfalls:
 * - Only in Node itself (`process.getBuiltinModule`, no Deno or Bun), only for bodies that can
 *   be written into given buffers (`BodyReader`), and only without a custom `fetch` (tests and
 *   proxies keep theirs). Everything else goes through `fetch`.
 * - Like the streamed `fetch` upload (redirect mode `error`), a 3xx answer is an error.
 * - The answer is a `Response` built from Node's, read as a `fetch` answer would be; there is no
 *   content decoding (no `accept-encoding` is sent).
 * - A failed write leaves its buffer alone (it may still be in flight): nothing is written after.
 *
 * @module
 */
import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';

/** Writes a body's bytes in order into the buffers it is given. */
export interface BodyReader {
  /**
   * Writes the next bytes into `out` (at least 4 bytes long).
   * @returns how many were written; 0 at the end
   */
  read(out: Uint8Array): number;
}

/** A body that can be written into given buffers. */
export interface ReadableBody {
  /** Total length, bytes. */
  readonly length: number;
  /** A reader from the first byte (one per request). */
  reader?(): BodyReader;
}

/** What the upload needs of a `fetch` call. */
export interface UploadInit {
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly signal: AbortSignal;
}

/** Buffers per upload, and their size: 4 x 64 KiB in flight at most. */
const POOL = 4;
const SLICE = 64 * 1024;
/** Bodies from this size on are uploaded here (smaller ones leave little garbage). */
const UPLOAD_FROM = 1024 * 1024;

interface NodeHttp {
  request(url: URL, options: RequestOptions): ClientRequest;
}
type Proc = {
  getBuiltinModule?: (id: string) => unknown;
  release?: { name?: string };
};
const proc = (globalThis as { process?: Proc }).process;
const NODE =
  typeof proc?.getBuiltinModule === 'function' &&
  proc.release?.name === 'node' &&
  !('Deno' in globalThis) &&
  !('Bun' in globalThis);

/**
 * The upload for `body`, when it is taken here (see the module doc).
 * @param body the request body
 * @returns a function that sends it and resolves with the answer (rejects like `fetch`), or
 *   `undefined`: use `fetch`
 */
export function nodeUpload(
  body: ReadableBody,
): ((url: string, init: UploadInit) => Promise<Response>) | undefined {
  const reader = body.reader;
  if (!NODE || !reader || body.length < UPLOAD_FROM) return undefined;
  return (url, init) => upload(url, init, body.length, reader.call(body));
}

function upload(
  url: string,
  init: UploadInit,
  length: number,
  body: BodyReader,
): Promise<Response> {
  const u = new URL(url);
  const http = proc!.getBuiltinModule!(u.protocol === 'https:' ? 'node:https' : 'node:http');
  return new Promise<Response>((resolve, reject) => {
    const req = (http as NodeHttp).request(u, {
      method: init.method,
      headers: { ...init.headers, 'content-length': String(length) },
      signal: init.signal,
    });
    req.on('error', reject);
    req.once('response', (res) => {
      try {
        resolve(toResponse(res));
      } catch (e) {
        res.destroy();
        reject(e);
      }
    });
    writeBody(req, body).catch((e: unknown) => req.destroy(e as Error));
  });
}

/** Writes the body from POOL buffers, each reused once its last write was flushed. */
async function writeBody(req: ClientRequest, body: BodyReader): Promise<void> {
  const free: Uint8Array[] = [];
  for (let i = 0; i < POOL; i++) free.push(new Uint8Array(SLICE));
  let failed: Error | undefined;
  let wake: (() => void) | undefined;
  const settle = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  req.once('close', () => {
    failed ??= new Error('request closed');
    settle();
  });
  for (;;) {
    while (free.length === 0 && !failed) await new Promise<void>((r) => (wake = r));
    if (failed) return;
    const buf = free.pop()!;
    const n = body.read(buf);
    if (n === 0) break;
    req.write(buf.subarray(0, n), (err) => {
      // a failed write may still be in flight: its buffer is not written again
      if (err) failed ??= err;
      else free.push(buf);
      settle();
    });
  }
  req.end();
}

/** Node's answer as a `fetch` Response (status, headers, body stream). */
function toResponse(res: IncomingMessage): Response {
  const status = res.statusCode ?? 0;
  if (status >= 300 && status < 400) throw new TypeError(`redirect (${status}) not followed`);
  const headers = new Headers();
  for (const [k, v] of Object.entries(res.headers))
    for (const x of Array.isArray(v) ? v : v === undefined ? [] : [v]) headers.append(k, x);
  if (status === 204 || status === 205 || status === 304) {
    res.resume();
    return new Response(null, { status, headers });
  }
  const stream = new ReadableStream<Uint8Array>({
    start(ctrl) {
      let ended = false;
      res.on('data', (c: Buffer) => {
        if (!ended) ctrl.enqueue(new Uint8Array(c.buffer, c.byteOffset, c.length));
      });
      res.once('end', () => {
        ended = true;
        ctrl.close();
      });
      const fail = (e: Error) => {
        if (ended) return;
        ended = true;
        ctrl.error(e);
      };
      res.on('error', fail);
      res.once('close', () => fail(new Error('response aborted')));
    },
    cancel() {
      res.destroy();
    },
  });
  return new Response(stream, { status, statusText: res.statusMessage ?? '', headers });
}
