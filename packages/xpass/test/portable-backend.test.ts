// The format vectors and the lifecycle again with the portable backend (Web Crypto + @noble)
// substituted for node:crypto: a test-only module substitution of what agent-sdk's `#crypto`
// resolves to (xpass takes its crypto from `@xorida/agent-sdk/crypto`; no public entry forces
// the portable backend under Node, so the test names agent-sdk's backend files directly).
import { expect, it, vi } from 'vitest';
import { hexToBytes, utf8ToBytes } from 'xorida';
import {
  cryptoBackendName,
  decodeShareEnvelope,
  decryptWithShares,
  encryptWithConnectionSecret,
  reconstructSecret,
  verifyAuditLog,
  verifyShareSignature,
} from '../src/index.js';
import { DID_A, DID_B, must, service } from './helpers.js';
import { V } from './vectors.js';

vi.mock('../../agent-sdk/src/lib/crypto/node.ts', () =>
  vi.importActual('../../agent-sdk/src/lib/crypto/portable.ts'),
);

it('runs on the portable backend', () => {
  expect(cryptoBackendName).toBe('portable');
});

it('verifies and reconstructs the node-made vectors', () => {
  const e0 = must(decodeShareEnvelope(hexToBytes(V.envelope0)));
  const e1 = must(decodeShareEnvelope(hexToBytes(V.envelope1)));
  const pub = hexToBytes(V.publicKey);
  expect(verifyShareSignature(e0, pub, V.didA).ok).toBe(true);
  expect(verifyShareSignature(e0, pub, V.didB).ok).toBe(false);
  const now = V.epoch * 86_400_000 + 1000;
  expect(must(decryptWithShares(e0, e1, hexToBytes(V.message), { now }))).toEqual(
    utf8ToBytes('hello xpass'),
  );
  expect(must(verifyAuditLog([...V.auditLog], { publicKey: pub })).entries.length).toBe(3);
});

it('runs a library lifecycle', async () => {
  const svc = service();
  const c = must(await svc.createConnection(DID_A, DID_B, 'xlink'));
  const s = must(reconstructSecret(c.share1!, c.share2!));
  const ct = must(encryptWithConnectionSecret(s, utf8ToBytes('portable')));
  expect(must(decryptWithShares(c.share2!, c.share1!, ct))).toEqual(utf8ToBytes('portable'));
  const t = ct.slice();
  t[20]! ^= 1;
  expect(decryptWithShares(c.share1!, c.share2!, t).ok).toBe(false);
});
