/**
 * The billing server's HTTP API as one framework-free function: (method, path, headers, parsed
 * JSON body) -> (status, headers, JSON body). The Node server mounts it on an HTTP framework;
 * tests can call it directly.
 *
 *   GET    /health                         status, connection count, current epoch, public key
 *   POST   /connections              admin { didA, didB, scope, status? } -> 201 connection
 *          New connections start PENDING (billing closed: share requests get BILLING_REQUIRED)
 *          until `POST /connections/:id/activate`; `status: 'active'` opens billing at once.
 *          A pending answer says so in `activation` ({ required, path }).
 *   GET    /connections              admin ?did=&scope=&status=&epoch=  (no did: all)
 *   GET    /connections/:id          admin
 *   DELETE /connections/:id          admin { reason? } -> revoke
 *   GET    /connections/:id/status   admin -> checkBilling
 *   POST   /connections/:id/rotate|suspend|activate|grace|revoke|reactivate   admin { reason? }
 *          (activate = PENDING -> ACTIVE, or reactivate from SUSPENDED/GRACE/REVOKED)
 *   POST   /shares/fetch                   DID-signed share request (share-fetch.ts), rate limited per verified DID
 *   GET    /audit/head                     the latest signed audit head (signs new entries first)
 *   POST   /shares/reconstruct, /encrypt, /decrypt   debug only (see below)
 *
 * Admin routes need `Authorization: Bearer <admin token>` (compared through SHA-256 digests in
 * constant time). Errors are `{ error: XpassError }` with the status of `HTTP_STATUS`; 429 adds
 * `Retry-After` (seconds).
 *
 * Pitfall: the debug endpoints take BOTH shares of a connection over the network. Whoever runs
 * or observes them learns the secret, which is exactly what the 2-of-2 split exists to prevent;
 * they are 404 unless `debugEndpoints` is set (`XPASS_ENABLE_DEBUG_ENDPOINTS=1`).
 *
 * @module
 */

import { base64urlEncode as b64u, backend, base64urlDecode } from '@xorida/agent-sdk/crypto';
import { bytesToHex, equalBytes, ok, type Result, utf8ToBytes } from 'xorida';
import type { AuditChain } from './audit-chain.js';
import type { BillingService } from './billing-service.js';
import {
  decryptWithShares,
  encryptWithConnectionSecret,
  MAX_MESSAGE_BYTES,
  reconstructSecret,
} from './connection-secret.js';
import { HTTP_STATUS, type XpassError, xpassErr, xpassError } from './errors.js';
import { shareEnvelopeFromBase45 } from './share-envelope.js';
import { type ChallengeStore, handleShareRequest } from './share-fetch.js';
import { CONNECTION_STATUSES, type ConnectionStatus } from './state-machine.js';

/** A request as the framework hands it over. */
export interface BillingHttpRequest {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Parsed JSON body, or undefined. */
  readonly body?: unknown;
}

/** The answer. */
export interface BillingHttpResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: unknown;
}

/** What the routes need. */
export interface BillingRoutesContext {
  readonly service: BillingService;
  readonly audit?: AuditChain;
  /** Bearer token for admin routes; admin routes answer 401 when unset. */
  readonly adminToken?: string;
  readonly challenges: ChallengeStore;
  /**
   * Per-DID limiter for share fetches, counted only after the request's signature verified
   * (e.g. `RateLimiter`, or the server kit's Redis-backed DID limit).
   */
  readonly rateLimiter?: {
    hit(did: string): Result<unknown, XpassError> | Promise<Result<unknown, XpassError>>;
  };
  /** Enable `/shares/reconstruct`, `/encrypt`, `/decrypt` (default false). */
  readonly debugEndpoints?: boolean;
}

function fail(e: XpassError): BillingHttpResponse {
  const retry = e.code === 'RATE_LIMITED' ? Number(e.metadata?.retryAfterMs ?? 60_000) : null;
  return {
    status: HTTP_STATUS[e.code] ?? 500,
    ...(retry === null
      ? {}
      : { headers: { 'retry-after': String(Math.max(1, Math.ceil(retry / 1000))) } }),
    body: { error: e },
  };
}

function answer<T>(r: Result<T, XpassError>, status = 200): BillingHttpResponse {
  return r.ok ? { status, body: r.value === undefined ? { ok: true } : r.value } : fail(r.error);
}

function digest(text: string): Uint8Array {
  return backend.sha256(utf8ToBytes(text));
}

function isAdmin(ctx: BillingRoutesContext, headers: BillingHttpRequest['headers']): boolean {
  if (!ctx.adminToken) return false;
  const h = headers.authorization;
  const value = Array.isArray(h) ? h[0] : h;
  if (typeof value !== 'string' || !value.startsWith('Bearer ')) return false;
  return equalBytes(digest(value.slice(7)), digest(ctx.adminToken));
}

const UNAUTHORIZED: BillingHttpResponse = {
  status: 401,
  headers: { 'www-authenticate': 'Bearer' },
  body: {
    error: xpassError('REQUEST_REJECTED', 'admin bearer token required', {
      subCode: 'ADMIN_TOKEN',
    }),
  },
};
const NOT_FOUND: BillingHttpResponse = {
  status: 404,
  body: { error: { code: 'NOT_FOUND', message: 'no such route' } },
};

function reasonOf(body: unknown): string | undefined {
  const r = (body as { reason?: unknown } | undefined)?.reason;
  return typeof r === 'string' ? r : undefined;
}

function sharesOf(body: unknown) {
  const b = body as { share1?: unknown; share2?: unknown } | undefined;
  if (typeof b?.share1 !== 'string' || typeof b?.share2 !== 'string')
    return xpassErr('INVALID_INPUT', 'share1 and share2 must be Base45 share envelopes', {
      field: 'share1',
    });
  const s1 = shareEnvelopeFromBase45(b.share1);
  if (!s1.ok) return s1;
  const s2 = shareEnvelopeFromBase45(b.share2);
  if (!s2.ok) return s2;
  return ok([s1.value, s2.value] as const);
}

// Message-route bodies: a message of MAX_MESSAGE_BYTES plus its header and tag, as base64url.
const fromB64u = (text: unknown): Uint8Array | null =>
  typeof text === 'string' ? base64urlDecode(text, MAX_MESSAGE_BYTES + 64) : null;

async function debugRoute(
  ctx: BillingRoutesContext,
  path: string,
  body: unknown,
): Promise<BillingHttpResponse> {
  const shares = sharesOf(body);
  if (!shares.ok) return fail(shares.error);
  const [s1, s2] = shares.value;
  if (path === '/shares/reconstruct') {
    const s = reconstructSecret(s1, s2, { now: ctx.service.now() });
    return s.ok
      ? {
          status: 200,
          body: {
            connectionId: s.value.connectionId,
            epoch: s.value.epoch,
            secret: bytesToHex(s.value.secret),
          },
        }
      : fail(s.error);
  }
  if (path === '/encrypt') {
    const pt = fromB64u((body as { plaintext?: unknown }).plaintext);
    if (!pt)
      return fail(
        xpassError('INVALID_INPUT', 'plaintext must be base64url', { field: 'plaintext' }),
      );
    const s = reconstructSecret(s1, s2, { now: ctx.service.now() });
    if (!s.ok) return fail(s.error);
    const ct = encryptWithConnectionSecret(s.value, pt);
    return ct.ok ? { status: 200, body: { ciphertext: b64u(ct.value) } } : fail(ct.error);
  }
  const ct = fromB64u((body as { ciphertext?: unknown }).ciphertext);
  if (!ct)
    return fail(
      xpassError('INVALID_INPUT', 'ciphertext must be base64url', { field: 'ciphertext' }),
    );
  const pt = decryptWithShares(s1, s2, ct, { now: ctx.service.now() });
  return pt.ok ? { status: 200, body: { plaintext: b64u(pt.value) } } : fail(pt.error);
}

/**
 * Handles one billing-server request.
 * @param ctx service, audit chain, admin token, challenge store, rate limiter, debug flag
 * @param req method, path, query, lower-case headers, parsed JSON body
 * @returns status, extra headers and the JSON body
 */
export async function handleBillingRequest(
  ctx: BillingRoutesContext,
  req: BillingHttpRequest,
): Promise<BillingHttpResponse> {
  const { method, path } = req;
  const svc = ctx.service;
  if (method === 'GET' && path === '/health') {
    const all = await svc.allConnections();
    return {
      status: all.ok ? 200 : 503,
      body: {
        status: all.ok ? 'ok' : 'degraded',
        connections: all.ok ? all.value.length : null,
        epoch: Math.floor(svc.now() / svc.epochs.epochMs),
        epochMs: svc.epochs.epochMs,
        publicKey: bytesToHex(svc.publicKey),
      },
    };
  }
  if (method === 'POST' && path === '/shares/fetch') {
    const limiter = ctx.rateLimiter;
    return answer(
      await handleShareRequest(svc, req.body, {
        challenges: ctx.challenges,
        ...(limiter ? { limit: async (did: string) => limiter.hit(did) } : {}),
      }),
    );
  }
  if (method === 'GET' && path === '/audit/head') {
    const head = ctx.audit?.signHead() ?? null;
    return head
      ? { status: 200, body: head }
      : { status: 404, body: { error: { code: 'NOT_FOUND', message: 'no audit entries yet' } } };
  }
  if (
    method === 'POST' &&
    (path === '/shares/reconstruct' || path === '/encrypt' || path === '/decrypt')
  )
    return ctx.debugEndpoints ? debugRoute(ctx, path, req.body) : NOT_FOUND;

  if (path === '/connections' || path.startsWith('/connections/')) {
    if (!isAdmin(ctx, req.headers)) return UNAUTHORIZED;
    const parts = path.split('/').filter(Boolean); // ['connections', id?, action?]
    if (parts.length === 1) {
      if (method === 'POST') {
        const b = (req.body ?? {}) as {
          didA?: unknown;
          didB?: unknown;
          scope?: unknown;
          status?: unknown;
        };
        // PENDING by default: a connection is billed only after an explicit activation (by an
        // operator or a payment webhook), never by being created.
        const status = b.status === undefined ? 'pending' : b.status;
        if (status !== 'active' && status !== 'pending')
          return fail(
            xpassError('INVALID_INPUT', "status must be 'active' or 'pending'", {
              field: 'status',
            }),
          );
        const created = await svc.createConnection(
          String(b.didA ?? ''),
          String(b.didB ?? ''),
          String(b.scope ?? ''),
          { status, distribute: false, actor: 'admin' },
        );
        if (!created.ok || created.value.status !== 'pending') return answer(created, 201);
        return answer(
          ok({
            ...created.value,
            activation: {
              required: true,
              path: `/connections/${created.value.connectionId}/activate`,
              message: 'billing is closed (BILLING_REQUIRED) until this connection is activated',
            },
          }),
          201,
        );
      }
      if (method === 'GET') {
        const q = req.query ?? {};
        const status = q.status as ConnectionStatus | undefined;
        if (status !== undefined && !CONNECTION_STATUSES.includes(status))
          return fail(xpassError('INVALID_INPUT', 'unknown status', { field: 'status' }));
        const epoch = q.epoch === undefined ? undefined : Number(q.epoch);
        if (epoch !== undefined && !Number.isInteger(epoch))
          return fail(xpassError('INVALID_INPUT', 'epoch must be an integer', { field: 'epoch' }));
        if (q.did === undefined) {
          const all = await svc.allConnections();
          return all.ok
            ? {
                status: 200,
                body: all.value.filter(
                  (c) =>
                    (status === undefined || c.status === status) &&
                    (q.scope === undefined || c.scope === q.scope),
                ),
              }
            : fail(all.error);
        }
        return answer(
          await svc.listConnections(q.did, {
            ...(q.scope === undefined ? {} : { scope: q.scope }),
            ...(status === undefined ? {} : { status }),
            ...(epoch === undefined ? {} : { epoch }),
          }),
        );
      }
      return NOT_FOUND;
    }
    const id = parts[1]!;
    if (parts.length === 2) {
      if (method === 'GET') return answer(await svc.getConnection(id));
      if (method === 'DELETE')
        return answer(await svc.revoke(id, reasonOf(req.body) ?? 'deleted', 'admin'));
      return NOT_FOUND;
    }
    if (parts.length === 3) {
      const action = parts[2]!;
      if (method === 'GET' && action === 'status') return answer(await svc.checkBilling(id));
      if (method !== 'POST') return NOT_FOUND;
      const reason = reasonOf(req.body);
      switch (action) {
        case 'rotate':
          return answer(await svc.rotate(id, 'admin'));
        case 'suspend':
          return answer(await svc.suspend(id, reason, 'admin'));
        case 'grace':
          return answer(await svc.grace(id, reason, 'admin'));
        case 'revoke':
          return answer(await svc.revoke(id, reason, 'admin'));
        case 'reactivate':
          return answer(await svc.reactivate(id, reason, 'admin'));
        case 'activate': {
          const cur = await svc.getConnection(id);
          if (!cur.ok) return fail(cur.error);
          return answer(
            cur.value.status === 'pending'
              ? await svc.activate(id, reason, 'admin')
              : await svc.reactivate(id, reason, 'admin'),
          );
        }
        default:
          return NOT_FOUND;
      }
    }
  }
  return NOT_FOUND;
}
