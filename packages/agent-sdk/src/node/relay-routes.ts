/**
 * Relay (store-and-forward mailbox) HTTP routes as a Fastify plugin:
 *   POST /relay/:did        anyone: store an envelope for `did` -> 202 { id, expiresAt }
 *   POST /relay/:did/pull   owner only (DID-signed): { limit?, waitMs? } -> { messages: [...] }
 *   POST /relay/:did/ack    owner only (DID-signed): { ids } -> { acked }
 * Spec: docs/formats.md#relay-and-registry-http-api.
 *
 * What the relay checks on POST: a well-formed envelope (strict parser, size limit), recipient
 * equal to the mailbox, and (default) the sender's Ed25519 envelope signature against the
 * sender did:key, so only DID-key holders can fill mailboxes. It never decrypts.
 *
 * Pitfalls:
 * - The relay sees metadata (sender, recipient, scope, time, size, who pulls when), never
 *   plaintext. It can delay, drop or re-deliver; receivers' nonce stores catch duplicates.
 * - Long-poll waiters live in this process: with the Redis store and several relay nodes, a put
 *   on node A does not wake a waiter on node B before its `waitMs` ends.
 *
 * @module
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { backend } from '#crypto';
import { parseDidKey } from '../did.js';
import { encodeEnvelopeHeader, envelopeSigningInput, parseEnvelope } from '../envelope.js';
import { sendError } from './lib/http-errors.js';
import {
  installJsonParsers,
  type RequestVerifier,
  SIGNED_REQUEST_HEADERS_SCHEMA,
  statusForAuthError,
} from './lib/signed-request-check.js';
import type { RelayStore, RelayStoreErrorDetail } from './relay-store.js';
import { ERROR_RESPONSE_SCHEMA } from './server-kit/openapi.js';
import type { DidLimiter } from './server-kit/rate-limits.js';

/** Options of {@link relayRoutes}. */
export interface RelayRoutesOptions {
  readonly store: RelayStore;
  readonly verifyRequest: RequestVerifier;
  /** Largest envelope body, bytes (default 256 KiB). */
  readonly maxEnvelopeBytes?: number;
  /** Check the sender's Ed25519 envelope signature on POST (default true). */
  readonly verifySenderSignature?: boolean;
  /** Longest long-poll wait, ms (default 25 000). */
  readonly maxWaitMs?: number;
  /** Per-DID rate limit, applied to the verified signer (pull/ack) or envelope sender (POST). */
  readonly limitDid?: DidLimiter;
}

const didParams = {
  type: 'object',
  required: ['did'],
  properties: { did: { type: 'string', description: 'mailbox did:key' } },
} as const;
const errors = { '4xx': ERROR_RESPONSE_SCHEMA, '5xx': ERROR_RESPONSE_SCHEMA } as const;
const signedHeaders = SIGNED_REQUEST_HEADERS_SCHEMA;
const postSchema = {
  summary: 'Store an envelope for the mailbox DID',
  params: didParams,
  // The envelope is checked by the strict envelope parser (docs/formats.md), not here.
  body: { description: 'Xlink envelope JSON', additionalProperties: true },
  response: {
    202: {
      type: 'object',
      properties: { id: { type: 'string' }, expiresAt: { type: 'integer' } },
    },
    ...errors,
  },
} as const;
const pullSchema = {
  summary: 'Owner only: fetch unacked messages (long-poll with waitMs)',
  params: didParams,
  headers: signedHeaders,
  body: {
    properties: { limit: { type: 'integer' }, waitMs: { type: 'integer' } },
    additionalProperties: true,
  },
  response: {
    200: {
      type: 'object',
      properties: {
        messages: { type: 'array', items: { type: 'object', additionalProperties: true } },
      },
    },
    ...errors,
  },
} as const;
const ackSchema = {
  summary: 'Owner only: delete delivered messages',
  params: didParams,
  headers: signedHeaders,
  body: {
    properties: { ids: { type: 'array', items: { type: 'string' } } },
    additionalProperties: true,
  },
  response: { 200: { type: 'object', properties: { acked: { type: 'integer' } } }, ...errors },
} as const;

const storeStatus = (e: RelayStoreErrorDetail) => (e.code === 'MAILBOX_FULL' ? 429 : 503);

/** The relay routes plugin. */
export const relayRoutes: FastifyPluginAsync<RelayRoutesOptions> = async (
  app: FastifyInstance,
  opts: RelayRoutesOptions,
) => {
  installJsonParsers(app);
  const maxEnvelope = opts.maxEnvelopeBytes ?? 256 * 1024;
  const maxWait = opts.maxWaitMs ?? 25_000;
  const checkSig = opts.verifySenderSignature ?? true;
  const waiters = new Map<string, Set<() => void>>();
  let closing = false;
  const wake = (did: string) => {
    const set = waiters.get(did);
    if (!set) return;
    waiters.delete(did);
    for (const f of set) f();
  };
  app.addHook('preClose', async () => {
    closing = true;
    for (const did of [...waiters.keys()]) wake(did);
  });

  const badDid = (did: string) => !parseDidKey(did).ok;

  app.post<{ Params: { did: string } }>(
    '/relay/:did',
    { bodyLimit: maxEnvelope, schema: postSchema },
    async (req, reply) => {
      const did = req.params.did;
      if (badDid(did))
        return sendError(reply, 400, {
          code: 'INVALID_DID',
          message: 'mailbox must be a did:key',
          hint: 'POST /relay/<recipient did:key>',
          field: 'did',
        });
      // The body is already JSON-parsed (size-limited); parse the object strictly, not the text again.
      const env = parseEnvelope(req.body ?? req.rawBody ?? '', maxEnvelope);
      if (!env.ok) return sendError(reply, 400, env.error);
      if (env.value.recipient !== did)
        return sendError(reply, 400, {
          code: 'RECIPIENT_MISMATCH',
          message: 'envelope recipient differs from the mailbox DID',
          hint: 'POST to /relay/<envelope.recipient>',
          field: 'recipient',
        });
      if (checkSig) {
        const pub = parseDidKey(env.value.sender);
        const input = envelopeSigningInput(encodeEnvelopeHeader(env.value), env.value.ciphertext);
        if (!pub.ok || !backend.ed25519Verify(pub.value, input, env.value.signature))
          return sendError(reply, 400, {
            code: 'VERIFICATION_FAILED',
            subCode: 'SIGNATURE_MISMATCH',
            message: 'envelope signature does not verify against the sender DID',
            hint: 'Only envelopes signed by their sender are relayed',
            field: 'signature',
          });
        if (opts.limitDid && !(await opts.limitDid(req, reply, env.value.sender))) return reply;
      }
      const r = await opts.store.put(did, req.body);
      if (!r.ok) return sendError(reply, storeStatus(r.error), r.error);
      wake(did);
      return reply.code(202).send({ id: r.value.id, expiresAt: r.value.expiresAt });
    },
  );

  app.post<{ Params: { did: string } }>(
    '/relay/:did/pull',
    { bodyLimit: 4096, schema: pullSchema },
    async (req, reply) => {
      const did = req.params.did;
      const v = await opts.verifyRequest(req, did);
      if (!v.ok) return sendError(reply, statusForAuthError(v.error), v.error);
      if (opts.limitDid && !(await opts.limitDid(req, reply, v.value.did))) return reply;
      const body = (req.body ?? {}) as { limit?: unknown; waitMs?: unknown };
      const limit = body.limit ?? 100;
      const waitMs = body.waitMs ?? 0;
      if (
        typeof limit !== 'number' ||
        !Number.isSafeInteger(limit) ||
        limit < 1 ||
        limit > 500 ||
        typeof waitMs !== 'number' ||
        !Number.isSafeInteger(waitMs) ||
        waitMs < 0 ||
        waitMs > maxWait
      )
        return sendError(reply, 400, {
          code: 'BAD_REQUEST',
          message: `limit must be 1..500 and waitMs 0..${maxWait}`,
          hint: 'e.g. { "limit": 100, "waitMs": 20000 }',
        });
      let r = await opts.store.pull(did, limit);
      if (r.ok && r.value.length === 0 && waitMs > 0 && !closing) {
        await new Promise<void>((resolve) => {
          const set = waiters.get(did) ?? new Set();
          waiters.set(did, set);
          const done = () => {
            clearTimeout(t);
            set.delete(done);
            if (set.size === 0 && waiters.get(did) === set) waiters.delete(did);
            resolve();
          };
          const t = setTimeout(done, waitMs);
          set.add(done);
          reply.raw.once('close', done);
        });
        r = await opts.store.pull(did, limit);
      }
      if (!r.ok) return sendError(reply, storeStatus(r.error), r.error);
      return reply.send({
        messages: r.value.map((m) => ({
          id: m.id,
          envelope: m.envelope,
          receivedAt: m.receivedAt,
          expiresAt: m.expiresAt,
          deliveries: m.deliveries,
        })),
      });
    },
  );

  app.post<{ Params: { did: string } }>(
    '/relay/:did/ack',
    { bodyLimit: 64 * 1024, schema: ackSchema },
    async (req, reply) => {
      const did = req.params.did;
      const v = await opts.verifyRequest(req, did);
      if (!v.ok) return sendError(reply, statusForAuthError(v.error), v.error);
      if (opts.limitDid && !(await opts.limitDid(req, reply, v.value.did))) return reply;
      const ids = (req.body as { ids?: unknown } | undefined)?.ids;
      if (
        !Array.isArray(ids) ||
        ids.length > 500 ||
        !ids.every((i) => typeof i === 'string' && i.length <= 64)
      )
        return sendError(reply, 400, {
          code: 'BAD_REQUEST',
          message: 'ids must be an array of at most 500 message ids',
          hint: 'Ack the ids returned by pull',
          field: 'ids',
        });
      const r = await opts.store.ack(did, ids as string[]);
      if (!r.ok) return sendError(reply, storeStatus(r.error), r.error);
      return reply.send({ acked: r.value });
    },
  );
};
