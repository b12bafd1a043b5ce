/**
 * `node:crypto` backend (Node >= 20): native Ed25519, X25519, AES-256-GCM, SHA-256, HMAC, HKDF
 * and randomness, measured 10-40x faster than Web Crypto or pure JS for small messages. The
 * post-quantum members (ML-KEM-768, ML-DSA-65, SHA3-256) are native where the runtime has them
 * (Node >= 24.7), detected once at load by `node-pq.ts`, and @noble's otherwise (Node 20/22,
 * Deno, Bun today). AES-GCM is synchronous here; the async pair simply resolves the sync result.
 *
 * Pitfalls:
 * - Raw keys are imported as JWK, not DER: on Node 20 / OpenSSL 3 a DER (PKCS#8/SPKI) import
 *   costs ~150-600 us per key through the OpenSSL decoder stack, a JWK import ~15-75 us.
 * - A private OKP JWK must carry an `x` member, but Node 20 builds the key from `d` alone; we pass
 *   a placeholder `x` and always DERIVE the public key from the imported private key (the
 *   did:key and X-Wing known-answer tests pin that the derived keys are right). Newer Node
 *   rejects the placeholder; there the key is imported as PKCS#8 DER, which is fast on it.
 * - OpenSSL refuses an all-zero X25519 result; `agree` maps that to `null`.
 * - Selected only through the `node` condition of `#crypto`; never import this file directly
 *   from library code.
 *
 * @module
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  hkdfSync,
  type KeyObject,
  randomFillSync,
  sign,
  verify,
} from 'node:crypto';
import { isStrongEd25519PublicKey } from '../ed25519-key-check.js';
import { derWrap, ED25519_PKCS8_PREFIX, X25519_PKCS8_PREFIX } from './der.js';
import { detectedPq, noblePq, type PqMembers } from './node-pq.js';
import type { CryptoBackend, Ed25519SigningKey, X25519SecretKey } from './types.js';

type Curve = 'Ed25519' | 'X25519';
// Ignored by Node for private-key import (see module doc); must merely be a string.
const PLACEHOLDER_X = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

function b64u(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

function u8(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

function importPrivateJwk(crv: Curve, d: Uint8Array): KeyObject {
  return createPrivateKey({
    key: { kty: 'OKP', crv, d: b64u(d), x: PLACEHOLDER_X },
    format: 'jwk',
  });
}

const PKCS8_PREFIX: Record<Curve, Uint8Array> = {
  Ed25519: ED25519_PKCS8_PREFIX,
  X25519: X25519_PKCS8_PREFIX,
};

function importPrivateDer(crv: Curve, d: Uint8Array): KeyObject {
  const der = derWrap(PKCS8_PREFIX[crv], d);
  try {
    return createPrivateKey({ key: Buffer.from(der.buffer), format: 'der', type: 'pkcs8' });
  } finally {
    der.fill(0);
  }
}

/**
 * Decided once at load: newer Node (seen on 26) checks that a private JWK's `x` matches `d` and
 * rejects the placeholder, but imports DER there in ~45 us; Node 20 takes the placeholder.
 */
const JWK_PLACEHOLDER_ACCEPTED = (() => {
  try {
    importPrivateJwk('Ed25519', new Uint8Array(32).fill(1));
    return true;
  } catch {
    return false;
  }
})();

function importPrivate(crv: Curve, d: Uint8Array): KeyObject {
  return JWK_PLACEHOLDER_ACCEPTED ? importPrivateJwk(crv, d) : importPrivateDer(crv, d);
}

function importPublic(crv: Curve, x: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv, x: b64u(x) }, format: 'jwk' });
}

function rawPublicOf(key: KeyObject): Uint8Array {
  const jwk = key.export({ format: 'jwk' });
  return u8(Buffer.from(jwk.x as string, 'base64url'));
}

function need32(bytes: Uint8Array, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32)
    throw new RangeError(`${what} must be 32 bytes`);
}

/** Small FIFO cache of imported public keys (peers' static keys). */
class KeyCache {
  private readonly map = new Map<string, KeyObject>();
  constructor(
    private readonly crv: Curve,
    private readonly max: number,
  ) {}
  get(raw: Uint8Array): KeyObject {
    const id = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1');
    let key = this.map.get(id);
    if (key === undefined) {
      // Defence in depth for callers that bypass parseDidKey: OpenSSL accepts a forged
      // signature under a small-order Ed25519 key; noble's strict decode rejects such keys.
      if (this.crv === 'Ed25519' && !isStrongEd25519PublicKey(raw))
        throw new RangeError('weak Ed25519 public key');
      key = importPublic(this.crv, raw);
      if (this.map.size >= this.max) {
        const first = this.map.keys().next().value;
        if (first !== undefined) this.map.delete(first);
      }
      this.map.set(id, key);
    }
    return key;
  }
}

const edKeys = new KeyCache('Ed25519', 256);
const xKeys = new KeyCache('X25519', 256);

function x25519Handle(key: KeyObject, publicKey: Uint8Array): X25519SecretKey {
  return {
    publicKey,
    agree(peer, cachePeer = false) {
      if (!(peer instanceof Uint8Array) || peer.length !== 32) return null;
      try {
        const pub = cachePeer ? xKeys.get(peer) : importPublic('X25519', peer);
        return u8(diffieHellman({ privateKey: key, publicKey: pub }));
      } catch {
        return null;
      }
    },
  };
}

/**
 * Large inputs go through the cipher in slices written straight into the output (and the
 * plaintext into the ciphertext's place on open): `update()` on the whole input would allocate
 * a second full-size buffer next to the result (measured in test/delivery/memory.test.ts).
 * Where ArrayBuffer has `transfer` (ES2024: Node >= 22, not 20), each slice's Buffer is detached
 * once copied into place, which frees it at once, so a message of any size leaves no dead slices
 * (Node 24, 64 MiB: sealing a split share grew RSS by 55 MiB, now 2).
 * Without it (Node 20), from `GCM_STRINGS_FROM` bytes on, each slice's output is taken as a
 * Latin-1 string (one char per byte, exact) and written into place: 64 KiB strings die young in
 * V8's new space, while Buffers from `update()` are external memory that waits for a full GC.
 * Those dead Buffers made V8 run full GCs over modelguard's 4 MiB chunks: on Node 20 its compact
 * guard and restore of 512 MiB took 4.1-4.2 and 3.1-3.6 s with Buffer slices, 2.2-2.7 and
 * 2.3-2.6 s with strings (A/B, same load). Memory of 16 and 64 MiB messages did not grow
 * (test/delivery/memory.test.ts, Node 20: 16 MiB split send 5.6x with Buffers, 4.4x with strings).
 */
// 64 KiB, not 1 MiB: each update() allocates its output, and an allocation of 1 MiB is a fresh
// mmap whose pages fault in on first touch. On a 2-core VM, AES-256-GCM through 1 MiB slices ran
// at 0.85-1.2 GB/s on Node 20 and 0.2 GB/s on Node 24 (where each slice is freed at once);
// 64 KiB slices, which malloc recycles while they are still in cache, at 2.1-2.4 and 4.4-9.5.
const GCM_SLICE = 64 * 1024;
const GCM_STRING_SLICE = 64 * 1024;
/** Bodies up to this length are opened by one update() whose output is the plaintext. */
const GCM_ONCE_MAX = 1024 * 1024;
const GCM_STRINGS_FROM = GCM_ONCE_MAX;

/** Runs `slice` of `input` through `c` and writes its output into `out` at `at`; its length. */
interface SliceCipher {
  update(data: Uint8Array, inputEncoding: undefined, outputEncoding: 'latin1'): string;
}

/** `ArrayBuffer.prototype.transfer` (ES2024; absent on Node 20). */
type Transferable = ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };
const CAN_DETACH = typeof (ArrayBuffer.prototype as Transferable).transfer === 'function';

/**
 * Frees `part`'s memory now: the Buffer `update()` returned is the only view of a fresh
 * ArrayBuffer of Node's, read by nobody after the copy, so it is detached (`transfer(0)` drops
 * its backing store) instead of waiting for a GC.
 */
function release(part: Uint8Array): void {
  const ab = part.buffer as Transferable;
  if (part.byteOffset !== 0 || ab.byteLength !== part.length || !ab.transfer) return;
  try {
    ab.transfer(0);
  } catch {
    // not detachable (not expected for update()'s output): left to the GC
  }
}

function updateInto(
  c: SliceCipher & { update(data: Uint8Array): Uint8Array },
  slice: Uint8Array,
  out: Buffer,
  at: number,
  strings: boolean,
): number {
  if (strings) return out.write(c.update(slice, undefined, 'latin1'), at, 'latin1');
  const part = c.update(slice);
  out.set(part, at);
  const n = part.length;
  release(part);
  return n;
}

/** Latin-1 string slices only where a Buffer slice cannot be freed at once (see above). */
const stringSlices = (length: number) => !CAN_DETACH && length >= GCM_STRINGS_FROM;

function gcmSeal(
  key: Uint8Array,
  iv: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
  headroom = 0,
  inPlace = false,
): Uint8Array {
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(aad);
  const roomy =
    inPlace &&
    plaintext.byteOffset >= headroom &&
    plaintext.buffer.byteLength >= plaintext.byteOffset + plaintext.length + 16;
  // in place: each slice's ciphertext lands where its plaintext was, after it was consumed
  const out = roomy
    ? new Uint8Array(
        plaintext.buffer,
        plaintext.byteOffset - headroom,
        headroom + plaintext.length + 16,
      )
    : new Uint8Array(headroom + plaintext.length + 16);
  let at = headroom;
  const target = Buffer.from(out.buffer, out.byteOffset, out.length);
  const strings = stringSlices(plaintext.length);
  const step = strings ? GCM_STRING_SLICE : GCM_SLICE;
  for (let i = 0; i < plaintext.length; i += step)
    at += updateInto(c, plaintext.subarray(i, i + step), target, at, strings);
  const last = c.final();
  out.set(last, at);
  out.set(c.getAuthTag(), at + last.length);
  return headroom === 0 ? out : out.subarray(headroom);
}

function gcmOpen(
  key: Uint8Array,
  iv: Uint8Array,
  sealed: Uint8Array,
  aad: Uint8Array,
  inPlace = false,
): Uint8Array | null {
  if (sealed.length < 16) return null;
  const body = sealed.subarray(0, sealed.length - 16);
  if (!inPlace && body.length <= GCM_ONCE_MAX) return gcmOpenOnce(key, iv, sealed, aad, body);
  // in place: each slice's plaintext lands where its ciphertext was, after it was consumed
  const out = inPlace ? body : new Uint8Array(body.length);
  try {
    const d = createDecipheriv('aes-256-gcm', key, iv);
    d.setAAD(aad);
    d.setAuthTag(sealed.subarray(sealed.length - 16));
    let at = 0;
    const target = Buffer.from(out.buffer, out.byteOffset, out.length);
    const strings = stringSlices(body.length);
    const step = strings ? GCM_STRING_SLICE : GCM_SLICE;
    for (let i = 0; i < body.length; i += step)
      at += updateInto(d, body.subarray(i, i + step), target, at, strings);
    // GCM has no final block; final() only checks the tag (it throws on a mismatch)
    d.final();
    return out;
  } catch {
    out.fill(0);
    return null;
  }
}

/**
 * One `update()` for a body of at most one slice: its output buffer (a fresh allocation of
 * Node's, not from the Buffer pool) is the plaintext, with no second buffer and copy.
 */
function gcmOpenOnce(
  key: Uint8Array,
  iv: Uint8Array,
  sealed: Uint8Array,
  aad: Uint8Array,
  body: Uint8Array,
): Uint8Array | null {
  let out: Buffer | undefined;
  try {
    const d = createDecipheriv('aes-256-gcm', key, iv);
    d.setAAD(aad);
    d.setAuthTag(sealed.subarray(sealed.length - 16));
    out = d.update(body);
    // GCM has no final block; final() only checks the tag (it throws on a mismatch)
    d.final();
    return out.byteOffset === 0 && out.length === out.buffer.byteLength ? u8(out) : u8(out).slice();
  } catch {
    out?.fill(0);
    return null;
  }
}

function nodeBackend(pq: PqMembers): CryptoBackend {
  return {
    name: 'node',
    capabilities: {
      backend: 'node',
      ...pq.sources,
      x25519: 'native',
      ed25519: 'native',
      aes256Gcm: 'native',
    },
    randomBytes(n) {
      const out = new Uint8Array(n);
      randomFillSync(out);
      return out;
    },
    sha256(data) {
      return u8(createHash('sha256').update(data).digest());
    },
    sha256Parts(parts) {
      const h = createHash('sha256');
      for (const p of parts) h.update(p);
      return u8(h.digest());
    },
    sha3_256: pq.sha3_256,
    hmacSha256(key, data) {
      return u8(createHmac('sha256', key).update(data).digest());
    },
    // Native one-shot HKDF, not HKDF rebuilt from HMAC calls: the rule is no primitive of our
    // own, even where hkdfSync costs more per call (xpass cold path, issue 15).
    hkdfSha256(ikm, salt, info, length) {
      return new Uint8Array(hkdfSync('sha256', ikm, salt, info, length));
    },
    async aes256GcmSeal(key, iv, plaintext, aad, headroom, inPlace) {
      return gcmSeal(key, iv, plaintext, aad, headroom, inPlace);
    },
    async aes256GcmOpen(key, iv, sealed, aad, inPlace) {
      return gcmOpen(key, iv, sealed, aad, inPlace);
    },
    aes256GcmSealSync: (key, iv, plaintext, aad) => gcmSeal(key, iv, plaintext, aad),
    aes256GcmOpenSync: (key, iv, sealed, aad) => gcmOpen(key, iv, sealed, aad),
    ed25519Signer(seed): Ed25519SigningKey {
      need32(seed, 'Ed25519 private key');
      const key = importPrivate('Ed25519', seed);
      return {
        publicKey: rawPublicOf(createPublicKey(key)),
        sign: (message) => u8(sign(null, message, key)),
      };
    },
    ed25519Verify(publicKey, message, signature) {
      if (publicKey.length !== 32 || signature.length !== 64) return false;
      try {
        return verify(null, message, edKeys.get(publicKey), signature);
      } catch {
        return false;
      }
    },
    x25519SecretKey(secretKey) {
      need32(secretKey, 'X25519 private key');
      const key = importPrivate('X25519', secretKey);
      return x25519Handle(key, rawPublicOf(createPublicKey(key)));
    },
    x25519Generate() {
      // Not generateKeyPairSync: on Node 20 exporting a key it made can deadlock the process
      // for good, when a GC during the export runs the finished key generation job's destructor,
      // which waits on the lock the export holds (seen with gdb: ExportJWKEdKey -> GC ->
      // ~KeyGenJob -> mutex). A v1 sender hung after 0-66,000 envelopes in 5 runs of 5; Node 24
      // did not. 32 CSPRNG bytes imported as the private key (RFC 7748 section 5 clamps them)
      // give the same key distribution and cost about the same (40-45 against 33-45 µs here).
      const d = randomFillSync(new Uint8Array(32));
      try {
        const key = importPrivate('X25519', d);
        return x25519Handle(key, rawPublicOf(createPublicKey(key)));
      } finally {
        d.fill(0);
      }
    },
    mlKem768: pq.mlKem768,
    mlDsa65: pq.mlDsa65,
  };
}

/** The `node:crypto` implementation of {@link CryptoBackend}, post-quantum members as detected. */
export const backend: CryptoBackend = nodeBackend(detectedPq);

/**
 * @internal The same backend with the @noble post-quantum members forced, for tests that check
 * the native and @noble paths against each other in one process. Never used by library code.
 */
export const nobleBackend: CryptoBackend = nodeBackend(noblePq);
