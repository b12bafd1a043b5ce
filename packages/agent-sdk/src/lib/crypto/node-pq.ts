/**
 * Native post-quantum members of the Node backend: ML-KEM-768 (FIPS 203), ML-DSA-65 (FIPS 204)
 * and SHA3-256 (FIPS 202) from `node:crypto` where the runtime has them (Node >= 24.7 with
 * OpenSSL >= 3.5), each one detected ONCE when this module loads by running it on a fixed
 * input, never by reading a version string; @noble (`noble-pq.ts`) otherwise. Deno and Bun load
 * the Node backend too, and the same probes decide there.
 *
 * Pitfalls:
 * - The public contract hands out @noble-format secret keys (2400-byte ML-KEM `dk`, 4032-byte
 *   ML-DSA `sk`), but node:crypto imports a key from its seed only and refuses to export the
 *   expanded form. `keygen` therefore runs both: the native key object (kept in a WeakMap keyed
 *   by the returned secret-key array) does the per-message work, @noble supplies the secret-key
 *   bytes. Both public keys are compared and a disagreement throws, so keys are identical on both
 *   paths. A secret key that did not come from `keygen` here (no map entry) runs on @noble.
 * - `crypto.encapsulate` draws its own randomness: a caller-supplied `m` (known-answer tests,
 *   X-Wing `EncapsulateDerand`) runs on @noble, a random encapsulation natively.
 * - Importing an ML-KEM-768 public key natively costs about 0.1-0.6 ms (OpenSSL's decoder plus
 *   the FIPS 203 modulus check); callers prepare a peer key once (`xwing.ts` caches by key) and
 *   ML-DSA-65 public keys are cached here by value.
 * - Named imports of `encapsulate`/`decapsulate` would fail to link on Node 20, so the module is
 *   imported as a namespace and the functions are looked up at load.
 *
 * @module
 */

import type { KeyObject } from 'node:crypto';
import * as nodeCrypto from 'node:crypto';
import { LRUCache } from 'lru-cache';
import {
  derWrap,
  ML_DSA_65_PKCS8_SEED_PREFIX,
  ML_DSA_65_SPKI_PREFIX,
  ML_KEM_768_PKCS8_SEED_PREFIX,
  ML_KEM_768_SPKI_PREFIX,
} from './der.js';
import { nobleMlDsa65, nobleMlKem768, nobleSha3_256 } from './noble-pq.js';
import type { MlDsa65, MlKem768, MlKem768Prepared, PrimitiveSource } from './types.js';

/** The post-quantum members of a backend, with where each one runs. */
export interface PqMembers {
  readonly mlKem768: MlKem768;
  readonly mlDsa65: MlDsa65;
  readonly sha3_256: (data: Uint8Array) => Uint8Array;
  readonly sources: {
    readonly mlKem768: PrimitiveSource;
    readonly mlDsa65: PrimitiveSource;
    readonly sha3_256: PrimitiveSource;
  };
}

// Node >= 24.7 only; typed here because @types/node follows the oldest supported Node (20).
interface KemApi {
  encapsulate(key: KeyObject): { sharedKey: Buffer; ciphertext: Buffer };
  decapsulate(key: KeyObject, ciphertext: Uint8Array): Buffer;
}
type SignWithContext = (
  algorithm: null,
  data: Uint8Array,
  key: { key: KeyObject; context: Uint8Array },
) => Buffer;
type VerifyWithContext = (
  algorithm: null,
  data: Uint8Array,
  key: { key: KeyObject; context: Uint8Array },
  signature: Uint8Array,
) => boolean;
const signCtx = nodeCrypto.sign as unknown as SignWithContext;
const verifyCtx = nodeCrypto.verify as unknown as VerifyWithContext;
const kemApi = nodeCrypto as unknown as Partial<KemApi>;

const ML_KEM_SEED = 64;
const ML_KEM_CT = 1088;
const ML_DSA_SEED = 32;

function u8(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

function importSeed(prefix: Uint8Array, seed: Uint8Array): KeyObject {
  const der = derWrap(prefix, seed);
  try {
    return nodeCrypto.createPrivateKey({
      key: Buffer.from(der.buffer),
      format: 'der',
      type: 'pkcs8',
    });
  } finally {
    der.fill(0);
  }
}

function importSpki(prefix: Uint8Array, publicKey: Uint8Array): KeyObject {
  return nodeCrypto.createPublicKey({
    key: Buffer.from(derWrap(prefix, publicKey).buffer),
    format: 'der',
    type: 'spki',
  });
}

function rawPublic(prefix: Uint8Array, privateKey: KeyObject): Uint8Array {
  const spki = nodeCrypto.createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return u8(spki).slice(prefix.length);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && nodeCrypto.timingSafeEqual(a, b);
}

function needSeed(seed: Uint8Array, length: number, what: string): void {
  if (!(seed instanceof Uint8Array) || seed.length !== length)
    throw new RangeError(`${what} seed must be ${length} bytes`);
}

/** ML-KEM-768 on node:crypto; see the module doc for the split with @noble. */
function nativeMlKem768(kem: KemApi): MlKem768 {
  // secret-key bytes (from keygen) -> native private key; own public key -> native private key.
  const privateOf = new WeakMap<Uint8Array, KeyObject>();
  const ownPublic = new WeakMap<Uint8Array, KeyObject>();
  return {
    keygen(seed) {
      needSeed(seed, ML_KEM_SEED, 'ML-KEM-768');
      const key = importSeed(ML_KEM_768_PKCS8_SEED_PREFIX, seed);
      const publicKey = rawPublic(ML_KEM_768_SPKI_PREFIX, key);
      const js = nobleMlKem768.keygen(seed);
      if (!sameBytes(publicKey, js.publicKey))
        throw new Error('native and @noble ML-KEM-768 key generation disagree');
      privateOf.set(js.secretKey, key);
      ownPublic.set(publicKey, key);
      return { publicKey, secretKey: js.secretKey };
    },
    prepare(publicKey) {
      const own = ownPublic.get(publicKey);
      // Throws on a malformed key (length, FIPS 203 modulus check), as @noble's prepare does.
      const pub = own
        ? nodeCrypto.createPublicKey(own)
        : importSpki(ML_KEM_768_SPKI_PREFIX, publicKey);
      let js: MlKem768Prepared | undefined;
      const noble = () => {
        js ??= nobleMlKem768.prepare(publicKey);
        return js;
      };
      return {
        encapsulate(m) {
          if (m !== undefined) return noble().encapsulate(m);
          const { sharedKey, ciphertext } = kem.encapsulate(pub);
          return { cipherText: u8(ciphertext), sharedSecret: u8(sharedKey) };
        },
        decapsulate(cipherText, secretKey) {
          const key = privateOf.get(secretKey);
          if (key === undefined) return noble().decapsulate(cipherText, secretKey);
          if (cipherText.length !== ML_KEM_CT)
            throw new RangeError(`ML-KEM-768 ciphertext must be ${ML_KEM_CT} bytes`);
          return u8(kem.decapsulate(key, cipherText));
        },
      };
    },
  };
}

/** ML-DSA-65 on node:crypto (hedged signing, like @noble's default). */
function nativeMlDsa65(): MlDsa65 {
  const privateOf = new WeakMap<Uint8Array, KeyObject>();
  // Peers' public keys, by value: key documents are re-parsed, so identity would miss.
  const publicKeys = new LRUCache<string, KeyObject>({ max: 256 });
  const publicOf = (publicKey: Uint8Array): KeyObject => {
    const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString(
      'latin1',
    );
    let key = publicKeys.get(id);
    if (key === undefined) {
      key = importSpki(ML_DSA_65_SPKI_PREFIX, publicKey);
      publicKeys.set(id, key);
    }
    return key;
  };
  return {
    keygen(seed) {
      needSeed(seed, ML_DSA_SEED, 'ML-DSA-65');
      const key = importSeed(ML_DSA_65_PKCS8_SEED_PREFIX, seed);
      const publicKey = rawPublic(ML_DSA_65_SPKI_PREFIX, key);
      const js = nobleMlDsa65.keygen(seed);
      if (!sameBytes(publicKey, js.publicKey))
        throw new Error('native and @noble ML-DSA-65 key generation disagree');
      privateOf.set(js.secretKey, key);
      return { publicKey, secretKey: js.secretKey };
    },
    sign(secretKey, message, context) {
      const key = privateOf.get(secretKey);
      if (key === undefined) return nobleMlDsa65.sign(secretKey, message, context);
      if (context.length > 255) throw new RangeError('ML-DSA context must be at most 255 bytes');
      return u8(signCtx(null, message, { key, context }));
    },
    verify(publicKey, message, signature, context) {
      if (context.length > 255) return false;
      try {
        return verifyCtx(null, message, { key: publicOf(publicKey), context }, signature);
      } catch {
        return false;
      }
    },
  };
}

function nativeSha3_256(): (data: Uint8Array) => Uint8Array {
  // One-shot `crypto.hash` (Node >= 20.12) skips the Hash object; createHash otherwise.
  const oneShot = (nodeCrypto as { hash?: (alg: string, d: Uint8Array, enc: 'buffer') => Buffer })
    .hash;
  if (typeof oneShot === 'function') return (data) => u8(oneShot('sha3-256', data, 'buffer'));
  return (data) => u8(nodeCrypto.createHash('sha3-256').update(data).digest());
}

// Probes: each runs the primitive on a fixed input and checks the result; any throw or wrong
// answer means "not native here". FIPS 202 "abc" digest for SHA3-256.
const SHA3_ABC = '3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532';

function probe(run: () => boolean): boolean {
  try {
    return run();
  } catch {
    return false;
  }
}

function probeSha3(f: (data: Uint8Array) => Uint8Array): boolean {
  return probe(() => Buffer.from(f(new TextEncoder().encode('abc'))).toString('hex') === SHA3_ABC);
}

function probeKem(): KemApi | null {
  const { encapsulate, decapsulate } = kemApi;
  if (typeof encapsulate !== 'function' || typeof decapsulate !== 'function') return null;
  const api: KemApi = { encapsulate, decapsulate };
  const ok = probe(() => {
    const key = importSeed(ML_KEM_768_PKCS8_SEED_PREFIX, new Uint8Array(ML_KEM_SEED).fill(7));
    const pub = importSpki(ML_KEM_768_SPKI_PREFIX, rawPublic(ML_KEM_768_SPKI_PREFIX, key));
    const { sharedKey, ciphertext } = api.encapsulate(pub);
    return (
      ciphertext.length === ML_KEM_CT &&
      sharedKey.length === 32 &&
      sharedKey.equals(api.decapsulate(key, ciphertext))
    );
  });
  return ok ? api : null;
}

function probeDsa(): boolean {
  return probe(() => {
    const key = importSeed(ML_DSA_65_PKCS8_SEED_PREFIX, new Uint8Array(ML_DSA_SEED).fill(7));
    const pub = importSpki(ML_DSA_65_SPKI_PREFIX, rawPublic(ML_DSA_65_SPKI_PREFIX, key));
    const msg = Uint8Array.of(1, 2, 3);
    const context = Uint8Array.of(9);
    const sig = signCtx(null, msg, { key, context });
    return (
      sig.length === 3309 &&
      verifyCtx(null, msg, { key: pub, context }, sig) &&
      !verifyCtx(null, msg, { key: pub, context: Uint8Array.of(8) }, sig)
    );
  });
}

/** The @noble members, for runtimes without native support (and the tests' forced path). */
export const noblePq: PqMembers = {
  mlKem768: nobleMlKem768,
  mlDsa65: nobleMlDsa65,
  sha3_256: nobleSha3_256,
  sources: { mlKem768: 'js', mlDsa65: 'js', sha3_256: 'js' },
};

function detect(): PqMembers {
  const kem = probeKem();
  const dsa = probeDsa();
  const sha3 = nativeSha3_256();
  const sha3Native = probeSha3(sha3);
  return {
    mlKem768: kem ? nativeMlKem768(kem) : nobleMlKem768,
    mlDsa65: dsa ? nativeMlDsa65() : nobleMlDsa65,
    sha3_256: sha3Native ? sha3 : nobleSha3_256,
    sources: {
      mlKem768: kem ? 'native' : 'js',
      mlDsa65: dsa ? 'native' : 'js',
      sha3_256: sha3Native ? 'native' : 'js',
    },
  };
}

/** The members this runtime runs: native where its probe passed, @noble otherwise. */
export const detectedPq: PqMembers = detect();
