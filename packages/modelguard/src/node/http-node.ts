/**
 * `HttpStorageNode`: the `StorageNode` interface over a modelguard storage node server
 * (node-server.ts, docs/formats.md "modelguard storage node HTTP API"). Every request is
 * DID-signed (agent-sdk `signRequest`) with the caller's identity.
 *
 * Pitfalls:
 * - `put` streams the blob in parts of up to 8 MiB (each part is copied, so the caller may
 *   reuse its buffers) and commits with the total length and SHA-256; the server makes the blob
 *   visible only if both match. A failed or interrupted put rejects and leaves no blob.
 * - Any transport failure or non-2xx answer rejects (the library turns that into
 *   `STORAGE_FAILED` naming the node); a 404 on `get` is "no such blob".
 * - Requests time out after `timeoutMs` (default 60 s), so a hung node cannot stall a restore.
 *
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import { type RequestSigner, signRequest } from '@xorida/agent-sdk';
import type { ByteRange, StorageNode } from '../storage-node.js';

const PART_BYTES = 8 * 1024 * 1024;

/** Options of {@link createHttpStorageNode}. */
export interface HttpStorageNodeOptions {
  /** The identity requests are signed with (an `AgentIdentity` or any `RequestSigner`). */
  readonly signer: RequestSigner | Parameters<typeof signRequest>[0];
  /** Per-request timeout in ms; default 60 000. */
  readonly timeoutMs?: number;
}

/**
 * Whether a node spec is an HTTP(S) URL rather than a directory.
 * @param spec a `--nodes` entry
 */
export function isNodeUrl(spec: string): boolean {
  return /^https?:\/\//i.test(spec);
}

/**
 * A `StorageNode` backed by a storage node server.
 * @param baseUrl `http://host:port` or `https://…` (a path prefix is kept)
 * @param options `{ signer, timeoutMs }`
 * @returns the node (`id` is the URL)
 * @throws TypeError when `baseUrl` is not an http(s) URL
 */
export function createHttpStorageNode(
  baseUrl: string,
  options: HttpStorageNodeOptions,
): StorageNode {
  const base = new URL(baseUrl);
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new TypeError(`not an http(s) URL: ${baseUrl}`);
  const prefix = base.pathname.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 60_000;
  const call = async (method: string, path: string, body?: Uint8Array): Promise<Response> => {
    const full = `${prefix}${path}`;
    const headers: Record<string, string> = {
      ...signRequest(options.signer, { method, path: full, body: body ?? new Uint8Array(0) }),
    };
    if (body) headers['content-type'] = 'application/octet-stream';
    const res = await fetch(new URL(full, base), {
      method,
      headers,
      ...(body ? { body: body as unknown as BodyInit } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return res;
  };
  const fail = async (res: Response, what: string): Promise<never> => {
    let detail = '';
    try {
      const j = (await res.json()) as { error?: { code?: string; message?: string } };
      detail = `${j.error?.code ?? ''}: ${j.error?.message ?? ''}`;
    } catch {
      detail = res.statusText;
    }
    throw new Error(`${what}: HTTP ${res.status} ${detail}`);
  };
  return {
    id: base.href.replace(/\/$/, ''),
    acceptsShared: true, // put copies every chunk into its own part buffer before fetch
    async put(name, data) {
      const upload = randomBytes(16).toString('hex');
      const hash = createHash('sha256');
      let length = 0;
      let seq = 0;
      let part = new Uint8Array(PART_BYTES);
      let fill = 0;
      const flush = async () => {
        if (fill === 0) return;
        const body = part.subarray(0, fill);
        const res = await call('PUT', `/v1/uploads/${upload}/${seq}`, body);
        if (!res.ok) await fail(res, `upload part ${seq} of ${name}`);
        await res.arrayBuffer();
        seq++;
        fill = 0;
        part = new Uint8Array(PART_BYTES);
      };
      for await (const chunk of data) {
        hash.update(chunk);
        length += chunk.length;
        let at = 0;
        while (at < chunk.length) {
          const n = Math.min(PART_BYTES - fill, chunk.length - at);
          part.set(chunk.subarray(at, at + n), fill);
          fill += n;
          at += n;
          if (fill === PART_BYTES) await flush();
        }
      }
      await flush();
      const q = `name=${name}&length=${length}&sha256=${hash.digest('hex')}`;
      const res = await call('POST', `/v1/uploads/${upload}/commit?${q}`);
      if (!res.ok) await fail(res, `commit of ${name}`);
      await res.arrayBuffer();
    },
    async get(name, range?: ByteRange) {
      const q = range ? `?offset=${range.offset}&length=${range.length}` : '';
      const res = await call('GET', `/v1/blobs/${encodeURIComponent(name)}${q}`);
      if (res.status === 404) {
        await res.arrayBuffer();
        return undefined;
      }
      if (!res.ok) await fail(res, `get ${name}`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (range && bytes.length !== range.length)
        throw new Error(`get ${name}: ${bytes.length} bytes, expected ${range.length}`);
      return bytes;
    },
    async list() {
      const res = await call('GET', '/v1/blobs');
      if (!res.ok) await fail(res, 'list');
      const j = (await res.json()) as { names?: unknown };
      if (!Array.isArray(j.names) || !j.names.every((x) => typeof x === 'string'))
        throw new Error('list: malformed answer');
      return j.names as string[];
    },
    async delete(name) {
      const res = await call('DELETE', `/v1/blobs/${encodeURIComponent(name)}`);
      await res.arrayBuffer();
      if (!res.ok && res.status !== 404) await fail(res, `delete ${name}`);
    },
  };
}
