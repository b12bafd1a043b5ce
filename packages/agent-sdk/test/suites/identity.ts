import { describe, expect, it } from 'vitest';
import { bytesToHex } from 'xorida';
import { backend } from '#crypto';
import {
  createKeyDocument,
  exportIdentity,
  exportPKCS8,
  identityFromEd25519Key,
  identityFromSeed,
  importIdentityExport,
  keyDocumentFromJson,
  keyDocumentSigningInput,
  keyDocumentToJson,
  negotiateVersion,
  parsePKCS8,
  verifyKeyDocument,
} from '../../src/index.js';
import { seedOf } from '../helpers.js';

/** Known-answer values, also listed in docs/formats.md#agent-sdk. */
export const IDENTITY_KAT = {
  didA: 'did:key:z6MkwCvyJ3vqHMMBgHFhcfRNHTumkhspVYAeZUPh1YMzz5PX',
  didB: 'did:key:z6MkpYyht6Hbs5SxTFf2KkR3RvtfQGWQFuvbG3gfQVRBbDTr',
  x25519A: '1826c06a8b4622383fe8828436243976623515eecf5f1da6f1dd44d32fdf0d5c',
  xwingSha256A: 'f317fccfec6b2f942b93a7c137d876e2524f3ed6d5b0cc3a7c93cf67bae21d25',
  mldsaSha256A: '6dfcdb7b68e0776ad61b92cf43726c547c23a7449d155567a035f2ca561a075a',
  pkcs8A:
    '302e020100300506032b65700422042008c264b08755dc0176c46ad2dfc84239b4a8c296809c71ee5afdd1bf635b5a6f',
  docBSignature:
    '57ef9414381cf4e92485b1062cf7e173fd8ff7578e627cf3e00b7947e2aad33a15e298de6d614fd585bab3182fec2bb8c87605012a66c790301b23c864f38005',
  docBSigningInputSha256: 'e526f3103ea66c618569707f90d6feac6333af276321e40a1b9589d7ef1fac4b',
};

function must<T>(r: { ok: true; value: T } | { ok: false; error: { code: string } }): T {
  if (!r.ok) throw new Error(r.error.code);
  return r.value;
}

export function identitySuite(): void {
  describe('identity derivation (HKDF-SHA256 labels) known answers', () => {
    it('fromSeed(0x01 x 32) gives the pinned DID and public keys', () => {
      const a = must(identityFromSeed(seedOf(1), { postQuantumSig: true }));
      expect(a.did).toBe(IDENTITY_KAT.didA);
      expect(bytesToHex(a.x25519.publicKey)).toBe(IDENTITY_KAT.x25519A);
      expect(bytesToHex(backend.sha256(a.xwing.publicKey))).toBe(IDENTITY_KAT.xwingSha256A);
      expect(bytesToHex(backend.sha256(a.mldsa!.publicKey))).toBe(IDENTITY_KAT.mldsaSha256A);
      expect(bytesToHex(exportPKCS8(a))).toBe(IDENTITY_KAT.pkcs8A);
      expect(must(identityFromSeed(seedOf(2))).did).toBe(IDENTITY_KAT.didB);
    });
    it('rejects seeds that are not 32 bytes', () => {
      for (const n of [0, 31, 33]) {
        const r = identityFromSeed(new Uint8Array(n));
        expect(r.ok ? 'ok' : r.error.code).toBe('INVALID_SEED');
      }
    });
  });

  describe('PKCS#8 and full identity export', () => {
    it('PKCS#8 DER and PEM restore every key', () => {
      const a = must(identityFromSeed(seedOf(1), { postQuantumSig: true }));
      const der = exportPKCS8(a);
      const back = must(identityFromEd25519Key(must(parsePKCS8(der)), { postQuantumSig: true }));
      expect(back.did).toBe(a.did);
      expect(bytesToHex(back.x25519.publicKey)).toBe(bytesToHex(a.x25519.publicKey));
      expect(bytesToHex(back.xwing.publicKey)).toBe(bytesToHex(a.xwing.publicKey));
      expect(bytesToHex(back.mldsa!.publicKey)).toBe(bytesToHex(a.mldsa!.publicKey));
      const pem = `-----BEGIN PRIVATE KEY-----\n${Buffer.from(der).toString('base64')}\n-----END PRIVATE KEY-----\n`;
      expect(bytesToHex(must(parsePKCS8(pem)))).toBe(bytesToHex(a.secrets.ed25519));
    });
    it('rejects malformed PKCS#8', () => {
      const der = exportPKCS8(must(identityFromSeed(seedOf(1))));
      const bad = [
        der.subarray(1),
        Uint8Array.from([...der.subarray(0, 10), 0x6e, ...der.subarray(11)]),
        'nope',
      ];
      for (const b of bad) {
        const r = parsePKCS8(b);
        expect(r.ok ? 'ok' : r.error.code).toBe('INVALID_PKCS8');
      }
    });
    it('exportIdentity round-trips, refuses a wrong DID', () => {
      const a = must(identityFromSeed(seedOf(3), { postQuantumSig: true }));
      const json = JSON.stringify(exportIdentity(a));
      const back = must(importIdentityExport(json));
      expect(back.did).toBe(a.did);
      expect(bytesToHex(back.mldsa!.publicKey)).toBe(bytesToHex(a.mldsa!.publicKey));
      const wrong = { ...exportIdentity(a), did: IDENTITY_KAT.didB };
      const r = importIdentityExport(wrong);
      expect(r.ok ? 'ok' : `${r.error.code}:${r.error.subCode}`).toBe(
        'INVALID_IDENTITY:DID_MISMATCH',
      );
    });
  });

  describe('key documents', () => {
    const b = must(identityFromSeed(seedOf(2)));
    const doc = must(createKeyDocument(b, { created: 1_700_000_000_000 }));
    it('signature and signing input match the known answers', () => {
      expect(bytesToHex(doc.signature)).toBe(IDENTITY_KAT.docBSignature);
      expect(bytesToHex(backend.sha256(keyDocumentSigningInput(doc)))).toBe(
        IDENTITY_KAT.docBSigningInputSha256,
      );
      expect(doc.versions).toEqual([1, 2]);
    });
    it('JSON round-trip verifies; any tampering is refused', () => {
      const json = keyDocumentToJson(doc);
      expect(must(keyDocumentFromJson(JSON.stringify(json))).did).toBe(b.did);
      const other = must(identityFromSeed(seedOf(9)));
      const tampered = [
        { ...doc, x25519: other.x25519.publicKey },
        { ...doc, xwing: other.xwing.publicKey },
        { ...doc, created: doc.created + 1 },
        { ...doc, versions: [1] as const, xwing: undefined },
      ];
      for (const t of tampered) {
        const r = verifyKeyDocument(t as typeof doc);
        expect(r.ok ? 'ok' : `${r.error.code}:${r.error.subCode}`).toBe(
          'INVALID_KEY_DOCUMENT:BAD_SIGNATURE',
        );
      }
      const r = verifyKeyDocument({ ...doc, did: other.did });
      expect(r.ok ? 'ok' : r.error.subCode).toBe('BAD_SIGNATURE');
      const m = verifyKeyDocument(doc, other.did);
      expect(m.ok ? 'ok' : m.error.subCode).toBe('DID_MISMATCH');
      const unknown = keyDocumentFromJson({ ...json, extra: 1 });
      expect(unknown.ok ? 'ok' : unknown.error.subCode).toBe('MALFORMED');
    });
    it('v3 needs an ML-DSA key; versions must contain v1', () => {
      expect(createKeyDocument(b, { versions: [1, 2, 3] }).ok).toBe(false);
      expect(createKeyDocument(b, { versions: [2] }).ok).toBe(false);
      expect(must(createKeyDocument(b, { versions: [1] })).xwing).toBeUndefined();
    });
    it('negotiates the highest common version', () => {
      expect(negotiateVersion({ versions: [1, 2, 3] }, { versions: [1, 2] })).toBe(2);
      expect(negotiateVersion({ versions: [1, 2, 3] }, { versions: [1, 2, 3] })).toBe(3);
      expect(negotiateVersion({ versions: [1] }, { versions: [1, 2, 3] })).toBe(1);
    });
  });
}
