/**
 * The native primitive calls that one 256-byte roundtrip must make, with nothing else: no
 * encoding, parsing, key import, replay or registry work. agent.bench.ts times them against jose
 * to show how low a ratio the protocol itself allows on the runtime at hand.
 *
 * - v1 (docs/formats.md, envelope v1): the sender draws an ephemeral X25519 key pair, runs one
 *   X25519 agreement and HKDF-SHA-256, seals with AES-256-GCM and signs with Ed25519; the
 *   receiver verifies, runs its own agreement and HKDF and opens.
 * - v2 (X-Wing, draft-connolly-cfrg-xwing-kem-10): v1's calls plus one ML-KEM-768 encapsulation and
 *   one decapsulation, through the agent-sdk backend, so native where the runtime has ML-KEM
 *   (Node >= 24.7) and @noble/post-quantum otherwise; the SHA-3 combiner is left out.
 * - Xchange 2-of-3 (docs/formats.md#xchange-parts, part version 2): one AES-256-GCM seal and open
 *   of the payload, ONE Ed25519 signature over the group statement and ONE verification (the
 *   second part is covered by its group's verified statement; the third, late part is answered
 *   before any check: src/receive/late-share.ts), plus the SHA-256 calls: the ciphertext hash
 *   and the part digest on the sender (1 + 3) and for each of the two checked parts (2 + 2).
 *
 * Keys are KeyObjects made once, so the figures are a lower bound, not a reachable target.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import { backend } from '@xorida/agent-sdk/crypto';

const ed = generateKeyPairSync('ed25519');
const recipient = generateKeyPairSync('x25519');
const payload = randomBytes(256);
/** About the size of the signed bytes of a 256 B v1 envelope (header, nonce, ciphertext). */
const signed = randomBytes(420);
const salt = randomBytes(32);
/** About the size of a 2-of-3 Xchange group statement (docs/formats.md#xchange-parts). */
const statement = randomBytes(380);
/** Part digest input: context, nonce, b16 key share. */
const share = randomBytes(21 + 16 + 2 + 66);
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest();
const kem = backend.mlKem768.keygen(randomBytes(64));
const kemPublic = backend.mlKem768.prepare(kem.publicKey);
const info = Buffer.from('floor');

function seal(key: Uint8Array, iv: Uint8Array): Buffer {
  const c = createCipheriv('aes-256-gcm', key, iv);
  return Buffer.concat([c.update(payload), c.final(), c.getAuthTag()]);
}
function open(key: Uint8Array, iv: Uint8Array, sealed: Buffer): Buffer {
  const d = createDecipheriv('aes-256-gcm', key, iv);
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  const out = Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]);
  if (out.length !== payload.length) throw new Error('floor: open lost bytes');
  return out;
}

/** X25519 agreement then HKDF-SHA-256 to a 32-byte key. */
function derive(privateKey: KeyObject, publicKey: KeyObject): Uint8Array {
  return new Uint8Array(
    hkdfSync('sha256', diffieHellman({ privateKey, publicKey }), salt, info, 32),
  );
}

export const cryptoFloor = {
  /** One v1 roundtrip's primitives. */
  v1(): void {
    const eph = generateKeyPairSync('x25519');
    const iv = randomBytes(12);
    const k1 = derive(eph.privateKey, recipient.publicKey);
    const sealed = seal(k1, iv);
    const sig = sign(null, signed, ed.privateKey);
    if (!verify(null, signed, ed.publicKey, sig)) throw new Error('floor: verify failed');
    const k2 = derive(recipient.privateKey, eph.publicKey);
    open(k2, iv, sealed);
  },
  /** One v2 roundtrip's primitives: v1's plus ML-KEM-768 encapsulate and decapsulate. */
  v2(): void {
    const { cipherText } = kemPublic.encapsulate();
    kemPublic.decapsulate(cipherText, kem.secretKey);
    cryptoFloor.v1();
  },
  /** One Xchange 2-of-3 roundtrip's primitives (one statement signed and verified once). */
  xchange(): void {
    const key = randomBytes(32);
    const iv = randomBytes(12);
    const sealed = seal(key, iv);
    // sender: the ciphertext hash and 3 part digests; receiver: both again for each of 2 parts
    for (let i = 0; i < 3; i++) sha256(sealed);
    for (let i = 0; i < 5; i++) sha256(share);
    const sig = sign(null, statement, ed.privateKey);
    if (!verify(null, statement, ed.publicKey, sig)) throw new Error('floor: verify failed');
    open(key, iv, sealed);
  },
};
