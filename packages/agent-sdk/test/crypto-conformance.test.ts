// Conformance of `@xorida/agent-sdk/crypto`: both backends (node:crypto, Web Crypto + @noble)
// against the official known-answer vectors, and against each other. Each backend module is
// imported directly here; library code reaches them only through `#crypto`.

import { hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes, utf8ToBytes } from 'xorida';
import {
  base64urlDecode,
  base64urlEncode,
  canonicalJson,
  cryptoBackendName,
  derUnwrap,
  derWrap,
  ED25519_PKCS8_PREFIX,
  ED25519_SPKI_PREFIX,
  sha256Hex,
} from '../src/crypto.js';
import { backend as nodeBackend } from '../src/lib/crypto/node.js';
import { backend as portableBackend } from '../src/lib/crypto/portable.js';
import type { CryptoBackend } from '../src/lib/crypto/types.js';

const h = hexToBytes;

// RFC 8032 §7.1, TEST 1-3.
const ED25519 = [
  {
    secret: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    public: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    secret: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    public: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    secret: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    public: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
];

// RFC 7748 §6.1.
const X25519 = {
  alice: '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a',
  alicePub: '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a',
  bob: '5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb',
  bobPub: 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f',
  shared: '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742',
};

// RFC 5869 Appendix A.1 (test case 1).
const HKDF = {
  ikm: '0b'.repeat(22),
  salt: '000102030405060708090a0b0c',
  info: 'f0f1f2f3f4f5f6f7f8f9',
  okm: '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
};

// The GCM specification (McGrew and Viega, submitted to NIST for SP 800-38D), test case 16:
// AES-256, 96-bit IV, with additional data.
const GCM = {
  key: 'feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308',
  iv: 'cafebabefacedbaddecaf888',
  plaintext:
    'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
  aad: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
  ciphertext:
    '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662',
  tag: '76fc6ece0f4e1768cddf8853bb2d551b',
};

// RFC 4231 §4.3 (test case 2), HMAC-SHA-256.
const HMAC = {
  key: utf8ToBytes('Jefe'),
  data: utf8ToBytes('what do ya want for nothing?'),
  tag: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
};

function conformance(b: CryptoBackend, name: 'node' | 'portable'): void {
  describe(`crypto backend: ${name}`, () => {
    it('names itself', () => {
      expect(b.name).toBe(name);
    });

    it('Ed25519: RFC 8032 tests 1-3 (keys, signatures, verification)', () => {
      for (const v of ED25519) {
        const signer = b.ed25519Signer(h(v.secret));
        expect(bytesToHex(signer.publicKey)).toBe(v.public);
        const sig = signer.sign(h(v.message));
        expect(bytesToHex(sig)).toBe(v.signature);
        expect(b.ed25519Verify(h(v.public), h(v.message), sig)).toBe(true);
        const bad = sig.slice();
        bad[0]! ^= 1;
        expect(b.ed25519Verify(h(v.public), h(v.message), bad)).toBe(false);
        expect(b.ed25519Verify(h(v.public), utf8ToBytes('other'), sig)).toBe(false);
      }
      expect(() => b.ed25519Signer(new Uint8Array(31))).toThrow(RangeError);
      expect(b.ed25519Verify(new Uint8Array(31), new Uint8Array(0), new Uint8Array(64))).toBe(
        false,
      );
      // The identity point (small order) is refused as a key, whatever the signature.
      const identity = new Uint8Array(32);
      identity[0] = 1;
      const rs = new Uint8Array(64);
      rs[0] = 1;
      expect(b.ed25519Verify(identity, utf8ToBytes('any'), rs)).toBe(false);
    });

    it('X25519: RFC 7748 §6.1', () => {
      const alice = b.x25519SecretKey(h(X25519.alice));
      const bob = b.x25519SecretKey(h(X25519.bob));
      expect(bytesToHex(alice.publicKey)).toBe(X25519.alicePub);
      expect(bytesToHex(bob.publicKey)).toBe(X25519.bobPub);
      expect(bytesToHex(alice.agree(h(X25519.bobPub))!)).toBe(X25519.shared);
      expect(bytesToHex(bob.agree(h(X25519.alicePub), true)!)).toBe(X25519.shared);
      expect(alice.agree(new Uint8Array(32))).toBeNull();
      const eph = b.x25519Generate();
      expect(eph.agree(alice.publicKey)).toEqual(alice.agree(eph.publicKey));
    });

    it('HKDF-SHA256: RFC 5869 test case 1', () => {
      expect(bytesToHex(b.hkdfSha256(h(HKDF.ikm), h(HKDF.salt), h(HKDF.info), 42))).toBe(HKDF.okm);
    });

    it('HKDF-SHA256: RFC 5869 test cases 2 (long inputs, 82 bytes) and 3 (empty salt and info)', () => {
      const run = (from: number, to: number) =>
        Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i);
      expect(bytesToHex(b.hkdfSha256(run(0, 0x4f), run(0x60, 0xaf), run(0xb0, 0xff), 82))).toBe(
        'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c' +
          '59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71' +
          'cc30c58179ec3e87c14c01d5c1f3434f1d87',
      );
      const empty = new Uint8Array(0);
      expect(bytesToHex(b.hkdfSha256(new Uint8Array(22).fill(0x0b), empty, empty, 42))).toBe(
        '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
      );
    });

    it('HKDF-SHA256 equals node:crypto hkdfSync at every length 1..100 and at 8160', () => {
      const ikm = b.randomBytes(32);
      const salt = b.randomBytes(32);
      const info = b.randomBytes(23);
      // From 1: hkdfSync refuses length 0 on Node 24 ("Deriving bits failed"), so 0 has no reference.
      for (const len of [...Array.from({ length: 100 }, (_, i) => i + 1), 8160]) {
        const want = new Uint8Array(hkdfSync('sha256', ikm, salt, info, len));
        expect([len, bytesToHex(b.hkdfSha256(ikm, salt, info, len))]).toEqual([
          len,
          bytesToHex(want),
        ]);
      }
      expect(() => b.hkdfSha256(ikm, salt, info, 8161)).toThrow();
    });

    it('HMAC-SHA256: RFC 4231 test case 2', () => {
      expect(bytesToHex(b.hmacSha256(HMAC.key, HMAC.data))).toBe(HMAC.tag);
    });

    it('SHA-256, SHA3-256 (FIPS 180-4 / FIPS 202 "abc") and streaming SHA-256', () => {
      const abc = utf8ToBytes('abc');
      expect(bytesToHex(b.sha256(abc))).toBe(
        'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      );
      expect(bytesToHex(b.sha3_256(abc))).toBe(
        '3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532',
      );
      expect(b.sha256Parts([utf8ToBytes('a'), new Uint8Array(0), utf8ToBytes('bc')])).toEqual(
        b.sha256(abc),
      );
    });

    it('AES-256-GCM: NIST vector, async and sync agree, tampering is refused', async () => {
      const [key, iv, pt, aad] = [h(GCM.key), h(GCM.iv), h(GCM.plaintext), h(GCM.aad)];
      const expected = GCM.ciphertext + GCM.tag;
      const sealed = await b.aes256GcmSeal(key, iv, pt, aad);
      expect(bytesToHex(sealed)).toBe(expected);
      expect(bytesToHex(b.aes256GcmSealSync(key, iv, pt, aad))).toBe(expected);
      expect(await b.aes256GcmOpen(key, iv, sealed, aad)).toEqual(pt);
      expect(b.aes256GcmOpenSync(key, iv, sealed, aad)).toEqual(pt);
      const t = sealed.slice();
      t[t.length - 1]! ^= 1;
      expect(await b.aes256GcmOpen(key, iv, t, aad)).toBeNull();
      expect(b.aes256GcmOpenSync(key, iv, t, aad)).toBeNull();
      expect(b.aes256GcmOpenSync(key, iv, sealed, new Uint8Array(0))).toBeNull();
      expect(b.aes256GcmOpenSync(key, iv, new Uint8Array(15), aad)).toBeNull();
      // Random inputs: the sync and async paths produce the same bytes and open each other.
      for (const n of [0, 1, 15, 16, 17, 1000]) {
        const k = b.randomBytes(32);
        const nonce = b.randomBytes(12);
        const msg = b.randomBytes(n);
        const a = await b.aes256GcmSeal(k, nonce, msg, aad);
        expect(b.aes256GcmSealSync(k, nonce, msg, aad)).toEqual(a);
        expect(b.aes256GcmOpenSync(k, nonce, a, aad)).toEqual(msg);
      }
    });

    it('randomBytes returns the requested length, past the 64 KiB Web Crypto limit', () => {
      const r = b.randomBytes(70_000);
      expect(r.length).toBe(70_000);
      expect(r.some((x) => x !== 0)).toBe(true);
    });

    it('ML-KEM-768 and ML-DSA-65 round-trip', () => {
      const kem = b.mlKem768.keygen(new Uint8Array(64).fill(3));
      expect(kem.publicKey.length).toBe(1184);
      const enc = b.mlKem768.prepare(kem.publicKey).encapsulate(new Uint8Array(32).fill(4));
      expect(enc.cipherText.length).toBe(1088);
      expect(b.mlKem768.prepare(kem.publicKey).decapsulate(enc.cipherText, kem.secretKey)).toEqual(
        enc.sharedSecret,
      );
      const ctx = utf8ToBytes('test');
      const dsa = b.mlDsa65.keygen(new Uint8Array(32).fill(5));
      const sig = b.mlDsa65.sign(dsa.secretKey, utf8ToBytes('m'), ctx);
      expect(sig.length).toBe(3309);
      expect(b.mlDsa65.verify(dsa.publicKey, utf8ToBytes('m'), sig, ctx)).toBe(true);
      expect(b.mlDsa65.verify(dsa.publicKey, utf8ToBytes('m'), sig, utf8ToBytes('other'))).toBe(
        false,
      );
      expect(b.mlDsa65.verify(dsa.publicKey, utf8ToBytes('m'), sig.subarray(1), ctx)).toBe(false);
    });
  });
}

conformance(nodeBackend, 'node');
conformance(portableBackend, 'portable');

describe('the two backends agree', () => {
  it('on signatures, agreement, digests and AEAD output for the same inputs', async () => {
    const seed = nodeBackend.randomBytes(32);
    const msg = nodeBackend.randomBytes(100);
    const n = nodeBackend.ed25519Signer(seed);
    const p = portableBackend.ed25519Signer(seed);
    expect(n.publicKey).toEqual(p.publicKey);
    expect(n.sign(msg)).toEqual(p.sign(msg));
    expect(portableBackend.ed25519Verify(n.publicKey, msg, n.sign(msg))).toBe(true);
    const key = nodeBackend.randomBytes(32);
    const iv = nodeBackend.randomBytes(12);
    expect(await nodeBackend.aes256GcmSeal(key, iv, msg, seed)).toEqual(
      portableBackend.aes256GcmSealSync(key, iv, msg, seed),
    );
  });
});

describe('the ./crypto entry', () => {
  it('loads the node backend under Node', () => {
    expect(cryptoBackendName).toBe('node');
  });

  it('sha256Hex hashes strings as UTF-8', () => {
    expect(sha256Hex('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(sha256Hex(utf8ToBytes('é'))).toBe(sha256Hex('é'));
  });

  it('base64url is strict: no padding, no +/, no whitespace, no non-zero trailing bits', () => {
    expect(base64urlEncode(h('fbff'))).toBe('-_8');
    expect(base64urlDecode('-_8', 2)).toEqual(h('fbff'));
    for (const bad of ['-_8=', '+/8', '-_ 8', '-_9', 'A', 'AAAAA', 'é'])
      expect(base64urlDecode(bad, 100), bad).toBeNull();
    expect(base64urlDecode('AAAA', 2)).toBeNull();
  });

  it('DER: RFC 8410 Ed25519 keys are prefix || key', () => {
    const key = new Uint8Array(32).fill(9);
    expect(bytesToHex(derWrap(ED25519_SPKI_PREFIX, key)).slice(0, 24)).toBe(
      '302a300506032b6570032100',
    );
    expect(derUnwrap(ED25519_PKCS8_PREFIX, derWrap(ED25519_PKCS8_PREFIX, key))).toEqual(key);
    expect(derUnwrap(ED25519_SPKI_PREFIX, derWrap(ED25519_PKCS8_PREFIX, key))).toBeNull();
  });

  it('canonicalJson is RFC 8785: sorted keys, no whitespace, undefined dropped, NaN refused', () => {
    // RFC 8785 §3.2.3 ordering example (keys compared as UTF-16 code units).
    expect(
      canonicalJson({ '\u20ac': 1, '\r': 2, '\ufb33': 3, '1': 4, '\u0080': 5, '\u00f6': 6 }),
    ).toBe('{"\\r":2,"1":4,"\u0080":5,"\u00f6":6,"\u20ac":1,"\ufb33":3}');
    expect(canonicalJson({ b: [1, 'x', null, true], a: { d: 1e21, c: 0.1 }, u: undefined })).toBe(
      '{"a":{"c":0.1,"d":1e+21},"b":[1,"x",null,true]}',
    );
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
  });
});
