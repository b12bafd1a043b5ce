/**
 * Relay (store-and-forward mailbox) HTTP routes as a Fastify plugin:
 *   POST /relay/:did        anyone: store an envelope for `did` -> 202 { id, expiresAt }
 *   POST /relay/:did/pull   owner only (DID-signed): { limit?, waitMs? } -> { messages: [...] }
 *   POST /relay/:did/ack    owner only (DID-signed): { ids, rejected? } -> { acked }
 *   POST /relay/:did/dead-letters  owner only (DID-signed): {} -> { deadLetters: [...] }
 *   GET  /relay/key         the relay's receipt key -> { did }
 * Spec: docs/formats.md#relay-and-registry-http-api.
 *
 * What the relay checks on POST: a well-formed envelope (strict parser, size limit), recipient
 * equal to the mailbox, and (default) the sender's Ed25519 envelope signature against the
 * sender did:key (for an Xchange part, its group statement's signature: sender-signature.ts), so only DID-key holders can fill mailboxes, and the envelope's freshness
 * against the relay's own clock (deposit window). With a receipt key it signs a deposit receipt
 * (relay-receipt.ts) for each message, returned at deposit and with every pull. It never decrypts.
 * Owner acks may carry permanent rejections: those messages are deleted and their codes kept in
 * the mailbox's dead-letter list for the TTL (docs/formats.md#delivery-contract).
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
import { checkWindow, DEFAULT_DIRECT_WINDOW_MS } from '../delivery-freshness.js';
import { didFromEd25519PublicKey, parseDidKey } from '../did.js';
import { parseEnvelope } from '../envelope.js';
import type { Ed25519SigningKey } from '../lib/crypto/types.js';
import { senderSignatureValid } from '../sender-signature.js';
import { sizeLimits } from '../size-policy.js';
import { sendError } from './lib/http-errors.js';
import {
  installJsonParsers,
  type RequestVerifier,
  SIGNED_REQUEST_HEADERS_SCHEMA,
  statusForAuthError,
} from './lib/signed-request-check.js';
import {
  deadLetterMailbox,
  deadLetterRecords,
  parseRejections,
  receiptFor,
  responseBudget,
} from './relay-delivery.js';
import type { RelayStore, RelayStoreErrorDetail } from './relay-store.js';
import { ERROR_RESPONSE_SCHEMA } from './server-kit/openapi.js';
import type { DidLimiter } from './server-kit/rate-limits.js';

/** Options of {@link relayRoutes}. */
export interface RelayRoutesOptions {
  readonly store: RelayStore;
  readonly verifyRequest: RequestVerifier;
  /** Largest envelope body, bytes (default: the size policy's encoded envelope size, size-policy.ts). */
  readonly maxEnvelopeBytes?: number;
  /** Relay Ed25519 key signing deposit receipts (default none: no receipts). */
  readonly receiptKey?: Ed25519SigningKey;
  /** Deposit freshness: envelope timestamp within +-this of the relay clock, ms (default 30 000). */
  readonly depositWindowMs?: number;
  /** Relay clock, ms (tests). */
  readonly now?: () => number;
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
      properties: {
        id: { type: 'string' },
        expiresAt: { type: 'integer' },
        receipt: { type: 'object', additionalProperties: true },
      },
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

const deadLetterSchema = {
  summary: 'Owner only: permanently rejected messages of the last TTL (codes, no envelopes)',
  params: didParams,
  headers: signedHeaders,
  response: {
    200: {
      type: 'object',
      properties: {
        deadLetters: { type: 'array', items: { type: 'object', additionalProperties: true } },
      },
    },
    ...errors,
  },
} as const;
const keySchema = {
  summary: "The relay's deposit-receipt key (did:key)",
  response: { 200: { type: 'object', properties: { did: { type: 'string' } } } },
} as const;

const storeStatus = (e: RelayStoreErrorDetail) => (e.code === 'MAILBOX_FULL' ? 429 : 503);

/** The relay routes plugin. */
export const relayRoutes: FastifyPluginAsync<RelayRoutesOptions> = async (
  app: FastifyInstance,
  opts: RelayRoutesOptions,
) => {
  installJsonParsers(app);
  const maxEnvelope = opts.maxEnvelopeBytes ?? sizeLimits().maxEnvelopeJsonBytes;
  const depositWindow = opts.depositWindowMs ?? DEFAULT_DIRECT_WINDOW_MS;
  const clock = opts.now ?? Date.now;
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
  // Arrival time of each request (before its body is read), for the deposit freshness check.
  const arrivedAt = new WeakMap<object, number>();
  app.addHook('onRequest', async (req) => {
    arrivedAt.set(req, clock());
  });

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
        if (!senderSignatureValid(env.value))
          return sendError(reply, 400, {
            code: 'VERIFICATION_FAILED',
            subCode: 'SIGNATURE_MISMATCH',
            message: 'envelope signature does not verify against the sender DID',
            hint: 'Only envelopes signed by their sender are relayed',
            field: 'signature',
          });
        if (opts.limitDid && !(await opts.limitDid(req, reply, env.value.sender))) return reply;
      }
      // Freshness is checked where the message enters the relay, against the relay's clock at
      // the moment the request arrived (uploading a large body does not count against it).
      const now = arrivedAt.get(req) ?? clock();
      const fresh = checkWindow(env.value.timestamp, now, depositWindow);
      if (!fresh.ok) return sendError(reply, 400, fresh.error);
      const r = await opts.store.put(did, req.body, now);
      if (!r.ok) return sendError(reply, storeStatus(r.error), r.error);
      wake(did);
      const receipt = opts.receiptKey
        ? receiptFor(opts.receiptKey, env.value, now, r.value.expiresAt)
        : undefined;
      return reply
        .code(202)
        .send({ id: r.value.id, expiresAt: r.value.expiresAt, ...(receipt ? { receipt } : {}) });
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
      let r = await opts.store.pull(did, limit, clock());
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
        r = await opts.store.pull(did, limit, clock());
      }
      if (!r.ok) return sendError(reply, storeStatus(r.error), r.error);
      // One answer carries at most one full-size envelope's worth of bytes (and always one
      // message): the client's response limit derives from the same size policy.
      const fits = responseBudget(maxEnvelope);
      const messages = [];
      for (const m of r.value) {
        if (!fits(m.envelope)) break;
        const receipt = opts.receiptKey
          ? receiptFor(opts.receiptKey, m.envelope, m.receivedAt, m.expiresAt)
          : undefined;
        messages.push({
          id: m.id,
          envelope: m.envelope,
          receivedAt: m.receivedAt,
          expiresAt: m.expiresAt,
          deliveries: m.deliveries,
          ...(receipt ? { receipt } : {}),
        });
      }
      return reply.send({ messages });
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
      const rejected = parseRejections((req.body as { rejected?: unknown } | undefined)?.rejected);
      if (!rejected)
        return sendError(reply, 400, {
          code: 'BAD_REQUEST',
          message: 'rejected must be an array of at most 500 { id, code, subCode?, message? }',
          hint: 'Report permanent rejections with their error codes',
          field: 'rejected',
        });
      // Dead letters first: a message is deleted only once its rejection is on record.
      for (const rec of deadLetterRecords(rejected, clock())) {
        const d = await opts.store.put(deadLetterMailbox(did), rec, clock());
        if (!d.ok && d.error.code !== 'MAILBOX_FULL')
          return sendError(reply, storeStatus(d.error), d.error);
      }
      const all = [...(ids as string[]), ...rejected.map((x) => x.id)];
      const r = await opts.store.ack(did, all);
      if (!r.ok) return sendError(reply, storeStatus(r.error), r.error);
      return reply.send({ acked: r.value });
    },
  );

  app.post<{ Params: { did: string } }>(
    '/relay/:did/dead-letters',
    { bodyLimit: 4096, schema: deadLetterSchema },
    async (req, reply) => {
      const did = req.params.did;
      const v = await opts.verifyRequest(req, did);
      if (!v.ok) return sendError(reply, statusForAuthError(v.error), v.error);
      if (opts.limitDid && !(await opts.limitDid(req, reply, v.value.did))) return reply;
      const r = await opts.store.pull(deadLetterMailbox(did), 500, clock());
      if (!r.ok) return sendError(reply, storeStatus(r.error), r.error);
      return reply.send({
        deadLetters: r.value.map((m) => ({ ...(m.envelope as object), expiresAt: m.expiresAt })),
      });
    },
  );

  if (opts.receiptKey) {
    const relayDid = didFromEd25519PublicKey(opts.receiptKey.publicKey);
    app.get('/relay/key', { schema: keySchema }, async () => ({ did: relayDid }));
  }
};
