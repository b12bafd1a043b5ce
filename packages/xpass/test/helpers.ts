import { expect } from 'vitest';
import type { Result } from 'xorida';
import { BillingService, type BillingServiceOptions, type XpassError } from '../src/index.js';

export const DID_A = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
export const DID_B = 'did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG';
export const DID_C = 'did:key:z6MknGc3ocHs3zdPiJbnaaqDi58NGb4pk1Sp9WxWufuXSdxf';
export const SEED = new Uint8Array(32).fill(7);
/** 2026-11-21T00:00:00Z, an epoch boundary for 24 h epochs. */
export const T0 = Date.UTC(2026, 10, 21);

/** A controllable clock. */
export function clock(start = T0 + 60_000) {
  let t = start;
  return {
    now: () => t,
    set: (v: number) => {
      t = v;
    },
    advance: (ms: number) => {
      t += ms;
    },
  };
}

type AnyError = {
  readonly code: string;
  readonly message: string;
  readonly subCode?: string;
  readonly hint?: string;
};

export function must<T>(r: Result<T, AnyError>): T {
  if (!r.ok)
    throw new Error(
      `${r.error.code}${r.error.subCode ? `:${r.error.subCode}` : ''}: ${r.error.message}`,
    );
  return r.value;
}

export function expectErr<T>(r: Result<T, AnyError>, code: string, subCode?: string): XpassError {
  expect(r.ok, r.ok ? 'expected an error' : '').toBe(false);
  if (r.ok) throw new Error('unreachable');
  expect(r.error.code).toBe(code);
  if (subCode !== undefined) expect(r.error.subCode).toBe(subCode);
  expect(typeof r.error.hint).toBe('string');
  return r.error as XpassError;
}

export function service(options: BillingServiceOptions = {}): BillingService {
  return must(BillingService.create({ signingSeed: SEED, ...options }));
}
