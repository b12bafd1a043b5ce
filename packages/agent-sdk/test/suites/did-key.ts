import { describe, expect, it } from 'vitest';
import { bytesToHex } from 'xorida';
import { backend } from '#crypto';
import {
  didFromEd25519PublicKey,
  didKeyAgreementKey,
  didKeyAgreementSecret,
  parseDidKey,
} from '../../src/index.js';
import { base58Decode, base58Encode } from '../../src/lib/codec.js';
import fixture from '../fixtures/did-key-ed25519-x25519.json';

const b58 = (s: string) => bytesToHex(base58Decode(s)!);

/** Official did:key vectors (w3c-ccg did-method-key test-vectors/ed25519-x25519.json). */
export function didKeySuite(): void {
  describe('did:key official vectors (w3c-ccg ed25519-x25519.json)', () => {
    for (const v of fixture.vectors) {
      it(`seed ${v.seed.slice(-2)}: Ed25519 key, DID, derived X25519 key pair`, () => {
        const seed = Uint8Array.from(Buffer.from(v.seed, 'hex'));
        const signer = backend.ed25519Signer(seed);
        expect(bytesToHex(signer.publicKey)).toBe(b58(v.ed25519PublicKeyBase58));
        expect(didFromEd25519PublicKey(signer.publicKey)).toBe(v.did);
        const parsed = parseDidKey(v.did);
        expect(parsed.ok && bytesToHex(parsed.value)).toBe(b58(v.ed25519PublicKeyBase58));
        const ka = didKeyAgreementKey(v.did);
        expect(ka.ok).toBe(true);
        if (!ka.ok) return;
        expect(bytesToHex(ka.value.publicKey)).toBe(b58(v.x25519PublicKeyBase58));
        expect(`#${ka.value.id}`).toBe(v.x25519Id);
        const xs = didKeyAgreementSecret(seed);
        expect(bytesToHex(xs)).toBe(b58(v.x25519PrivateKeyBase58));
        // The backend's X25519 derives the same public key from that private key.
        expect(bytesToHex(backend.x25519SecretKey(xs).publicKey)).toBe(
          b58(v.x25519PublicKeyBase58),
        );
      });
    }
  });

  describe('did:key parsing is strict', () => {
    const good = fixture.vectors[0]!.did;
    const cases: [string, string][] = [
      ['did:web:example.com', 'BAD_PREFIX'],
      ['did:key:f6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp', 'BAD_PREFIX'],
      [`${good}0`, 'BAD_ENCODING'],
      [`${good.slice(0, -1)}l`, 'BAD_ENCODING'],
      [good.slice(0, -2), 'NOT_ED25519'],
      [
        `did:key:z${base58Encode(Uint8Array.from([0xec, 0x01, ...new Uint8Array(32)]))}`,
        'NOT_ED25519',
      ],
      [`did:key:z1${good.slice(9)}`, 'NOT_ED25519'],
      [`${good}${'1'.repeat(20)}`, 'BAD_PREFIX'],
      // the identity point (small order): OpenSSL would accept R = identity, S = 0 for any message
      ['did:key:z6MkeXATEjyXENzBXBxgC5EHk2JE5aqd7qMGGtDpLUH1e2Sj', 'WEAK_KEY'],
      // an order-8 point
      [
        didFromEd25519PublicKey(
          Uint8Array.from(
            Buffer.from('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', 'hex'),
          ),
        ),
        'WEAK_KEY',
      ],
    ];
    for (const [did, sub] of cases)
      it(`rejects ${did.slice(0, 24)}... with ${sub}`, () => {
        const r = parseDidKey(did);
        expect(r.ok).toBe(false);
        if (!r.ok) {
          expect(r.error.code).toBe('INVALID_DID');
          expect(r.error.subCode).toBe(sub);
        }
      });
    it('base58 round-trips leading zeros', () => {
      const bytes = Uint8Array.from([0, 0, 1, 2, 255]);
      expect(bytesToHex(base58Decode(base58Encode(bytes))!)).toBe(bytesToHex(bytes));
      expect(base58Encode(bytes).startsWith('11')).toBe(true);
    });
  });

  it('the backend refuses a forged signature under the identity point (small-order key)', () => {
    const identityPoint = new Uint8Array(32);
    identityPoint[0] = 1;
    const forged = new Uint8Array(64);
    forged.set(identityPoint, 0); // R = identity, S = 0
    expect(backend.ed25519Verify(identityPoint, new TextEncoder().encode('anything'), forged)).toBe(
      false,
    );
  });
}
