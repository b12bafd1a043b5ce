// Known-answer vectors of docs/formats.md#xpass: connection id, share envelopes, epoch keys,
// commitment, message ciphertext, audit log.

import { backend } from '@xorida/agent-sdk/crypto';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes, utf8ToBytes } from 'xorida';
import {
  auditEntryHash,
  type ConnectionSecret,
  computeCommitment,
  connectionIdInput,
  createConnectionId,
  decodeShareEnvelope,
  decryptWithConnectionSecret,
  deriveEpochKeys,
  epochWindow,
  reconstructSecret,
  sealShareEnvelope,
  verifyAuditLog,
  verifyShareSignature,
} from '../src/index.js';
import { must } from './helpers.js';
import { V } from './vectors.js';

const NOW = V.epoch * 86_400_000 + 3_600_000;

describe('connection id vectors', () => {
  it('encodes the sorted, length-prefixed tuple and hashes it', () => {
    expect(bytesToHex(must(connectionIdInput(V.didA, V.didB, V.scope)))).toBe(V.connectionIdInput);
    expect(bytesToHex(backend.sha256(hexToBytes(V.connectionIdInput)))).toBe(V.connectionId);
    expect(must(createConnectionId(V.didA, V.didB, V.scope))).toBe(V.connectionId);
    expect(must(createConnectionId(V.didB, V.didA, V.scope))).toBe(V.connectionId);
    expect(must(createConnectionId('did:example:bob', 'did:example:alice', 'billing'))).toBe(
      V.connectionId2,
    );
  });
});

describe('share envelope vectors', () => {
  const e0 = must(decodeShareEnvelope(hexToBytes(V.envelope0)));
  const e1 = must(decodeShareEnvelope(hexToBytes(V.envelope1)));
  const pub = hexToBytes(V.publicKey);

  it('decodes the fields', () => {
    expect(e0.index).toBe(0);
    expect(e1.index).toBe(1);
    for (const e of [e0, e1]) {
      expect(e.connectionId).toBe(V.connectionId);
      expect(e.epoch).toBe(V.epoch);
      expect(e.epochMs).toBe(86_400_000);
      expect(e.overlapMs).toBe(900_000);
      expect(bytesToHex(e.splitId)).toBe(V.splitId);
      expect(bytesToHex(e.commitment)).toBe(V.commitment);
      expect(e.bytes.length).toBe(207);
    }
  });

  it('signatures verify for the right recipient only', () => {
    expect(backend.ed25519Signer(hexToBytes(V.seed)).publicKey).toEqual(pub);
    expect(verifyShareSignature(e0, pub, V.didA).ok).toBe(true);
    expect(verifyShareSignature(e1, pub, V.didB).ok).toBe(true);
    expect(verifyShareSignature(e0, pub, V.didB).ok).toBe(false);
    expect(verifyShareSignature(e1, pub, V.didA).ok).toBe(false);
  });

  it('epoch keys, commitment and reconstruction match', () => {
    const keys = deriveEpochKeys(hexToBytes(V.secret), hexToBytes(V.connectionId), V.epoch);
    expect(bytesToHex(keys.commitKey)).toBe(V.commitKey);
    expect(bytesToHex(keys.messageKey)).toBe(V.messageKey);
    expect(
      bytesToHex(
        computeCommitment(
          keys.commitKey,
          hexToBytes(V.connectionId),
          V.epoch,
          hexToBytes(V.splitId),
        ),
      ),
    ).toBe(V.commitment);
    const s = must(reconstructSecret(e0, e1, { now: NOW }));
    expect(bytesToHex(s.secret)).toBe(V.secret);
  });

  it('re-sealing the decoded fields reproduces the bytes (deterministic Ed25519)', () => {
    const signer = backend.ed25519Signer(hexToBytes(V.seed));
    for (const [e, did] of [
      [e0, V.didA],
      [e1, V.didB],
    ] as const) {
      const again = must(
        sealShareEnvelope(
          {
            share: e.share,
            connectionId: e.connectionId,
            epoch: e.epoch,
            epochMs: e.epochMs,
            overlapMs: e.overlapMs,
            commitment: e.commitment,
          },
          did,
          signer.sign,
        ),
      );
      expect(bytesToHex(again.bytes)).toBe(bytesToHex(e.bytes));
    }
  });

  it('decrypts the message vector', () => {
    const secret: ConnectionSecret = {
      connectionId: V.connectionId,
      epoch: V.epoch,
      secret: hexToBytes(V.secret),
      window: epochWindow(V.epoch, { epochMs: 86_400_000, overlapMs: 900_000 }),
    };
    const pt = must(decryptWithConnectionSecret(secret, hexToBytes(V.message)));
    expect(pt).toEqual(utf8ToBytes('hello xpass'));
  });
});

describe('audit log vector', () => {
  it('verifies and its hashes recompute', () => {
    const r = must(verifyAuditLog([...V.auditLog], { publicKey: hexToBytes(V.publicKey) }));
    expect(r.entries.length).toBe(3);
    expect(r.heads.length).toBe(2);
    expect(r.signedThrough).toBe(2);
    for (const e of r.entries) expect(auditEntryHash(e)).toBe(e.hash);
  });
});
