/**
 * Which xpass connection a Stripe event is about, and which status it asks for.
 *
 * The mapping is a JSON object (file `XPASS_STRIPE_MAPPING_FILE`, or the `stripeMapping` option):
 *
 *   { "customers":     { "cus_...": "<64-hex connection id>" },
 *     "subscriptions": { "sub_...": "<64-hex connection id>" } }
 *
 * A subscription entry wins over a customer entry (a customer may hold several subscriptions).
 * Event types and the status each asks for are {@link STRIPE_EVENT_TARGETS}; the object shapes
 * read are Stripe's `invoice` (`customer`, `subscription` or `parent.subscription_details.subscription`)
 * and `subscription` (`id`, `customer`) objects, see https://docs.stripe.com/api/events/types.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { ok, type Result } from 'xorida';
import { type XpassError, xpassErr } from '../errors.js';
import type { ConnectionStatus, Transition } from '../state-machine.js';

/** The mapping from Stripe ids to xpass connection ids. */
export interface StripeMapping {
  readonly customers: Readonly<Record<string, string>>;
  readonly subscriptions: Readonly<Record<string, string>>;
}

/** The status each handled Stripe event type asks for. */
export const STRIPE_EVENT_TARGETS: Readonly<Record<string, ConnectionStatus>> = {
  'invoice.paid': 'active',
  'invoice.payment_failed': 'grace',
  'customer.subscription.paused': 'suspended',
  'customer.subscription.resumed': 'active',
  'customer.subscription.deleted': 'revoked',
};

const ID = /^[0-9a-f]{64}$/;
const STRIPE_ID = /^[A-Za-z0-9_]{1,255}$/;

function parseTable(
  v: unknown,
  name: 'customers' | 'subscriptions',
): Result<Record<string, string>, XpassError> {
  if (v === undefined) return ok({});
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    return xpassErr('INVALID_INPUT', `mapping.${name} must be an object`, { field: name });
  const out: Record<string, string> = {};
  for (const [k, id] of Object.entries(v)) {
    if (!STRIPE_ID.test(k) || typeof id !== 'string' || !ID.test(id))
      return xpassErr(
        'INVALID_INPUT',
        `mapping.${name}[${JSON.stringify(k)}] must map a Stripe id to a 64-hex connection id`,
        { field: name },
      );
    out[k] = id;
  }
  return ok(out);
}

/**
 * Parses a mapping object strictly (unknown top-level keys are refused).
 * @param v the decoded JSON
 * @returns the mapping, or `INVALID_INPUT` naming the table (`customers` / `subscriptions`)
 */
export function parseStripeMapping(v: unknown): Result<StripeMapping, XpassError> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    return xpassErr('INVALID_INPUT', 'the Stripe mapping must be a JSON object', {
      field: 'stripeMapping',
    });
  const extra = Object.keys(v).filter((k) => k !== 'customers' && k !== 'subscriptions');
  if (extra.length > 0)
    return xpassErr('INVALID_INPUT', `unknown mapping keys: ${extra.join(', ')}`, {
      field: 'stripeMapping',
    });
  const o = v as Record<string, unknown>;
  const customers = parseTable(o.customers, 'customers');
  if (!customers.ok) return customers;
  const subscriptions = parseTable(o.subscriptions, 'subscriptions');
  if (!subscriptions.ok) return subscriptions;
  return ok({ customers: customers.value, subscriptions: subscriptions.value });
}

/**
 * Reads and parses a mapping file (at most 16 MiB).
 * @param path the JSON file
 * @returns the mapping, or `STORE_FAILED` (unreadable), `INVALID_INPUT` (not JSON, bad shape)
 */
export async function loadStripeMapping(path: string): Promise<Result<StripeMapping, XpassError>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    return xpassErr('STORE_FAILED', `cannot read ${path}: ${(e as Error).message}`);
  }
  if (text.length > 16 * 1024 * 1024)
    return xpassErr('INVALID_INPUT', `${path} is larger than 16 MiB`, { field: 'stripeMapping' });
  try {
    return parseStripeMapping(JSON.parse(text));
  } catch (e) {
    return xpassErr('INVALID_INPUT', `${path} is not JSON: ${(e as Error).message}`, {
      field: 'stripeMapping',
    });
  }
}

function idOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null && typeof (v as { id?: unknown }).id === 'string')
    return (v as { id: string }).id;
  return undefined;
}

/**
 * The connection a Stripe event object refers to (subscription first, then customer).
 * @param type the event type
 * @param object `event.data.object`
 * @param mapping the mapping
 * @returns the connection id and the Stripe id that matched, or undefined (unmapped)
 */
export function connectionOfEvent(
  type: string,
  object: unknown,
  mapping: StripeMapping,
): { connectionId: string; via: string } | undefined {
  if (typeof object !== 'object' || object === null) return undefined;
  const o = object as Record<string, unknown>;
  const parent = o.parent as { subscription_details?: { subscription?: unknown } } | undefined;
  const subscription = type.startsWith('customer.subscription.')
    ? idOf(o.id)
    : (idOf(o.subscription) ?? idOf(parent?.subscription_details?.subscription));
  const customer = idOf(o.customer);
  if (subscription !== undefined && Object.hasOwn(mapping.subscriptions, subscription))
    return { connectionId: mapping.subscriptions[subscription]!, via: subscription };
  if (customer !== undefined && Object.hasOwn(mapping.customers, customer))
    return { connectionId: mapping.customers[customer]!, via: customer };
  return undefined;
}

/**
 * The transitions (state-machine.ts) that take a connection from `from` to `to`: `[]` when it is
 * already there, undefined when the machine has no path (e.g. a payment failure on a revoked
 * connection). A payment failure on an ACTIVE connection goes through SUSPENDED to GRACE.
 * @param from current effective status
 * @param to wanted status
 */
export function transitionsTo(
  from: ConnectionStatus,
  to: ConnectionStatus,
): readonly Transition[] | undefined {
  if (from === to) return [];
  switch (to) {
    case 'active':
      return from === 'pending' ? ['activate'] : ['reactivate'];
    case 'grace':
      if (from === 'active') return ['suspend', 'grace'];
      return from === 'suspended' ? ['grace'] : undefined;
    case 'suspended':
      return from === 'active' ? ['suspend'] : undefined;
    case 'revoked':
      return ['revoke'];
    default:
      return undefined;
  }
}
