import { describe, expect, it } from 'vitest';
import { bytesToHex } from 'xorida';
import { backend } from '#crypto';
import {
  createEnvelope,
  createKeyDocument,
  decodeEnvelope,
  decryptEnvelope,
  type Envelope,
  encodeEnvelope,
  encodeEnvelopeHeader,
  envelopeAad,
  envelopeFromCompact,
  envelopeFromJson,
  envelopeSigningInput,
  envelopeToCompact,
  envelopeToJson,
  identityFromSeed,
  parseEnvelope,
  verifyEnvelopeSignatures,
} from '../../src/index.js';
import { seedOf } from '../helpers.js';

/** Envelope known answers (docs/formats.md#agent-sdk): sender seed 0x01, recipient seed 0x02. */
export const ENVELOPE_KAT = {
  timestamp: 1_700_000_000_000,
  scope: 'payments:notify',
  payload: '{"amount":42}',
  nonce: 0x11,
  iv: 0x22,
  kemSeed: 0x33,
  v1Sha256: 'ac92bf391da2cbfae1e966760b2b6210f97b09c92d876798631c20f70b5588cb',
  v1Length: 311,
  v1Compact:
    'WExFAQEAAAGLz-VoABEREREREREREREREREREREAOGRpZDprZXk6ejZNa3dDdnlKM3ZxSE1NQmdIRmhjZlJOSFR1bWtoc3BWWUFlWlVQaDFZTXp6NVBYADhkaWQ6a2V5Ono2TWtwWXlodDZIYnM1U3hURmYyS2tSM1J2dGZRR1dRRnV2YkczZ2ZRVlJCYkRUcgAPcGF5bWVudHM6bm90aWZ5DCIiIiIiIiIiIiIiIgAAACB7DUfZNCf4MRFgeBx8cz_Yn4iXCu9JDYqg7hmky4obFAAAAB5wI2xIfV_Tc_umXCEbs1hwEddEF-arCKhCTgVGwFcAQMPfdc9OHwNdg-i5V-toFmCEhFQQ7pjjDS7p-EBoGUuqdZrmDwhwkFY5GXLBBS-ljvXw6hYG4r3DkwssJHabWQ0',
  v2Sha256: '6c2d6723d91b4e1c951458e31a1b0668b348ecea418a4d14c39b2fef44675c18',
  v2Length: 1399,
};

function must<T>(r: { ok: true; value: T } | { ok: false; error: { code: string } }): T {
  if (!r.ok) throw new Error(r.error.code);
  return r.value;
}

/** Builds the KAT envelope of `version` (1 or 2). */
export async function katEnvelope(version: 1 | 2): Promise<Envelope> {
  const a = must(identityFromSeed(seedOf(1), { postQuantumSig: true }));
  const b = must(identityFromSeed(seedOf(2)));
  const docB = must(createKeyDocument(b, { created: ENVELOPE_KAT.timestamp }));
  return must(
    await createEnvelope({
      sender: a,
      recipient: docB,
      version,
      scope: ENVELOPE_KAT.scope,
      plaintext: Uint8Array.from([1, ...new TextEncoder().encode(ENVELOPE_KAT.payload)]),
      timestamp: ENVELOPE_KAT.timestamp,
      random: {
        nonce: new Uint8Array(16).fill(ENVELOPE_KAT.nonce),
        iv: new Uint8Array(12).fill(ENVELOPE_KAT.iv),
        kemSeed: new Uint8Array(version === 1 ? 32 : 64).fill(ENVELOPE_KAT.kemSeed),
      },
    }),
  );
}

export function envelopeSuite(): void {
  describe('docs/formats.md carries the same known answers', () => {
    it('lists every pinned envelope and identity value', async () => {
      const { readFileSync } = await import('node:fs');
      const { IDENTITY_KAT } = await import('./identity.js');
      const doc = readFileSync(new URL('../../../../docs/formats.md', import.meta.url), 'utf8');
      const section = doc.slice(doc.indexOf('## agent-sdk'), doc.indexOf('## modelguard'));
      for (const v of [
        ENVELOPE_KAT.v1Compact,
        ENVELOPE_KAT.v1Sha256,
        ENVELOPE_KAT.v2Sha256,
        ...Object.values(IDENTITY_KAT),
      ])
        expect(section).toContain(v);
    });
  });

  describe('envelope known-answer vectors', () => {
    it('v1 binary, SHA-256 and compact form', async () => {
      const env = await katEnvelope(1);
      const bin = encodeEnvelope(env);
      expect(bin.length).toBe(ENVELOPE_KAT.v1Length);
      expect(bytesToHex(backend.sha256(bin))).toBe(ENVELOPE_KAT.v1Sha256);
      expect(envelopeToCompact(env)).toBe(ENVELOPE_KAT.v1Compact);
    });
    it('v2 binary SHA-256', async () => {
      const bin = encodeEnvelope(await katEnvelope(2));
      expect(bin.length).toBe(ENVELOPE_KAT.v2Length);
      expect(bytesToHex(backend.sha256(bin))).toBe(ENVELOPE_KAT.v2Sha256);
    });
  });

  describe('the timestamp is signed, taken after encryption, and not associated data', () => {
    const sender = () => must(identityFromSeed(seedOf(1), { postQuantumSig: true }));
    const resign = (e: Envelope): Envelope => ({
      ...e,
      signature: sender().signing.sign(envelopeSigningInput(encodeEnvelopeHeader(e), e.ciphertext)),
    });
    it('envelopeAad zeroes the 8 timestamp bytes (offset 5) and nothing else', async () => {
      const header = encodeEnvelopeHeader(await katEnvelope(1));
      const aad = envelopeAad(header);
      expect(aad.length).toBe(header.length);
      for (let i = 0; i < header.length; i++) expect(aad[i]).toBe(i >= 5 && i < 13 ? 0 : header[i]);
      expect(header.subarray(5, 13).some((b) => b !== 0)).toBe(true);
    });
    it('a re-stamped, re-signed envelope still opens; a changed scope does not', async () => {
      const recipient = must(identityFromSeed(seedOf(2)));
      const env = await katEnvelope(1);
      // the original signature covers the timestamp
      expect(verifyEnvelopeSignatures({ ...env, timestamp: env.timestamp + 1 }, undefined).ok).toBe(
        false,
      );
      const later = resign({ ...env, timestamp: env.timestamp + 60_000 });
      const opened = await decryptEnvelope(
        later,
        recipient,
        must(verifyEnvelopeSignatures(later, undefined)),
      );
      expect(new TextDecoder().decode(must(opened).subarray(1))).toBe(ENVELOPE_KAT.payload);
      const rescoped = resign({ ...env, scope: 'payments:other' });
      const refused = await decryptEnvelope(
        rescoped,
        recipient,
        must(verifyEnvelopeSignatures(rescoped, undefined)),
      );
      expect(refused.ok ? 'opened' : refused.error.subCode).toBe('DECRYPTION');
    });
    it('reads the clock once encryption is over', async () => {
      const docB = must(createKeyDocument(must(identityFromSeed(seedOf(2)))));
      let encrypted = false;
      const env = must(
        await createEnvelope({
          sender: sender(),
          recipient: docB,
          version: 1,
          scope: ENVELOPE_KAT.scope,
          plaintext: Uint8Array.from([1, ...new TextEncoder().encode(ENVELOPE_KAT.payload)]),
          now: () => (encrypted ? 2_000_000 : 1_000_000),
          onEncrypted: () => {
            encrypted = true;
          },
        }),
      );
      expect(env.timestamp).toBe(2_000_000);
      expect(verifyEnvelopeSignatures(env, undefined).ok).toBe(true);
    });
  });

  describe('envelope forms round-trip and parse strictly', () => {
    it('binary, JSON and compact forms round-trip', async () => {
      for (const v of [1, 2] as const) {
        const env = await katEnvelope(v);
        const bin = bytesToHex(encodeEnvelope(env));
        expect(bytesToHex(encodeEnvelope(must(decodeEnvelope(encodeEnvelope(env)))))).toBe(bin);
        const json = JSON.stringify(envelopeToJson(env));
        expect(bytesToHex(encodeEnvelope(must(envelopeFromJson(json))))).toBe(bin);
        expect(bytesToHex(encodeEnvelope(must(envelopeFromCompact(envelopeToCompact(env)))))).toBe(
          bin,
        );
        expect(bytesToHex(encodeEnvelope(must(parseEnvelope(json))))).toBe(bin);
      }
    });
    it('refuses trailing bytes, truncation, unknown fields and non-canonical base64url', async () => {
      const env = await katEnvelope(1);
      const bin = encodeEnvelope(env);
      const code = (r: { ok: boolean; error?: { code: string; subCode?: string } }) =>
        r.ok ? 'ok' : `${r.error!.code}:${r.error!.subCode ?? ''}`;
      expect(code(decodeEnvelope(Uint8Array.from([...bin, 0])))).toBe(
        'ENVELOPE_INVALID:TRAILING_BYTES',
      );
      expect(code(decodeEnvelope(bin.subarray(0, bin.length - 1)))).toBe(
        'ENVELOPE_INVALID:MALFORMED',
      );
      expect(code(decodeEnvelope(Uint8Array.from([0x58, 0x4c, 0x46, ...bin.subarray(3)])))).toBe(
        'ENVELOPE_INVALID:BAD_MAGIC',
      );
      const json = envelopeToJson(env);
      expect(code(envelopeFromJson({ ...json, extra: 1 }))).toBe('ENVELOPE_INVALID:MALFORMED');
      expect(code(envelopeFromJson({ ...json, nonce: `${json.nonce}=` }))).toBe(
        'ENVELOPE_INVALID:MALFORMED',
      );
      // 'ER' decodes to one byte only if the unused low bits are zero; 'ET' is non-canonical.
      expect(code(envelopeFromJson({ ...json, nonce: 'ERERERERERERERERERERET' }))).toBe(
        'ENVELOPE_INVALID:MALFORMED',
      );
      expect(code(envelopeFromJson({ ...json, version: 2 }))).toBe(
        'UNSUPPORTED_VERSION:ALG_MISMATCH',
      );
      expect(code(envelopeFromJson({ ...json, version: 4 }))).toBe(
        'UNSUPPORTED_VERSION:UNKNOWN_VERSION',
      );
      expect(code(envelopeFromJson({ ...json, alg: 'none' }))).toBe(
        'UNSUPPORTED_VERSION:UNKNOWN_ALG',
      );
      expect(code(envelopeFromJson({ ...json, kem: json.kem.slice(0, 40) }))).toBe(
        'ENVELOPE_INVALID:MALFORMED',
      );
      expect(code(envelopeFromJson({ ...json, scope: 'has space' }))).toBe(
        'ENVELOPE_INVALID:MALFORMED',
      );
      expect(code(envelopeFromJson({ ...json, pqSignature: json.signature }))).toBe(
        'ENVELOPE_INVALID:MALFORMED',
      );
      expect(code(envelopeFromJson('{not json'))).toBe('ENVELOPE_INVALID:MALFORMED');
      expect(code(envelopeFromJson(null))).toBe('ENVELOPE_INVALID:MALFORMED');
    });
    it('refuses bodies over the payload limit before decoding them fully', async () => {
      const env = await katEnvelope(1);
      const r = decodeEnvelope(encodeEnvelope(env), 8);
      expect(r.ok ? 'ok' : r.error.code).toBe('PAYLOAD_TOO_LARGE');
    });
  });
}
