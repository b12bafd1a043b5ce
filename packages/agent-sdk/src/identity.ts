/**
 * Agent identities: one Ed25519 private key (the identity root, 32 bytes) from which every
 * other key is derived with HKDF-SHA256, so a PKCS#8 export of the Ed25519 key restores the
 * whole identity. `identityFromSeed` adds one HKDF step in front for factory provisioning.
 *
 * Derivation (salt = UTF-8 "xlink-identity-v1"; L = 32 bytes each):
 *   ed25519 = HKDF(seed, salt, "xlink/ed25519")                 (fromSeed only)
 *   x25519  = HKDF(ed25519, salt, "xlink/x25519")               v1 key agreement
 *   x-wing  = HKDF(ed25519, salt, "xlink/x-wing")               X-Wing decapsulation seed
 *   ml-dsa  = HKDF(ed25519, salt, "xlink/ml-dsa-65")            ML-DSA-65 keygen seed
 *
 * Pitfalls:
 * - Whoever holds the Ed25519 key (or the seed) holds every key: protect exports like the
 *   identity itself. Nothing here encrypts exports at rest.
 * - Secret handles live as long as the identity object; there is no reliable way to wipe
 *   native key objects from JavaScript.
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import { backend } from '#crypto';
import { didFromEd25519PublicKey } from './did.js';
import { type XlinkErrorDetail, xlinkErr } from './errors.js';
import { utf8 } from './lib/binary.js';
import { base64urlDecode, base64urlEncode } from './lib/codec.js';
import { derUnwrap, derWrap, ED25519_PKCS8_PREFIX } from './lib/crypto/der.js';
import type { Ed25519SigningKey, X25519SecretKey } from './lib/crypto/types.js';
import { type MlDsaKeyPair, mldsaKeygen } from './lib/mldsa.js';
import { type XWingSecretKey, xwingExpand } from './lib/xwing.js';

/** HKDF `info` labels of the per-key derivation (documented in docs/formats.md). */
export const IDENTITY_HKDF_LABELS = {
  salt: 'xlink-identity-v1',
  ed25519: 'xlink/ed25519',
  x25519: 'xlink/x25519',
  xwing: 'xlink/x-wing',
  mldsa65: 'xlink/ml-dsa-65',
} as const;

const SALT = utf8(IDENTITY_HKDF_LABELS.salt);

/** A loaded identity: DID plus key handles. Holds secret material. */
export interface AgentIdentity {
  /** `did:key:z6Mk...` of the Ed25519 key. */
  readonly did: string;
  /** Ed25519 signing key (identity root). */
  readonly signing: Ed25519SigningKey;
  /** X25519 key for v1 envelopes. */
  readonly x25519: X25519SecretKey;
  /** X-Wing key for v2/v3 envelopes. */
  readonly xwing: XWingSecretKey;
  /** ML-DSA-65 key pair, present when post-quantum signatures are enabled. */
  readonly mldsa: MlDsaKeyPair | undefined;
  /** @internal raw secrets, for export only. */
  readonly secrets: {
    readonly ed25519: Uint8Array;
    readonly x25519: Uint8Array;
    readonly xwing: Uint8Array;
    readonly mldsa65: Uint8Array | undefined;
  };
}

/** Options shared by the identity constructors. */
export interface IdentityOptions {
  /** Also derive an ML-DSA-65 key (enables v3 envelopes). Default false. */
  readonly postQuantumSig?: boolean;
}

function derive(ikm: Uint8Array, label: string): Uint8Array {
  return backend.hkdfSha256(ikm, SALT, utf8(label), 32);
}

function assemble(
  ed: Uint8Array,
  x: Uint8Array,
  xw: Uint8Array,
  ml: Uint8Array | undefined,
): AgentIdentity {
  const signing = backend.ed25519Signer(ed);
  return {
    did: didFromEd25519PublicKey(signing.publicKey),
    signing,
    x25519: backend.x25519SecretKey(x),
    xwing: xwingExpand(xw),
    mldsa: ml ? mldsaKeygen(ml) : undefined,
    secrets: { ed25519: ed, x25519: x, xwing: xw, mldsa65: ml },
  };
}

/**
 * Builds the identity whose root is the given Ed25519 private key; the other keys follow from
 * HKDF (see module doc).
 * @param ed25519Seed 32-byte Ed25519 private key
 * @param options `postQuantumSig`
 * @returns the identity, or `INVALID_SEED` (field `ed25519Seed`)
 */
export function identityFromEd25519Key(
  ed25519Seed: Uint8Array,
  options: IdentityOptions = {},
): Result<AgentIdentity, XlinkErrorDetail> {
  if (!(ed25519Seed instanceof Uint8Array) || ed25519Seed.length !== 32)
    return xlinkErr('INVALID_SEED', 'Ed25519 private key must be 32 bytes', 'Pass 32 bytes', {
      field: 'ed25519Seed',
    });
  const ed = Uint8Array.from(ed25519Seed);
  return ok(
    assemble(
      ed,
      derive(ed, IDENTITY_HKDF_LABELS.x25519),
      derive(ed, IDENTITY_HKDF_LABELS.xwing),
      options.postQuantumSig ? derive(ed, IDENTITY_HKDF_LABELS.mldsa65) : undefined,
    ),
  );
}

/**
 * Generates a fresh random identity.
 * @param options `postQuantumSig`
 * @returns the identity (`KEYGEN_FAILED` only if the runtime has no CSPRNG)
 */
export function generateIdentity(
  options: IdentityOptions = {},
): Result<AgentIdentity, XlinkErrorDetail> {
  let seed: Uint8Array;
  try {
    seed = backend.randomBytes(32);
  } catch {
    return xlinkErr('KEYGEN_FAILED', 'no CSPRNG available', 'Run on a runtime with crypto');
  }
  return identityFromEd25519Key(seed, options);
}

/**
 * Deterministic identity from a 32-byte seed (factory provisioning): the Ed25519 key is
 * `HKDF-SHA256(seed, "xlink-identity-v1", "xlink/ed25519", 32)`, the rest as usual.
 * @param seed exactly 32 bytes of secret, high-entropy material
 * @param options `postQuantumSig`
 * @returns the identity, or `INVALID_SEED` (field `seed`)
 */
export function identityFromSeed(
  seed: Uint8Array,
  options: IdentityOptions = {},
): Result<AgentIdentity, XlinkErrorDetail> {
  if (!(seed instanceof Uint8Array) || seed.length !== 32)
    return xlinkErr('INVALID_SEED', 'seed must be exactly 32 bytes', 'Pass a 32-byte seed', {
      field: 'seed',
    });
  return identityFromEd25519Key(derive(seed, IDENTITY_HKDF_LABELS.ed25519), options);
}

/**
 * The identity's Ed25519 key as PKCS#8 DER (RFC 8410, 48 bytes). Because every other key is
 * derived from it, importing this restores the full identity.
 * @param identity a loaded identity
 * @returns 48 bytes of DER (secret!)
 */
export function exportPKCS8(identity: AgentIdentity): Uint8Array {
  return derWrap(ED25519_PKCS8_PREFIX, identity.secrets.ed25519);
}

/**
 * Parses an Ed25519 PKCS#8 key: 48-byte DER, or PEM text `-----BEGIN PRIVATE KEY-----`.
 * @param pkcs8 DER bytes or PEM string
 * @returns the 32-byte Ed25519 private key, or `INVALID_PKCS8` (field `pkcs8`)
 */
export function parsePKCS8(pkcs8: Uint8Array | string): Result<Uint8Array, XlinkErrorDetail> {
  const bad = (message: string) =>
    xlinkErr('INVALID_PKCS8', message, 'Pass the value exportPKCS8() returned', {
      field: 'pkcs8',
    });
  let der: Uint8Array | null;
  if (typeof pkcs8 === 'string') {
    const m =
      /^-----BEGIN PRIVATE KEY-----\s*([A-Za-z0-9+/=\s]{1,200})-----END PRIVATE KEY-----\s*$/.exec(
        pkcs8.trim(),
      );
    if (!m) return bad('not a PEM PRIVATE KEY block');
    const b64 = m[1]!
      .replace(/\s+/g, '')
      .replace(/=+$/, '')
      .replace(/\+/g, '-')
      .replace(/\//g, '_');
    der = base64urlDecode(b64, 64);
    if (der === null) return bad('PEM body is not valid base64');
  } else der = pkcs8;
  if (!(der instanceof Uint8Array) || der.length !== 48) return bad('expected 48 bytes of DER');
  const seed = derUnwrap(ED25519_PKCS8_PREFIX, der);
  return seed === null ? bad('not an Ed25519 PKCS#8 (RFC 8410) key') : ok(seed);
}

/** Versioned JSON export of every secret key of an identity (secret!). */
export interface IdentityExport {
  readonly type: 'xlink-identity';
  readonly v: 1;
  readonly did: string;
  /** base64url of each 32-byte secret. */
  readonly ed25519: string;
  readonly x25519: string;
  readonly xwing: string;
  readonly mldsa65?: string;
}

/**
 * Exports every secret key (not only the derivable root), so identities whose keys were
 * supplied separately also round-trip.
 * @param identity a loaded identity
 * @returns a JSON-safe object (secret!)
 */
export function exportIdentity(identity: AgentIdentity): IdentityExport {
  const s = identity.secrets;
  return {
    type: 'xlink-identity',
    v: 1,
    did: identity.did,
    ed25519: base64urlEncode(s.ed25519),
    x25519: base64urlEncode(s.x25519),
    xwing: base64urlEncode(s.xwing),
    ...(s.mldsa65 ? { mldsa65: base64urlEncode(s.mldsa65) } : {}),
  };
}

/**
 * Restores an identity from {@link exportIdentity} output (object or JSON text).
 * @param data the export
 * @returns the identity, or `INVALID_IDENTITY` (subCode `MALFORMED` or `DID_MISMATCH`)
 */
export function importIdentityExport(
  data: IdentityExport | string,
): Result<AgentIdentity, XlinkErrorDetail> {
  const bad = (subCode: string, message: string, field?: string) =>
    xlinkErr('INVALID_IDENTITY', message, 'Pass the object exportIdentity() returned', {
      subCode,
      ...(field ? { field } : {}),
    });
  let obj: unknown = data;
  if (typeof data === 'string') {
    if (data.length > 4096) return bad('MALFORMED', 'identity export too large');
    try {
      obj = JSON.parse(data);
    } catch {
      return bad('MALFORMED', 'identity export is not JSON');
    }
  }
  if (typeof obj !== 'object' || obj === null) return bad('MALFORMED', 'not an object');
  const o = obj as Record<string, unknown>;
  if (o.type !== 'xlink-identity' || o.v !== 1)
    return bad('MALFORMED', 'unknown identity export type or version', 'type');
  const key = (name: string): Uint8Array | null =>
    typeof o[name] === 'string' ? base64urlDecode(o[name] as string, 32) : null;
  const ed = key('ed25519');
  const x = key('x25519');
  const xw = key('xwing');
  const ml = o.mldsa65 === undefined ? undefined : key('mldsa65');
  for (const [name, v] of [
    ['ed25519', ed],
    ['x25519', x],
    ['xwing', xw],
    ['mldsa65', ml],
  ] as const)
    if (v === null || (v !== undefined && v.length !== 32))
      return bad('MALFORMED', `${name} must be 32 bytes of base64url`, name);
  const identity = assemble(ed!, x!, xw!, ml ?? undefined);
  if (identity.did !== o.did)
    return bad('DID_MISMATCH', 'did does not match the Ed25519 key', 'did');
  return ok(identity);
}
