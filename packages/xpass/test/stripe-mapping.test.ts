// The Stripe-to-connection mapping: strict parsing, subscription before customer, and the
// state-machine paths each event type takes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyTransition, CONNECTION_STATUSES, type ConnectionStatus } from '../src/index.js';
import {
  connectionOfEvent,
  loadStripeMapping,
  parseStripeMapping,
  transitionsTo,
} from '../src/node/index.js';
import { must } from './helpers.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('Stripe mapping', () => {
  it('parses strictly', () => {
    expect(must(parseStripeMapping({ customers: { cus_1: A } })).subscriptions).toEqual({});
    for (const bad of [
      [],
      { customers: { cus_1: 'short' } },
      { customers: { 'cus 1': A } },
      { subscriptions: [] },
      { other: {} },
    ]) {
      const r = parseStripeMapping(bad);
      expect(r.ok, JSON.stringify(bad)).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('INVALID_INPUT');
    }
  });

  it('loads a file; a file that is not JSON is INVALID_INPUT, a missing one STORE_FAILED', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xpass-map-'));
    try {
      writeFileSync(join(dir, 'm.json'), JSON.stringify({ subscriptions: { sub_1: B } }));
      expect(must(await loadStripeMapping(join(dir, 'm.json'))).subscriptions.sub_1).toBe(B);
      writeFileSync(join(dir, 'bad.json'), '{');
      const bad = await loadStripeMapping(join(dir, 'bad.json'));
      expect(!bad.ok && bad.error.code).toBe('INVALID_INPUT');
      const missing = await loadStripeMapping(join(dir, 'none.json'));
      expect(!missing.ok && missing.error.code).toBe('STORE_FAILED');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prefers the subscription over the customer', () => {
    const m = must(parseStripeMapping({ customers: { cus_1: A }, subscriptions: { sub_1: B } }));
    expect(
      connectionOfEvent('invoice.paid', { customer: 'cus_1', subscription: 'sub_1' }, m),
    ).toEqual({
      connectionId: B,
      via: 'sub_1',
    });
    expect(connectionOfEvent('invoice.paid', { customer: { id: 'cus_1' } }, m)?.connectionId).toBe(
      A,
    );
    expect(
      connectionOfEvent('customer.subscription.deleted', { id: 'sub_2', customer: 'cus_1' }, m)
        ?.connectionId,
    ).toBe(A);
    expect(connectionOfEvent('invoice.paid', { customer: 'cus_9' }, m)).toBeUndefined();
  });

  it('every planned path is legal in the state machine and ends at the target', () => {
    for (const from of CONNECTION_STATUSES)
      for (const to of CONNECTION_STATUSES) {
        const steps = transitionsTo(from, to);
        if (steps === undefined) continue;
        let s: ConnectionStatus = from;
        for (const t of steps) s = must(applyTransition(s, t));
        expect(s, `${from} -> ${to}`).toBe(to);
      }
    expect(transitionsTo('revoked', 'grace')).toBeUndefined();
    expect(transitionsTo('grace', 'suspended')).toBeUndefined();
    expect(transitionsTo('active', 'grace')).toEqual(['suspend', 'grace']);
  });
});
