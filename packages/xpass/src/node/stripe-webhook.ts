/**
 * `POST /webhooks/stripe`: Stripe events drive the billing state machine.
 *
 * The body is kept as raw bytes (the route has its own content-type parser) because the
 * `Stripe-Signature` HMAC covers the exact bytes; it is verified with the official `stripe`
 * package (`stripe.webhooks.constructEvent`, https://docs.stripe.com/webhooks#verify-events).
 * A missing or wrong signature answers 400 `WEBHOOK_SIGNATURE_INVALID`; a right signature whose
 * timestamp is older than the tolerance (default 300 s) answers 400 `WEBHOOK_TIMESTAMP_STALE`.
 *
 * A verified event of a handled type (stripe-mapping.ts `STRIPE_EVENT_TARGETS`) whose customer or
 * subscription is mapped to a connection is claimed by its id (processed-events.ts) and moved to
 * the wanted status with the service's transitions (actor `stripe`, reason
 * `stripe <type> <event id>`). Everything else answers 200, because Stripe retries any other
 * answer for days:
 * - a redelivered event changes nothing and is recorded as a `provider_event` audit entry;
 * - a status the state machine cannot reach (e.g. a failed payment on a revoked connection) is
 *   recorded as a `provider_event` entry and not applied;
 * - unknown event types, unmapped customers and unknown connections are logged and ignored.
 * Storage failures answer 503 and release the claim, so Stripe's retry is handled.
 *
 * @module
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Stripe from 'stripe';
import type { AuditChain } from '../audit-chain.js';
import type { BillingService } from '../billing-service.js';
import { type XpassErrorCode, xpassError } from '../errors.js';
import type { ProcessedEventStore } from './processed-events.js';
import {
  connectionOfEvent,
  STRIPE_EVENT_TARGETS,
  type StripeMapping,
  transitionsTo,
} from './stripe-mapping.js';

/** Path of the Stripe webhook route. */
export const STRIPE_WEBHOOK_PATH = '/webhooks/stripe';
/** Default signature tolerance, seconds (Stripe's own default). */
export const DEFAULT_STRIPE_TOLERANCE_S = 300;

/** What {@link registerStripeWebhookRoute} needs. */
export interface StripeWebhookOptions {
  /** The endpoint's signing secret (`whsec_...`). */
  readonly secret: string;
  /** Oldest accepted signature timestamp, seconds (default 300). */
  readonly toleranceSeconds?: number;
  readonly mapping: StripeMapping;
  readonly service: BillingService;
  readonly audit: AuditChain | undefined;
  readonly processed: ProcessedEventStore;
  /** Clock, Unix ms (signature age is measured against it). */
  readonly now: () => number;
  /** Waits until audit entries are durable; returns a failure text or undefined. */
  readonly flushAudit: () => Promise<string | undefined>;
}

/** The JSON answer of a handled webhook. */
export interface StripeWebhookAnswer {
  readonly received: true;
  /** `applied` (status changed), `unchanged` (already there), `not_applied` (not reachable),
   * `duplicate` (seen before), `ignored` (unknown type, unmapped, unknown connection). */
  readonly outcome: 'applied' | 'unchanged' | 'not_applied' | 'duplicate' | 'ignored';
  readonly connectionId?: string;
  readonly status?: string;
}

function errorBody(code: XpassErrorCode, message: string) {
  const e = xpassError(code, message);
  return { error: { code: e.code, message: e.message, hint: e.hint, docs: e.docs } };
}

/**
 * Verifies a delivery.
 * @param raw the exact body bytes
 * @param header the `Stripe-Signature` header
 * @returns the event, or the error code (`WEBHOOK_SIGNATURE_INVALID`, `WEBHOOK_TIMESTAMP_STALE`)
 */
function verify(
  raw: Buffer,
  header: string | undefined,
  o: StripeWebhookOptions,
): Stripe.Event | { code: XpassErrorCode; message: string } {
  if (!header) return { code: 'WEBHOOK_SIGNATURE_INVALID', message: 'no Stripe-Signature header' };
  const tolerance = o.toleranceSeconds ?? DEFAULT_STRIPE_TOLERANCE_S;
  try {
    return Stripe.webhooks.constructEvent(raw, header, o.secret, tolerance, undefined, o.now());
  } catch (e) {
    // Tolerance 0 skips the age check: if that passes, only the timestamp was wrong.
    try {
      Stripe.webhooks.constructEvent(raw, header, o.secret, 0, undefined, o.now());
      return {
        code: 'WEBHOOK_TIMESTAMP_STALE',
        message: `the signature timestamp is more than ${tolerance} s old`,
      };
    } catch {
      return { code: 'WEBHOOK_SIGNATURE_INVALID', message: (e as Error).message.slice(0, 200) };
    }
  }
}

async function apply(
  event: Stripe.Event,
  o: StripeWebhookOptions,
  req: FastifyRequest,
): Promise<{ status: number; body: unknown }> {
  const target = STRIPE_EVENT_TARGETS[event.type];
  const ignored = (why: string) => {
    req.log.info({ stripeEvent: event.id, type: event.type }, `stripe event ignored: ${why}`);
    return { status: 200, body: { received: true, outcome: 'ignored' } };
  };
  if (target === undefined) return ignored('unhandled type');
  const mapped = connectionOfEvent(event.type, event.data.object, o.mapping);
  if (!mapped) return ignored('no mapped customer or subscription');
  const { connectionId } = mapped;
  const note = (outcome: StripeWebhookAnswer['outcome'], detail: string, status?: string) => {
    o.audit?.append({
      type: 'provider_event',
      connectionId,
      actor: 'stripe',
      detail: `${outcome}: ${event.type} ${event.id} ${detail}`,
    });
    return {
      status: 200,
      body: { received: true, outcome, connectionId, ...(status ? { status } : {}) },
    };
  };
  const current = await o.service.getConnection(connectionId);
  if (!current.ok) {
    if (current.error.code === 'CONNECTION_NOT_FOUND') return ignored('unknown connection');
    return { status: 503, body: errorBody('STORE_FAILED', current.error.message) };
  }
  let claimed: boolean;
  try {
    claimed = await o.processed.claim(event.id);
  } catch (e) {
    return { status: 503, body: errorBody('STORE_FAILED', (e as Error).message) };
  }
  if (!claimed) return note('duplicate', 'redelivered; nothing changed', current.value.status);
  const from = current.value.status;
  const steps = transitionsTo(from, target);
  if (steps === undefined) return note('not_applied', `cannot go from ${from} to ${target}`, from);
  if (steps.length === 0) return note('unchanged', `already ${from}`, from);
  let status = from;
  for (const t of steps) {
    const r = await o.service[t](connectionId, `stripe ${event.type} ${event.id}`, 'stripe');
    if (!r.ok) {
      if (r.error.code === 'INVALID_TRANSITION')
        return note('not_applied', `${t}: ${r.error.message}`, status);
      await o.processed.release(event.id).catch(() => {});
      return { status: 503, body: errorBody('STORE_FAILED', r.error.message) };
    }
    status = r.value.status;
  }
  return { status: 200, body: { received: true, outcome: 'applied', connectionId, status } };
}

/**
 * Registers `POST /webhooks/stripe` in its own Fastify scope (raw-body parser for any content
 * type, at most 1 MiB).
 * @param app the kit's Fastify app
 * @param o secret, tolerance, mapping, service, audit chain, processed-event store, clock, flush
 */
export function registerStripeWebhookRoute(app: FastifyInstance, o: StripeWebhookOptions): void {
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: 1024 * 1024 },
      (_req, body, done) => done(null, body),
    );
    scope.post(
      STRIPE_WEBHOOK_PATH,
      {
        schema: {
          summary: 'Stripe webhook (Stripe-Signature verified over the raw body)',
          headers: {
            type: 'object',
            properties: { 'stripe-signature': { type: 'string' } },
          },
          response: {
            200: {
              type: 'object',
              additionalProperties: true,
              properties: {
                received: { type: 'boolean' },
                outcome: { type: 'string' },
                connectionId: { type: 'string' },
                status: { type: 'string' },
              },
            },
          },
        },
      },
      async (req: FastifyRequest, reply: FastifyReply) => {
        const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const header = req.headers['stripe-signature'];
        const event = verify(raw, typeof header === 'string' ? header : undefined, o);
        if ('code' in event && !('id' in event))
          return reply.code(400).send(errorBody(event.code, event.message));
        const res = await apply(event as Stripe.Event, o, req);
        const failure = await o.flushAudit();
        if (failure !== undefined)
          return reply
            .code(503)
            .send(errorBody('STORE_FAILED', `audit log write failed: ${failure}`));
        return reply.code(res.status).send(res.body);
      },
    );
  });
}
