/**
 * The billing API's routes on a server-kit Fastify app: one Fastify route (with request and
 * response JSON schemas, so `GET /openapi.json` lists it) per route of `handleBillingRequest`
 * (billing-routes.ts), which still does the work. Unknown routes get the kit's 404.
 *
 * @module
 */
import { ERROR_RESPONSE_SCHEMA } from '@xorida/agent-sdk/node';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type BillingRoutesContext, handleBillingRequest } from '../billing-routes.js';

/** What {@link registerBillingRoutes} needs besides the routes context. */
export interface BillingHttpOptions {
  /** Waits until the audit entries of a request are durable; returns a failure text or undefined. */
  readonly flushAudit: () => Promise<string | undefined>;
  /** Per-request routes context (the rate limiter needs the request). */
  readonly context: (req: FastifyRequest) => BillingRoutesContext;
  /** Register the debug routes (`/shares/reconstruct`, `/encrypt`, `/decrypt`). */
  readonly debugEndpoints: boolean;
}

const errors = { '4xx': ERROR_RESPONSE_SCHEMA, '5xx': ERROR_RESPONSE_SCHEMA } as const;
const anyObject = { type: 'object', additionalProperties: true } as const;
const connection = {
  type: 'object',
  description: 'connection record',
  additionalProperties: true,
  properties: {
    connectionId: { type: 'string' },
    didA: { type: 'string' },
    didB: { type: 'string' },
    scope: { type: 'string' },
    status: { type: 'string' },
  },
} as const;
const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string' } },
} as const;
const admin = {
  type: 'object',
  properties: { authorization: { type: 'string', description: 'Bearer <admin token>' } },
} as const;
const reasonBody = {
  additionalProperties: true,
  properties: { reason: { type: 'string' } },
} as const;
const sharesBody = {
  additionalProperties: true,
  properties: { share1: { type: 'string' }, share2: { type: 'string' } },
} as const;

interface RouteSpec {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly url: string;
  readonly schema: Record<string, unknown>;
}

const ACTIONS = ['rotate', 'suspend', 'activate', 'grace', 'revoke', 'reactivate'] as const;

const ROUTES: readonly RouteSpec[] = [
  {
    method: 'POST',
    url: '/connections',
    schema: {
      summary: 'Admin: create a connection',
      headers: admin,
      body: {
        additionalProperties: true,
        properties: {
          didA: { type: 'string' },
          didB: { type: 'string' },
          scope: { type: 'string' },
          status: { type: 'string', enum: ['active', 'pending'] },
        },
      },
      response: { 201: connection, ...errors },
    },
  },
  {
    method: 'GET',
    url: '/connections',
    schema: {
      summary: 'Admin: list connections (all, or of one DID)',
      headers: admin,
      querystring: {
        type: 'object',
        properties: {
          did: { type: 'string' },
          scope: { type: 'string' },
          status: { type: 'string' },
          epoch: { type: 'string', description: 'integer' },
        },
      },
      response: { 200: { type: 'array', items: connection }, ...errors },
    },
  },
  {
    method: 'GET',
    url: '/connections/:id',
    schema: {
      summary: 'Admin: one connection',
      headers: admin,
      params: idParams,
      response: { 200: connection, ...errors },
    },
  },
  {
    method: 'DELETE',
    url: '/connections/:id',
    schema: {
      summary: 'Admin: revoke a connection',
      headers: admin,
      params: idParams,
      body: reasonBody,
      response: { 200: connection, ...errors },
    },
  },
  {
    method: 'GET',
    url: '/connections/:id/status',
    schema: {
      summary: 'Admin: billing check of a connection',
      headers: admin,
      params: idParams,
      response: { 200: anyObject, ...errors },
    },
  },
  ...ACTIONS.map(
    (action): RouteSpec => ({
      method: 'POST',
      url: `/connections/:id/${action}`,
      schema: {
        summary: `Admin: ${action} a connection`,
        headers: admin,
        params: idParams,
        body: reasonBody,
        response: { 200: connection, ...errors },
      },
    }),
  ),
  {
    method: 'POST',
    url: '/shares/fetch',
    schema: {
      summary: 'DID-signed share request (docs/formats.md#xpass)',
      body: {
        additionalProperties: true,
        properties: {
          v: { type: 'integer' },
          connectionId: { type: 'string' },
          did: { type: 'string' },
          challenge: { type: 'string' },
          ts: { type: 'integer' },
          signature: { type: 'string' },
        },
      },
      response: { 200: anyObject, ...errors },
    },
  },
  {
    method: 'GET',
    url: '/audit/head',
    schema: { summary: 'Latest signed audit head', response: { 200: anyObject, ...errors } },
  },
];

const DEBUG_ROUTES: readonly RouteSpec[] = ['/shares/reconstruct', '/encrypt', '/decrypt'].map(
  (url) => ({
    method: 'POST',
    url,
    schema: {
      summary: `Debug only: ${url.slice(1)} with both shares`,
      body: sharesBody,
      response: { 200: anyObject, ...errors },
    },
  }),
);

/**
 * Registers the billing routes.
 * @param app the kit's Fastify app
 * @param options audit flush, per-request context, debug flag
 */
export function registerBillingRoutes(app: FastifyInstance, options: BillingHttpOptions): void {
  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const u = new URL(req.url, 'http://localhost');
    const query: Record<string, string> = {};
    for (const [k, v] of u.searchParams) query[k] = v;
    const res = await handleBillingRequest(options.context(req), {
      method: req.method,
      path: u.pathname,
      query,
      headers: req.headers,
      body: req.body,
    });
    const failure = await options.flushAudit();
    if (failure !== undefined)
      return reply.code(503).send({
        error: { code: 'STORE_FAILED', message: `audit log write failed: ${failure}` },
      });
    reply.code(res.status);
    if (res.headers) reply.headers(res.headers);
    return reply.send(res.body);
  };
  for (const r of [...ROUTES, ...(options.debugEndpoints ? DEBUG_ROUTES : [])])
    app.route({ method: r.method, url: r.url, schema: r.schema, handler });
}
