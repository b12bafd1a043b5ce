/**
 * The modelguard storage node server (`modelguard node serve`): one directory of node blobs
 * behind HTTP, built on the platform server kit (`createServerKit`: error shape, rate limits,
 * `/health`, `/openapi.json`, graceful close). Every blob route needs a DID-signed request
 * (agent-sdk request-signature, nonces recorded against replay). Wire protocol in
 * docs/formats.md "modelguard storage node HTTP API".
 *
 *   PUT    /v1/uploads/:upload/:seq          one part (octet-stream, <= 16 MiB), appended in order
 *   POST   /v1/uploads/:upload/commit?name=&length=&sha256=   check length and SHA-256, rename
 *   GET    /v1/blobs/:name?offset=&length=   a blob or a byte range of it (streamed)
 *   GET    /v1/blobs                         `{ names }`
 *   DELETE /v1/blobs/:name
 *
 * Pitfalls:
 * - A blob becomes visible only at commit, after its length and SHA-256 matched what the
 *   client declared in the signed commit path: a dropped upload never replaces a blob.
 * - The quota counts committed blobs plus uploads in progress; a part that would pass it is
 *   refused with 507 `QUOTA_EXCEEDED`.
 * - With `allow` empty, any valid signer may use the node; pass the owners' DIDs to restrict.
 *
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MemoryNonceStore, verifySignedRequest } from '@xorida/agent-sdk';
import {
  createServerKit,
  type RateBudget,
  type ServerKit,
  sendError,
} from '@xorida/agent-sdk/node';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { err, ok, type Result } from 'xorida';
import { isBlobName } from '../storage-node.js';

/** Largest upload part in bytes (16 MiB). */
export const MAX_PART_BYTES = 16 * 1024 * 1024;
const UPLOAD_RE = /^[0-9a-f]{32}$/;
const WINDOW_MS = 30_000;

/** Options of {@link createNodeServer}. */
export interface NodeServerOptions {
  /** Directory holding the blobs (created, mode 0700). */
  readonly dir: string;
  /** Largest total of stored and uploading bytes; default unlimited. */
  readonly quotaBytes?: number;
  /** did:keys allowed to use the node; empty or absent: any valid signer. */
  readonly allow?: readonly string[];
  /** Fastify logger option of the kit; default silent. */
  readonly logger?: boolean;
  /**
   * Per-address request budget (the server kit's limiter, 429 `RATE_LIMITED`); default none,
   * because one guard streams many upload parts to each node. There is no per-DID budget: every
   * blob route is signed and `allow` restricts who may use the node.
   */
  readonly rateLimit?: RateBudget;
}

interface Upload {
  bytes: number;
  next: number;
  hash: ReturnType<typeof createHash>;
  path: string;
}

/**
 * Builds (does not start) a storage node server.
 * @param o `{ dir, quotaBytes, allow, logger }`
 * @returns the server kit (call `listen({ port, host })`), or `STORAGE_FAILED`
 */
export async function createNodeServer(
  o: NodeServerOptions,
): Promise<Result<ServerKit, { code: 'STORAGE_FAILED'; message: string; hint: string }>> {
  try {
    await mkdir(o.dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    return err({
      code: 'STORAGE_FAILED',
      message: `cannot create ${o.dir}: ${(e as Error).message}`,
      hint: 'Pass a writable --dir.',
    });
  }
  const kit = await createServerKit({
    name: 'modelguard-node',
    version: '1',
    description: 'modelguard storage node: DID-signed blob PUT/GET',
    bodyLimit: MAX_PART_BYTES,
    logger: o.logger ?? false,
    storage: 'directory',
    rateLimit: o.rateLimit ? { address: o.rateLimit, did: false } : false,
  });
  if (!kit.ok) return kit;
  const { app } = kit.value;
  const nonces = new MemoryNonceStore();
  const uploads = new Map<string, Upload>();
  const allow = new Set(o.allow ?? []);
  const quota = o.quotaBytes ?? Number.POSITIVE_INFINITY;
  kit.value.onClose(async () => {
    for (const u of uploads.values()) await rm(u.path, { force: true });
  });
  app.addContentTypeParser(
    'application/octet-stream',
    { parseAs: 'buffer', bodyLimit: MAX_PART_BYTES },
    (_req, body, done) => done(null, body),
  );

  const auth = async (req: FastifyRequest, reply: FastifyReply): Promise<string | undefined> => {
    const body = Buffer.isBuffer(req.body) ? new Uint8Array(req.body) : new Uint8Array(0);
    const v = verifySignedRequest({ method: req.method, path: req.url, body }, req.headers, {
      windowMs: WINDOW_MS,
    });
    if (!v.ok) {
      sendError(reply, 401, { code: 'UNAUTHORIZED', message: v.error.message, hint: v.error.hint });
      return undefined;
    }
    const s = await nonces.checkAndStore(`req|${v.value.did}|${v.value.nonce}`, 2 * WINDOW_MS);
    if (!s.ok || s.value === 'replay') {
      sendError(reply, 401, { code: 'UNAUTHORIZED', message: 'signed request replayed' });
      return undefined;
    }
    if (allow.size > 0 && !allow.has(v.value.did)) {
      sendError(reply, 403, { code: 'FORBIDDEN', message: 'this DID may not use the node' });
      return undefined;
    }
    return v.value.did;
  };
  const used = async (): Promise<number> => {
    let sum = 0;
    for (const name of await readdir(o.dir))
      if (isBlobName(name)) sum += (await stat(join(o.dir, name))).size;
    for (const u of uploads.values()) sum += u.bytes;
    return sum;
  };
  const badName = (reply: FastifyReply, what: string) =>
    sendError(reply, 400, { code: 'BAD_REQUEST', message: `bad ${what}` });

  app.put('/v1/uploads/:upload/:seq', async (req, reply) => {
    if (!(await auth(req, reply))) return reply;
    const { upload, seq } = req.params as { upload: string; seq: string };
    if (!UPLOAD_RE.test(upload) || !/^\d{1,9}$/.test(seq)) return badName(reply, 'upload or seq');
    if (!Buffer.isBuffer(req.body))
      return sendError(reply, 415, {
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message: 'send application/octet-stream',
      });
    const part = req.body;
    let u = uploads.get(upload);
    if (!u) {
      if (Number(seq) !== 0)
        return sendError(reply, 409, { code: 'BAD_REQUEST', message: 'unknown upload' });
      u = { bytes: 0, next: 0, hash: createHash('sha256'), path: join(o.dir, `.upload-${upload}`) };
      uploads.set(upload, u);
    }
    if (Number(seq) !== u.next)
      return sendError(reply, 409, { code: 'BAD_REQUEST', message: `expected part ${u.next}` });
    if ((await used()) + part.length > quota)
      return sendError(reply, 507, { code: 'QUOTA_EXCEEDED', message: 'the node quota is full' });
    const fh = await open(u.path, u.next === 0 ? 'w' : 'a', 0o600);
    try {
      await fh.write(part);
    } finally {
      await fh.close();
    }
    u.hash.update(part);
    u.bytes += part.length;
    u.next++;
    return reply.code(200).send({ bytes: u.bytes });
  });

  app.post('/v1/uploads/:upload/commit', async (req, reply) => {
    if (!(await auth(req, reply))) return reply;
    const { upload } = req.params as { upload: string };
    const q = req.query as Record<string, string | undefined>;
    if (!isBlobName(q.name ?? '')) return badName(reply, 'name');
    if (!/^\d{1,16}$/.test(q.length ?? '') || !/^[0-9a-f]{64}$/.test(q.sha256 ?? ''))
      return badName(reply, 'length or sha256');
    const u = uploads.get(upload);
    // An empty blob has no parts: commit creates it from nothing.
    if (!u && Number(q.length) !== 0)
      return sendError(reply, 404, { code: 'NOT_FOUND', message: 'unknown upload' });
    const bytes = u?.bytes ?? 0;
    const digest = u ? u.hash.digest('hex') : createHash('sha256').digest('hex');
    uploads.delete(upload);
    const staged = u?.path ?? join(o.dir, `.upload-${upload}`);
    if (bytes !== Number(q.length) || digest !== q.sha256) {
      await rm(staged, { force: true });
      return sendError(reply, 422, {
        code: 'DIGEST_MISMATCH',
        message: `received ${bytes} bytes with SHA-256 ${digest}; the commit declared ${q.length} and ${q.sha256}`,
      });
    }
    const fh = await open(staged, 'a', 0o600);
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(staged, join(o.dir, q.name!));
    return reply.code(200).send({ name: q.name, bytes });
  });

  app.get('/v1/blobs', async (req, reply) => {
    if (!(await auth(req, reply))) return reply;
    const names = (await readdir(o.dir)).filter(isBlobName);
    return reply.code(200).send({ names });
  });

  app.get('/v1/blobs/:name', async (req, reply) => {
    if (!(await auth(req, reply))) return reply;
    const { name } = req.params as { name: string };
    if (!isBlobName(name)) return badName(reply, 'name');
    const q = req.query as Record<string, string | undefined>;
    const path = join(o.dir, name);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      return sendError(reply, 404, { code: 'NOT_FOUND', message: `no blob ${name}` });
    }
    const offset = q.offset === undefined ? 0 : Number(q.offset);
    const length = q.length === undefined ? size - offset : Number(q.length);
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0)
      return badName(reply, 'range');
    if (offset + length > size)
      return sendError(reply, 416, { code: 'BAD_REQUEST', message: 'range runs past the end' });
    reply.header('content-type', 'application/octet-stream').header('content-length', length);
    if (length === 0) return reply.code(200).send(Buffer.alloc(0));
    return reply
      .code(200)
      .send(createReadStream(path, { start: offset, end: offset + length - 1 }));
  });

  app.delete('/v1/blobs/:name', async (req, reply) => {
    if (!(await auth(req, reply))) return reply;
    const { name } = req.params as { name: string };
    if (!isBlobName(name)) return badName(reply, 'name');
    await rm(join(o.dir, name), { force: true });
    return reply.code(204).send();
  });
  return ok(kit.value);
}

/** A random upload id (16 bytes, hex), as the client sends it. */
export function newUploadId(): string {
  return randomBytes(16).toString('hex');
}
