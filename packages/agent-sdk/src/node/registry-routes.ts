/**
 * Registry HTTP routes as a Fastify plugin (mount alone or through createXlinkServer):
 *   GET  /registry/resolve/:did   public: RegistryEntryJson (signed key document, scopes, status)
 *   POST /registry/register       admin bearer, or DID-signed self-registration when enabled
 *   POST /registry/revoke         admin bearer: { did, reason? }
 *   GET  /registry/list           admin bearer: { entries: RegistryEntryJson[] }
 * Spec: docs/formats.md#relay-and-registry-http-api.
 *
 * Pitfalls:
 * - Self-registration only proves the caller holds the DID key; it cannot grant scopes beyond
 *   `selfRegistration.scopes` (when set), so an operator still controls what a DID may send.
 * - Key documents are verified on register (against the DID), and resolve answers the stored,
 *   verified document.
 *
 * @module
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { XlinkErrorDetail } from '../errors.js';
import { keyDocumentFromJson } from '../key-document.js';
import type { TrustRegistry } from '../registry.js';
import { registryEntryToJson } from '../registry-entry-json.js';
import { bearerMatches } from './lib/admin-token.js';
import { sendError } from './lib/http-errors.js';
import {
  installJsonParsers,
  type RequestVerifier,
  statusForAuthError,
} from './lib/signed-request-check.js';
import { ERROR_RESPONSE_SCHEMA } from './server-kit/openapi.js';
import type { DidLimiter } from './server-kit/rate-limits.js';

/** Options of {@link registryRoutes}. */
export interface RegistryRoutesOptions {
  readonly registry: TrustRegistry;
  /** Admin bearer token; without one, admin routes answer 401. */
  readonly adminToken?: string;
  /** Allow DID-signed self-registration (optionally only these scopes). Default false. */
  readonly selfRegistration?: boolean | { readonly scopes?: readonly string[] };
  readonly verifyRequest: RequestVerifier;
  /** Largest body, bytes (default 64 KiB). */
  readonly bodyLimit?: number;
  /** Per-DID rate limit for self-registration, applied to the verified signer. */
  readonly limitDid?: DidLimiter;
}

const errors = { '4xx': ERROR_RESPONSE_SCHEMA, '5xx': ERROR_RESPONSE_SCHEMA } as const;
const entry = {
  type: 'object',
  description: 'RegistryEntryJson (docs/formats.md)',
  additionalProperties: true,
  properties: {
    did: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string' } },
    status: { type: 'string' },
  },
} as const;
const adminHeaders = {
  type: 'object',
  properties: { authorization: { type: 'string', description: 'Bearer <admin token>' } },
} as const;
const resolveSchema = {
  summary: 'Resolve a DID to its registry entry',
  params: { type: 'object', required: ['did'], properties: { did: { type: 'string' } } },
  response: { 200: entry, ...errors },
} as const;
const registerSchema = {
  summary: 'Register a DID (admin bearer, or DID-signed self-registration when enabled)',
  headers: adminHeaders,
  body: {
    additionalProperties: true,
    properties: {
      keyDocument: { description: 'signed key document', additionalProperties: true },
      scopes: { type: 'array', items: { type: 'string' } },
      name: { type: 'string' },
    },
  },
  response: { 201: entry, ...errors },
} as const;
const revokeSchema = {
  summary: 'Admin: revoke a DID',
  headers: adminHeaders,
  body: {
    additionalProperties: true,
    properties: { did: { type: 'string' }, reason: { type: 'string' } },
  },
  response: { 200: entry, ...errors },
} as const;
const listSchema = {
  summary: 'Admin: all registry entries',
  headers: adminHeaders,
  response: {
    200: { type: 'object', properties: { entries: { type: 'array', items: entry } } },
    ...errors,
  },
} as const;

function statusFor(e: XlinkErrorDetail): number {
  if (e.code === 'DID_NOT_IN_REGISTRY') return 404;
  if (e.subCode === 'ALREADY_REGISTERED') return 409;
  if (e.subCode === 'STORAGE' || e.subCode === 'NETWORK_ERROR') return 503;
  if (e.subCode === 'FULL') return 507;
  return 400;
}

/** The registry routes plugin. */
export const registryRoutes: FastifyPluginAsync<RegistryRoutesOptions> = async (
  app: FastifyInstance,
  opts: RegistryRoutesOptions,
) => {
  installJsonParsers(app);
  const bodyLimit = opts.bodyLimit ?? 64 * 1024;
  const admin = (h: string | string[] | undefined) => bearerMatches(h, opts.adminToken);
  const unauthorized = {
    code: 'UNAUTHORIZED',
    message: 'admin bearer token required',
    hint: 'Send Authorization: Bearer <token>',
  };

  app.get<{ Params: { did: string } }>(
    '/registry/resolve/:did',
    { schema: resolveSchema },
    async (req, reply) => {
      const r = await opts.registry.resolve(req.params.did);
      if (!r.ok) return sendError(reply, statusFor(r.error), r.error);
      return reply.send(registryEntryToJson(r.value));
    },
  );

  app.post('/registry/register', { bodyLimit, schema: registerSchema }, async (req, reply) => {
    const body = req.body as
      | { keyDocument?: unknown; scopes?: unknown; name?: unknown }
      | undefined;
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      return sendError(reply, 400, {
        code: 'BAD_REQUEST',
        message: 'body must be { keyDocument, scopes, name? }',
        hint: 'See docs/formats.md',
      });
    const doc = keyDocumentFromJson(body.keyDocument);
    if (!doc.ok) return sendError(reply, 400, doc.error);
    const scopes = body.scopes;
    if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string'))
      return sendError(reply, 400, {
        code: 'BAD_REQUEST',
        message: 'scopes must be an array of strings',
        hint: 'e.g. ["payment:notify"]',
        field: 'scopes',
      });
    if (body.name !== undefined && typeof body.name !== 'string')
      return sendError(reply, 400, {
        code: 'BAD_REQUEST',
        message: 'name must be a string',
        hint: 'Send a display name or omit it',
        field: 'name',
      });
    if (!admin(req.headers.authorization)) {
      if (!opts.selfRegistration || !req.headers['x-xlink-signature'])
        return sendError(reply, 401, unauthorized);
      const v = await opts.verifyRequest(req, doc.value.did);
      if (!v.ok) return sendError(reply, statusForAuthError(v.error), v.error);
      if (opts.limitDid && !(await opts.limitDid(req, reply, v.value.did))) return reply;
      const allowed =
        typeof opts.selfRegistration === 'object' ? opts.selfRegistration.scopes : undefined;
      if (allowed && !scopes.every((s) => allowed.includes(s)))
        return sendError(reply, 403, {
          code: 'FORBIDDEN',
          subCode: 'SCOPE_NOT_SELF_REGISTRABLE',
          message: 'self-registration may only request the configured scopes',
          hint: `Allowed: ${allowed.join(', ')}; ask an operator for others`,
          field: 'scopes',
        });
    }
    const r = await opts.registry.register({
      keyDocument: doc.value,
      scopes,
      ...(body.name !== undefined ? { name: body.name as string } : {}),
    });
    if (!r.ok) return sendError(reply, statusFor(r.error), r.error);
    req.log.info({ did: r.value.did, scopes: r.value.scopes }, 'registered');
    return reply.code(201).send(registryEntryToJson(r.value));
  });

  app.post('/registry/revoke', { bodyLimit, schema: revokeSchema }, async (req, reply) => {
    if (!admin(req.headers.authorization)) return sendError(reply, 401, unauthorized);
    const body = req.body as { did?: unknown; reason?: unknown } | undefined;
    if (
      typeof body?.did !== 'string' ||
      (body.reason !== undefined && typeof body.reason !== 'string')
    )
      return sendError(reply, 400, {
        code: 'BAD_REQUEST',
        message: 'body must be { did, reason? }',
        hint: 'See docs/formats.md',
      });
    const r = await opts.registry.revoke(body.did, body.reason as string | undefined);
    if (!r.ok) return sendError(reply, statusFor(r.error), r.error);
    req.log.info({ did: body.did }, 'revoked');
    return reply.send(registryEntryToJson(r.value));
  });

  app.get('/registry/list', { schema: listSchema }, async (req, reply) => {
    if (!admin(req.headers.authorization)) return sendError(reply, 401, unauthorized);
    const r = await opts.registry.list();
    if (!r.ok) return sendError(reply, statusFor(r.error), r.error);
    return reply.send({ entries: r.value.map(registryEntryToJson) });
  });
};
