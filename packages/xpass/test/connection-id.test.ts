import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createConnectionId } from '../src/index.js';
import { DID_A, DID_B, DID_C, expectErr, must } from './helpers.js';

const did = fc.stringMatching(/^did:[a-z0-9]{1,8}:[\x21-\x7e]{1,60}$/);
const scope = fc.stringMatching(/^[\x21-\x7e]{1,20}$/);

describe('createConnectionId', () => {
  it('is symmetric and 64 hex chars', () => {
    const ab = must(createConnectionId(DID_A, DID_B, 'xlink'));
    expect(ab).toMatch(/^[0-9a-f]{64}$/);
    expect(must(createConnectionId(DID_B, DID_A, 'xlink'))).toBe(ab);
  });

  it('differs by scope and by peer', () => {
    const ab = must(createConnectionId(DID_A, DID_B, 'xlink'));
    expect(must(createConnectionId(DID_A, DID_B, 'xcompute'))).not.toBe(ab);
    expect(must(createConnectionId(DID_A, DID_C, 'xlink'))).not.toBe(ab);
  });

  it('is unambiguous where "a|b" + "|" + scope would collide', () => {
    const x = must(createConnectionId('did:ex:a|b', 'did:ex:c', 'd'));
    const y = must(createConnectionId('did:ex:a', 'did:ex:b|did:ex:c', 'd'));
    expect(x).not.toBe(y);
  });

  it('property: symmetric for any valid DIDs and scope', () => {
    fc.assert(
      fc.property(did, did, scope, (a, b, s) => {
        fc.pre(a !== b);
        expect(must(createConnectionId(a, b, s))).toBe(must(createConnectionId(b, a, s)));
      }),
      { numRuns: 300 },
    );
  });

  it('rejects bad input with INVALID_INPUT', () => {
    expectErr(createConnectionId(DID_A, DID_A, 'xlink'), 'INVALID_INPUT');
    expectErr(createConnectionId('not-a-did', DID_B, 'xlink'), 'INVALID_INPUT');
    expectErr(createConnectionId(DID_A, `did:key:${'z'.repeat(600)}`, 'xlink'), 'INVALID_INPUT');
    expectErr(createConnectionId(DID_A, DID_B, ''), 'INVALID_INPUT');
    expectErr(createConnectionId(DID_A, DID_B, 'has space'), 'INVALID_INPUT');
    expectErr(createConnectionId(DID_A, DID_B, 'x'.repeat(129)), 'INVALID_INPUT');
    expectErr(createConnectionId(42 as unknown as string, DID_B, 'xlink'), 'INVALID_INPUT');
  });
});
