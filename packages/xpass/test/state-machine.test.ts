import { describe, expect, it } from 'vitest';
import {
  applyTransition,
  CONNECTION_STATUSES,
  type ConnectionStatus,
  effectiveStatus,
  TRANSITIONS,
  type Transition,
} from '../src/index.js';
import { clock, DID_A, DID_B, expectErr, must, service, T0 } from './helpers.js';

const LEGAL: Record<Transition, Partial<Record<ConnectionStatus, ConnectionStatus>>> = {
  activate: { pending: 'active' },
  suspend: { active: 'suspended' },
  grace: { suspended: 'grace' },
  revoke: { pending: 'revoked', active: 'revoked', suspended: 'revoked', grace: 'revoked' },
  reactivate: { suspended: 'active', grace: 'active', revoked: 'active' },
};

describe('state machine table', () => {
  for (const t of Object.keys(TRANSITIONS) as Transition[]) {
    for (const from of CONNECTION_STATUSES) {
      const to = LEGAL[t][from];
      it(`${t} from ${from} -> ${to ?? 'INVALID_TRANSITION'}`, () => {
        const r = applyTransition(from, t);
        if (to) expect(must(r)).toBe(to);
        else expectErr(r, 'INVALID_TRANSITION');
      });
    }
  }

  it('grace past its end is revoked', () => {
    expect(effectiveStatus('grace', 100, 99)).toBe('grace');
    expect(effectiveStatus('grace', 100, 100)).toBe('revoked');
    expect(effectiveStatus('active', null, 1e15)).toBe('active');
  });
});

describe('lifecycle on the billing service', () => {
  it('walks every legal transition and refuses illegal ones, gating shares', async () => {
    const c = clock(T0 + 1000);
    const svc = service({ now: c.now, graceMs: 3_600_000 });
    const conn = must(await svc.createConnection(DID_A, DID_B, 'xlink', { status: 'pending' }));
    const id = conn.connectionId;
    expect(conn.share1).toBeUndefined();
    expectErr(await svc.issueShare(id, DID_A), 'BILLING_REQUIRED');
    expectErr(await svc.suspend(id), 'INVALID_TRANSITION');
    expectErr(await svc.reactivate(id), 'INVALID_TRANSITION');
    expect(must(await svc.activate(id, 'paid')).status).toBe('active');
    expectErr(await svc.activate(id), 'INVALID_TRANSITION');
    expectErr(await svc.grace(id), 'INVALID_TRANSITION');
    must(await svc.issueShare(id, DID_A));
    expect(must(await svc.suspend(id, 'payment_failed')).status).toBe('suspended');
    expectErr(await svc.issueShare(id, DID_B), 'CONNECTION_SUSPENDED');
    expectErr(await svc.suspend(id), 'INVALID_TRANSITION');
    const g = must(await svc.grace(id, 'grace granted'));
    expect(g.status).toBe('grace');
    expect(g.graceUntil).toBe(c.now() + 3_600_000);
    must(await svc.issueShare(id, DID_B));
    const billing = must(await svc.checkBilling(id));
    expect(billing.status).toBe('grace');
    expect(billing.graceRemainingMs).toBe(3_600_000);
    expect(must(await svc.revoke(id, 'unpaid')).status).toBe('revoked');
    expectErr(await svc.issueShare(id, DID_A), 'CONNECTION_REVOKED');
    expectErr(await svc.revoke(id), 'INVALID_TRANSITION');
    expect(must(await svc.reactivate(id, 'paid again')).status).toBe('active');
    must(await svc.issueShare(id, DID_A));
    expectErr(await svc.activate('0'.repeat(64)), 'CONNECTION_NOT_FOUND');
  });

  it('grace expires into revoked (72 h default)', async () => {
    const c = clock(T0 + 1000);
    const svc = service({ now: c.now });
    expect(svc.graceMs).toBe(72 * 3_600_000);
    const { connectionId: id } = must(await svc.createConnection(DID_A, DID_B, 'xlink'));
    must(await svc.suspend(id));
    must(await svc.grace(id));
    c.advance(72 * 3_600_000 - 1);
    expect(must(await svc.checkBilling(id)).status).toBe('grace');
    expect(must(await svc.checkBilling(id)).daysUntilRevocation).toBe(0);
    c.advance(1);
    expect(must(await svc.checkBilling(id)).status).toBe('revoked');
    expectErr(await svc.issueShare(id, DID_A), 'CONNECTION_REVOKED');
    expect(must(await svc.getConnection(id)).reason).toBe('grace_expired');
    expect(must(await svc.reactivate(id)).status).toBe('active');
  });
});
