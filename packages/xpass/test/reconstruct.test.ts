import { describe, expect, it } from 'vitest';
import { hexToBytes, utf8ToBytes } from 'xorida';
import {
  clearDecryptCache,
  decodeShareEnvelope,
  decryptWithConnectionSecret,
  decryptWithShares,
  encryptWithConnectionSecret,
  type ReconstructProgress,
  reconstructSecret,
  wipeConnectionSecret,
  type XpassShare,
} from '../src/index.js';
import { clock, DID_A, DID_B, DID_C, expectErr, must, service, T0 } from './helpers.js';
import { V } from './vectors.js';

const DAY = 86_400_000;

async function pair(svc = service(), a = DID_A, b = DID_B, scope = 'xlink') {
  const c = must(await svc.createConnection(a, b, scope));
  return { svc, c, s1: c.share1!, s2: c.share2! };
}

describe('reconstructSecret / encrypt / decryptWithShares', () => {
  it('round-trips in either share order and reports progress', async () => {
    const { s1, s2 } = await pair();
    const stages: ReconstructProgress[] = [];
    const secret = must(reconstructSecret(s2, s1, { onProgress: (e) => stages.push(e) }));
    expect(stages.map((s) => s.stage)).toEqual([
      'hmac_verify',
      'hmac_verify',
      'reconstructing',
      'reconstructing',
    ]);
    const ct = must(encryptWithConnectionSecret(secret, utf8ToBytes('Hello, Agent B')));
    expect(ct.length).toBe(17 + 14 + 16);
    expect(must(decryptWithShares(s1, s2, ct))).toEqual(utf8ToBytes('Hello, Agent B'));
    expect(must(decryptWithConnectionSecret(secret, ct))).toEqual(utf8ToBytes('Hello, Agent B'));
    wipeConnectionSecret(secret);
    expect(secret.secret.every((b) => b === 0)).toBe(true);
  });

  it('shares from another connection are rejected (RECONSTRUCTION_FAILED)', async () => {
    const svc = service();
    const x = await pair(svc, DID_A, DID_B);
    const y = await pair(svc, DID_A, DID_C);
    expectErr(reconstructSecret(x.s1, y.s2), 'RECONSTRUCTION_FAILED', 'CONNECTION_MISMATCH');
  });

  it('shares from another epoch are rejected (EPOCH_MISMATCH)', async () => {
    const c = clock(T0 + 1000);
    const svc = service({ now: c.now });
    const { s1, c: conn } = await pair(svc);
    c.advance(DAY);
    const next = must(await svc.issueShare(conn.connectionId, conn.didB));
    expect(next.epoch).toBe(s1.epoch + 1);
    expectErr(reconstructSecret(s1, next, { now: c.now() }), 'EPOCH_MISMATCH');
  });

  it('shares of two splits of the same epoch are rejected', async () => {
    const svc = service();
    const { s1, c } = await pair(svc);
    must(await svc.rotate(c.connectionId));
    const fresh = must(await svc.issueShare(c.connectionId, c.didB));
    expectErr(reconstructSecret(s1, fresh), 'RECONSTRUCTION_FAILED', 'SPLIT_MISMATCH');
  });

  it('an epoch field edited to match is caught by the commitment', async () => {
    const c = clock(T0 + 1000);
    const svc = service({ now: c.now });
    const { s1, c: conn } = await pair(svc);
    c.advance(DAY);
    const next = must(await svc.issueShare(conn.connectionId, conn.didB));
    // Forge s1 to claim the new epoch, split id and commitment (signature now invalid, but the
    // per-message path does not check it): the payload is still the old split's.
    const forged = s1.bytes.slice();
    forged.set(next.bytes.subarray(10, 26), 10); // split uuid
    forged.set(next.bytes.subarray(67, 71), 67); // epoch
    forged.set(next.bytes.subarray(111, 143), 111); // commitment
    const f = must(decodeShareEnvelope(forged));
    expectErr(
      reconstructSecret(f, next, { now: c.now() }),
      'RECONSTRUCTION_FAILED',
      'COMMITMENT_MISMATCH',
    );
  });

  it('a flipped payload bit is caught by the commitment', async () => {
    const { s1, s2 } = await pair();
    const b = s2.bytes.slice();
    b[40]! ^= 1;
    expectErr(
      reconstructSecret(s1, must(decodeShareEnvelope(b))),
      'RECONSTRUCTION_FAILED',
      'COMMITMENT_MISMATCH',
    );
  });

  it('needs one share of each index', async () => {
    const { s1 } = await pair();
    expectErr(reconstructSecret(s1, s1), 'INSUFFICIENT_SHARES');
    expectErr(reconstructSecret(s1, undefined as unknown as XpassShare), 'INSUFFICIENT_SHARES');
    expectErr(reconstructSecret(s1, { bytes: 1 } as unknown as XpassShare), 'SHARE_INVALID');
  });

  it('expired and not-yet-valid shares are refused', () => {
    const e0 = must(decodeShareEnvelope(hexToBytes(V.envelope0)));
    const e1 = must(decodeShareEnvelope(hexToBytes(V.envelope1)));
    const start = V.epoch * DAY;
    expect(reconstructSecret(e0, e1, { now: start - 15 * 60_000 }).ok).toBe(true);
    expectErr(reconstructSecret(e0, e1, { now: start - 15 * 60_000 - 1 }), 'EPOCH_NOT_READY');
    expect(reconstructSecret(e0, e1, { now: start + DAY + 15 * 60_000 - 1 }).ok).toBe(true);
    const e = expectErr(
      reconstructSecret(e0, e1, { now: start + DAY + 15 * 60_000 }),
      'EPOCH_EXPIRED',
    );
    expect(e.metadata?.epoch).toBe(V.epoch);
  });

  it('ciphertext tampering, wrong epoch and malformed input are errors', async () => {
    const { s1, s2 } = await pair();
    const secret = must(reconstructSecret(s1, s2));
    const ct = must(encryptWithConnectionSecret(secret, new Uint8Array(256)));
    for (const i of [0, 1, 5, 16, 17, 100, ct.length - 1]) {
      const t = ct.slice();
      t[i]! ^= 1;
      const r = decryptWithShares(s1, s2, t);
      expect(r.ok).toBe(false);
    }
    const t = ct.slice();
    t[4]! ^= 1;
    expectErr(decryptWithShares(s1, s2, t), 'EPOCH_MISMATCH');
    expectErr(decryptWithShares(s1, s2, ct.subarray(0, 20)), 'SHARE_INVALID', 'BAD_CIPHERTEXT');
    const t2 = ct.slice();
    t2[30]! ^= 1;
    expectErr(decryptWithShares(s1, s2, t2), 'HMAC_VERIFICATION_FAILED', 'CIPHERTEXT_AUTH');
    expectErr(encryptWithConnectionSecret(secret, 'x' as unknown as Uint8Array), 'INVALID_INPUT');
    expectErr(encryptWithConnectionSecret({} as never, new Uint8Array(1)), 'INVALID_INPUT');
  });

  it('a message of one connection does not decrypt under another', async () => {
    const svc = service();
    const x = await pair(svc, DID_A, DID_B);
    const y = await pair(svc, DID_A, DID_C);
    const ct = must(
      encryptWithConnectionSecret(must(reconstructSecret(x.s1, x.s2)), utf8ToBytes('hi')),
    );
    expectErr(decryptWithShares(y.s1, y.s2, ct), 'HMAC_VERIFICATION_FAILED');
  });

  it('the decryptWithShares cache still checks the window and the ciphertext, per call', () => {
    const e0 = must(decodeShareEnvelope(hexToBytes(V.envelope0)));
    const e1 = must(decodeShareEnvelope(hexToBytes(V.envelope1)));
    const ct = hexToBytes(V.message);
    const start = V.epoch * DAY;
    expect(must(decryptWithShares(e0, e1, ct, { now: start }))).toEqual(utf8ToBytes('hello xpass'));
    expect(must(decryptWithShares(e0, e1, ct, { now: start + 1 }))).toEqual(
      utf8ToBytes('hello xpass'),
    );
    expectErr(decryptWithShares(e0, e1, ct, { now: start + DAY + 15 * 60_000 }), 'EPOCH_EXPIRED');
    const t = ct.slice();
    t[20]! ^= 1;
    expectErr(decryptWithShares(e0, e1, t, { now: start }), 'HMAC_VERIFICATION_FAILED');
    // Another peer object (here: a tampered copy) is not served from the cache.
    const b = e1.bytes.slice();
    b[40]! ^= 1;
    expectErr(
      decryptWithShares(e0, must(decodeShareEnvelope(b)), ct, { now: start }),
      'RECONSTRUCTION_FAILED',
    );
    clearDecryptCache();
    expect(decryptWithShares(e0, e1, ct, { now: start }).ok).toBe(true);
  });
});
