/**
 * Invite redemption route (Fastify plugin, mounted by `xlink serve`):
 *   GET  /registry/name/:name  public: the newest active entry with that display name
 *   POST /invites/redeem  body `{ code, keyDocument, name? }`, DID-signed by the accepting DID
 * checks the invite (format, inviter signature, expiry), that the inviter is registered, active
 * and holds every invited scope, records the invite's secret as used (durably, before
 * answering) and registers the accepting DID with the invite's scopes. Answers 201
 * `{ entry, inviter }` (RegistryEntryJson of both), 400 `INVITE_INVALID`, 410 `INVITE_EXPIRED`,
 * 409 `INVITE_USED`, 403 `FORBIDDEN` (inviter unknown, revoked or lacking a scope).
 *
 * Pitfalls: the used-secret record is written before registration; if registration then fails
 * the invite stays used (fail closed: ask for a new invite).
 *
 * @module
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { err, ok, type Result } from 'xorida';
import { type InviteErrorDetail, inviteRedemptionKey, parseInvite } from '../invite.js';
import { keyDocumentFromJson } from '../key-document.js';
import { scopeGranted, type TrustRegistry } from '../registry.js';
import { registryEntryToJson } from '../registry-entry-json.js';
import { DurableLog } from './durable-log.js';
import { sendError } from './lib/http-errors.js';
import {
  installJsonParsers,
  type RequestVerifier,
  statusForAuthError,
} from './lib/signed-request-check.js';
import { ERROR_RESPONSE_SCHEMA } from './server-kit/openapi.js';
import type { DidLimiter } from './server-kit/rate-limits.js';

const errors = { '4xx': ERROR_RESPONSE_SCHEMA, '5xx': ERROR_RESPONSE_SCHEMA } as const;
const anyEntry = { type: 'object', additionalProperties: true } as const;
const byNameSchema = {
  summary: 'Newest active registry entry with this display name',
  params: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
  response: { 200: anyEntry, ...errors },
} as const;
const redeemSchema = {
  summary: 'Redeem an invite (DID-signed by the accepting DID)',
  body: {
    additionalProperties: true,
    properties: {
      code: { type: 'string' },
      keyDocument: { additionalProperties: true },
      name: { type: 'string' },
    },
  },
  response: {
    201: { type: 'object', properties: { entry: anyEntry, inviter: anyEntry } },
    ...errors,
  },
} as const;

/** Where redeemed invite secrets are remembered. */
export interface InviteStore {
  /** Atomically marks `key` used; `ok(false)` when it already was. */
  markUsed(key: string, expiresAt: number): Promise<Result<boolean, InviteErrorDetail>>;
  close(): Promise<void>;
}

/** A durable (fsync'd JSONL, `invites.jsonl`) {@link InviteStore}. */
export class FileInviteStore implements InviteStore {
  private constructor(
    private readonly log: DurableLog,
    private readonly used: Map<string, number>,
  ) {}

  /** Opens (and replays) the log at `path`. */
  static async open(path: string): Promise<Result<FileInviteStore, InviteErrorDetail>> {
    const r = await DurableLog.open(path);
    if (!r.ok) return err({ code: 'INVITE_FAILED', message: r.error.message, hint: r.error.hint });
    const used = new Map<string, number>();
    for (const rec of r.value.records) {
      const x = rec as { key?: unknown; exp?: unknown };
      if (typeof x.key === 'string' && typeof x.exp === 'number') used.set(x.key, x.exp);
    }
    return ok(new FileInviteStore(r.value.log, used));
  }

  async markUsed(key: string, expiresAt: number): Promise<Result<boolean, InviteErrorDetail>> {
    if (this.used.has(key)) return ok(false);
    this.used.set(key, expiresAt); // before the await: a concurrent redemption sees it
    const a = await this.log.append({ key, exp: expiresAt });
    if (!a.ok) {
      this.used.delete(key);
      return err({ code: 'INVITE_FAILED', message: a.error.message, hint: a.error.hint });
    }
    return ok(true);
  }

  close(): Promise<void> {
    return this.log.close();
  }
}

/** Options of {@link inviteRoutes}. */
export interface InviteRoutesOptions {
  readonly registry: TrustRegistry;
  readonly store: InviteStore;
  readonly verifyRequest: RequestVerifier;
  /** Per-DID rate limit, applied to the verified accepting DID. */
  readonly limitDid?: DidLimiter;
}

/** The invite redemption plugin. */
export const inviteRoutes: FastifyPluginAsync<InviteRoutesOptions> = async (
  app: FastifyInstance,
  opts: InviteRoutesOptions,
) => {
  installJsonParsers(app);
  // Service-name lookup for connect(): the newest active entry with that display name.
  app.get<{ Params: { name: string } }>(
    '/registry/name/:name',
    { schema: byNameSchema },
    async (req, reply) => {
      const all = await opts.registry.list();
      if (!all.ok) return sendError(reply, 503, all.error);
      const hit = all.value
        .filter((e) => e.name === req.params.name && e.status === 'active')
        .sort((a, b) => b.registeredAt - a.registeredAt)[0];
      if (!hit)
        return sendError(reply, 404, {
          code: 'DID_NOT_IN_REGISTRY',
          message: `no active service named "${req.params.name}"`,
          hint: 'Check the name or register the service',
        });
      return reply.send(registryEntryToJson(hit));
    },
  );
  app.post(
    '/invites/redeem',
    { bodyLimit: 64 * 1024, schema: redeemSchema },
    async (req, reply) => {
      const body = req.body as
        | { code?: unknown; keyDocument?: unknown; name?: unknown }
        | undefined;
      if (
        typeof body?.code !== 'string' ||
        (body.name !== undefined && typeof body.name !== 'string')
      )
        return sendError(reply, 400, {
          code: 'BAD_REQUEST',
          message: 'body must be { code, keyDocument, name? }',
          hint: 'See docs/formats.md#xlink-invite-codes',
        });
      const inv = parseInvite(body.code);
      if (!inv.ok)
        return sendError(reply, inv.error.code === 'INVITE_EXPIRED' ? 410 : 400, inv.error);
      const doc = keyDocumentFromJson(body.keyDocument);
      if (!doc.ok) return sendError(reply, 400, doc.error);
      const v = await opts.verifyRequest(req, doc.value.did);
      if (!v.ok) return sendError(reply, statusForAuthError(v.error), v.error);
      if (opts.limitDid && !(await opts.limitDid(req, reply, v.value.did))) return reply;
      const inviter = await opts.registry.resolve(inv.value.inviter);
      if (
        !inviter.ok ||
        inviter.value.status !== 'active' ||
        !inv.value.scopes.every((s) => scopeGranted(inviter.value, s))
      )
        return sendError(reply, 403, {
          code: 'FORBIDDEN',
          subCode: 'INVITER_NOT_AUTHORIZED',
          message: 'the inviter is not registered, is revoked, or lacks an invited scope',
          hint: 'The inviter must be registered here with every scope it invites to',
        });
      const used = await opts.store.markUsed(inviteRedemptionKey(inv.value), inv.value.exp);
      if (!used.ok) return sendError(reply, 503, used.error);
      if (!used.value)
        return sendError(reply, 409, {
          code: 'INVITE_USED',
          message: 'this invite was already accepted',
          hint: 'Invites are one-time: ask the inviter for a new code',
        });
      const r = await opts.registry.register({
        keyDocument: doc.value,
        scopes: inv.value.scopes,
        ...(typeof body.name === 'string' ? { name: body.name } : {}),
      });
      if (!r.ok)
        return sendError(reply, r.error.subCode === 'ALREADY_REGISTERED' ? 409 : 400, r.error);
      req.log.info({ did: r.value.did, inviter: inv.value.inviter }, 'invite redeemed');
      return reply
        .code(201)
        .send({ entry: registryEntryToJson(r.value), inviter: registryEntryToJson(inviter.value) });
    },
  );
};

/** The minimal ioredis surface {@link RedisInviteStore} uses. */
export interface RedisInviteClient {
  set(key: string, value: string, px: 'PX', ms: number, nx: 'NX'): Promise<string | null>;
}

/** A Redis {@link InviteStore}: `SET key 1 PX <until expiry + 1 day> NX`. */
export class RedisInviteStore implements InviteStore {
  constructor(
    private readonly client: RedisInviteClient,
    private readonly keyPrefix = 'xlink:invite:',
  ) {}

  async markUsed(key: string, expiresAt: number): Promise<Result<boolean, InviteErrorDetail>> {
    try {
      const ttl = Math.max(1000, expiresAt - Date.now() + 86_400_000);
      const r = await this.client.set(`${this.keyPrefix}${key}`, '1', 'PX', ttl, 'NX');
      return ok(r === 'OK');
    } catch (e) {
      return err({
        code: 'INVITE_FAILED',
        message: `Redis: ${(e as Error).message}`,
        hint: 'Check Redis',
      });
    }
  }

  async close(): Promise<void> {}
}
