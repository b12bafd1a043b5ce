import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hexToBytes } from 'xorida';
import {
  decodeShareEnvelope,
  decryptWithShares,
  encodeShareEnvelope,
  reconstructSecret,
  SHARE_ENVELOPE_LENGTH,
  SIGNED_BODY_LENGTH,
  shareEnvelopeFromBase45,
  shareEnvelopeToBase45,
  verifyShareSignature,
  type XpassShare,
} from '../src/index.js';
import { expectErr, must } from './helpers.js';
import { V } from './vectors.js';

const NOW = V.epoch * 86_400_000 + 3_600_000;
const pub = hexToBytes(V.publicKey);
const env0 = hexToBytes(V.envelope0);
const env1 = hexToBytes(V.envelope1);
const e1 = must(decodeShareEnvelope(env1));

function flip(bytes: Uint8Array, i: number, mask = 0x01): Uint8Array {
  const c = bytes.slice();
  c[i]! ^= mask;
  return c;
}

describe('share envelope codec', () => {
  it('round-trips binary and Base45', () => {
    const e = must(decodeShareEnvelope(env0));
    expect(must(encodeShareEnvelope(e))).toEqual(env0);
    const text = shareEnvelopeToBase45(e);
    expect(must(shareEnvelopeFromBase45(text)).bytes).toEqual(env0);
  });

  it('rejects wrong lengths, magic, product type, version, parameters', () => {
    expectErr(decodeShareEnvelope(env0.subarray(0, 206)), 'SHARE_INVALID', 'TRUNCATED');
    expectErr(decodeShareEnvelope(new Uint8Array([...env0, 0])), 'SHARE_INVALID', 'TRAILING_BYTES');
    expectErr(decodeShareEnvelope(flip(env0, 0)), 'SHARE_INVALID', 'BAD_IDA5');
    expectErr(decodeShareEnvelope(flip(env0, 6)), 'SHARE_INVALID', 'BAD_PRODUCT_TYPE');
    expectErr(decodeShareEnvelope(flip(env0, 66)), 'SHARE_INVALID', 'UNSUPPORTED_VERSION');
    expectErr(decodeShareEnvelope(flip(env0, 9, 0x01)), 'SHARE_INVALID'); // k = 3 > n
    const zeroEpochLen = env0.slice();
    zeroEpochLen.fill(0, 71, 75);
    expectErr(decodeShareEnvelope(zeroEpochLen), 'SHARE_INVALID', 'BAD_EPOCH_TIMING');
    expectErr(decodeShareEnvelope('x' as unknown as Uint8Array), 'SHARE_INVALID', 'BAD_TYPE');
    expectErr(shareEnvelopeFromBase45('!!'), 'SHARE_INVALID', 'BAD_BASE45');
  });

  it('every single-bit flip of the signed body or signature is rejected by the holder', () => {
    let checked = 0;
    for (let i = 0; i < SHARE_ENVELOPE_LENGTH; i++) {
      for (const mask of [0x01, 0x80]) {
        const d = decodeShareEnvelope(flip(env0, i, mask));
        if (!d.ok) {
          expect(d.error.code).toBe('SHARE_INVALID');
          continue;
        }
        const v = verifyShareSignature(d.value, pub, V.didA);
        expect(v.ok, `byte ${i} mask ${mask} accepted`).toBe(false);
        if (!v.ok) expect(v.error.code).toBe('HMAC_VERIFICATION_FAILED');
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(300);
    expect(SIGNED_BODY_LENGTH).toBe(143);
  });

  it('a share is bound to its recipient DID and to the server key', () => {
    const e0 = must(decodeShareEnvelope(env0));
    expectErr(
      verifyShareSignature(e0, pub, V.didB),
      'HMAC_VERIFICATION_FAILED',
      'SIGNATURE_INVALID',
    );
    expectErr(
      verifyShareSignature(e0, new Uint8Array(32).fill(1), V.didA),
      'HMAC_VERIFICATION_FAILED',
    );
    expectErr(verifyShareSignature(e0, new Uint8Array(31), V.didA), 'INVALID_INPUT');
  });

  it('tampering any field that still decodes is also caught after reconstruction', () => {
    // Without signature checks (the per-message path), every body flip outside the signature
    // must make reconstruction or decryption fail: the commitment is keyed by the secret.
    const ct = hexToBytes(V.message);
    for (let i = 0; i < SIGNED_BODY_LENGTH; i++) {
      const d = decodeShareEnvelope(flip(env0, i));
      if (!d.ok) continue;
      const r = decryptWithShares(d.value, e1, ct, { now: NOW });
      expect(r.ok, `byte ${i} accepted`).toBe(false);
    }
  });

  it('fuzz: 6000 mutated or random envelopes return errors and never throw', () => {
    let n = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ minLength: 0, maxLength: 300 }),
          fc
            .tuple(
              fc.array(fc.tuple(fc.nat(206), fc.integer({ min: 1, max: 255 })), {
                minLength: 1,
                maxLength: 8,
              }),
            )
            .map(([muts]) => {
              const c = env0.slice();
              for (const [i, m] of muts) c[i]! ^= m;
              return c;
            }),
          fc
            .tuple(fc.nat(206), fc.uint8Array({ maxLength: 40 }))
            .map(([cut, tail]) => new Uint8Array([...env0.subarray(0, cut), ...tail])),
        ),
        (bytes) => {
          n++;
          const d = decodeShareEnvelope(bytes);
          if (!d.ok) return;
          const v = verifyShareSignature(d.value, pub, V.didA);
          const r = reconstructSecret(d.value as XpassShare, e1, { now: NOW });
          // A mutated envelope must not verify; reconstruction (which does not look at the
          // signature) must fail unless the signed body is unchanged.
          if (!equal(bytes, env0)) expect(v.ok).toBe(false);
          if (!equal(bytes.subarray(0, SIGNED_BODY_LENGTH), env0.subarray(0, SIGNED_BODY_LENGTH)))
            expect(r.ok).toBe(false);
        },
      ),
      { numRuns: 6000 },
    );
    expect(n).toBe(6000);
  });
});

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
