/**
 * The Xlink envelope's field model: algorithm table, the `Envelope` and `EnvelopeJson` shapes,
 * size constants, and the cross-field validation both parsers (binary: envelope-binary.ts,
 * JSON: envelope-json.ts) end with. Layout and vectors: docs/formats.md#agent-sdk.
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import { parseDidKey } from './did.js';
import { type XlinkErrorDetail, xlinkErr } from './errors.js';
import { MLDSA65_SIGNATURE_LENGTH } from './lib/mldsa.js';
import { XWING_CIPHERTEXT_LENGTH } from './lib/xwing.js';

/** Media type of the JSON form. */
export const ENVELOPE_MEDIA_TYPE = 'application/xlink-envelope+json';
/** Default maximum plaintext payload, bytes (16 MiB; the size policy's default, size-policy.ts). */
export const DEFAULT_MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;
/** Nonce length, bytes. */
export const NONCE_LENGTH = 16;
/** AES-GCM IV length, bytes. */
export const IV_LENGTH = 12;
/** Longest scope accepted, bytes. */
export const MAX_SCOPE_LENGTH = 128;

/** Algorithm identifiers: name -> binary id and implied version. */
export const ENVELOPE_ALGS = {
  'X25519-HKDF-SHA256-A256GCM+Ed25519': { id: 1, version: 1, kem: 32 },
  'XWING-HKDF-SHA256-A256GCM+Ed25519': { id: 2, version: 2, kem: XWING_CIPHERTEXT_LENGTH },
  'XWING-HKDF-SHA256-A256GCM+Ed25519+ML-DSA-65': {
    id: 3,
    version: 3,
    kem: XWING_CIPHERTEXT_LENGTH,
  },
  'SIGNED-ONLY+Ed25519': { id: 16, version: 1, kem: 0 },
} as const;

/** Envelope algorithm name. */
export type EnvelopeAlg = keyof typeof ENVELOPE_ALGS;
/** Algorithm name by binary id. */
export const ALG_BY_ID = new Map<number, EnvelopeAlg>(
  (Object.keys(ENVELOPE_ALGS) as EnvelopeAlg[]).map((a) => [ENVELOPE_ALGS[a].id, a]),
);
/** The algorithm each encrypted version uses. */
export const ALG_OF_VERSION = {
  1: 'X25519-HKDF-SHA256-A256GCM+Ed25519',
  2: 'XWING-HKDF-SHA256-A256GCM+Ed25519',
  3: 'XWING-HKDF-SHA256-A256GCM+Ed25519+ML-DSA-65',
} as const satisfies Record<1 | 2 | 3, EnvelopeAlg>;
/** The signed-only (cleartext, integrity-only) algorithm. */
export const SIGNED_ONLY_ALG: EnvelopeAlg = 'SIGNED-ONLY+Ed25519';

/** An envelope with raw byte fields. */
export interface Envelope {
  readonly version: 1 | 2 | 3;
  readonly alg: EnvelopeAlg;
  readonly sender: string;
  readonly recipient: string;
  /** Milliseconds since the Unix epoch. */
  readonly timestamp: number;
  /** 16 random bytes. */
  readonly nonce: Uint8Array;
  readonly scope: string;
  /** 12 bytes, or empty for signed-only. */
  readonly iv: Uint8Array;
  /** v1: ephemeral X25519 public key (32); v2/v3: X-Wing ciphertext (1120); signed-only: empty. */
  readonly kem: Uint8Array;
  /** AES-256-GCM ciphertext || tag, or the plaintext for signed-only. */
  readonly ciphertext: Uint8Array;
  /** Ed25519 signature (64). */
  readonly signature: Uint8Array;
  /** ML-DSA-65 signature (3309), v3 only. */
  readonly pqSignature?: Uint8Array | undefined;
}

/** The JSON transport form (byte fields base64url without padding). */
export interface EnvelopeJson {
  typ: typeof ENVELOPE_MEDIA_TYPE;
  version: 1 | 2 | 3;
  alg: EnvelopeAlg;
  sender: string;
  recipient: string;
  timestamp: number;
  nonce: string;
  scope: string;
  iv: string;
  kem: string;
  ciphertext: string;
  signature: string;
  pqSignature?: string;
}

/** Fields of the header (what the AEAD authenticates as associated data). */
export type EnvelopeHeader = Pick<
  Envelope,
  'version' | 'alg' | 'sender' | 'recipient' | 'timestamp' | 'nonce' | 'scope' | 'iv' | 'kem'
>;

/** `ENVELOPE_INVALID` with a subCode (default `MALFORMED`); shared by both parsers. */
export function envelopeMalformed(message: string, field?: string, subCode = 'MALFORMED') {
  return xlinkErr('ENVELOPE_INVALID', message, 'Pass an envelope produced by agent.send()', {
    subCode,
    ...(field ? { field } : {}),
  });
}

/** Checks a scope string: 1..128 bytes of printable ASCII without spaces. */
export function isValidScope(scope: unknown): scope is string {
  return (
    typeof scope === 'string' &&
    scope.length >= 1 &&
    scope.length <= MAX_SCOPE_LENGTH &&
    /^[\x21-\x7e]+$/.test(scope)
  );
}

/**
 * Cross-field validation shared by the binary and JSON parsers.
 * @param env the fields read by a parser
 * @param maxCiphertext ciphertext limit, bytes (see {@link maxCiphertextFor})
 * @returns the envelope, or `UNSUPPORTED_VERSION:ALG_MISMATCH`, `ENVELOPE_INVALID`, `PAYLOAD_TOO_LARGE`
 */
export function validateEnvelope(
  env: Envelope,
  maxCiphertext: number,
): Result<Envelope, XlinkErrorDetail> {
  const a = ENVELOPE_ALGS[env.alg];
  if (a.version !== env.version)
    return xlinkErr(
      'UNSUPPORTED_VERSION',
      `algorithm ${env.alg} is not valid for version ${env.version}`,
      'The envelope was altered or produced by an incompatible implementation',
      { subCode: 'ALG_MISMATCH', field: 'alg' },
    );
  const signedOnly = env.alg === SIGNED_ONLY_ALG;
  if (!Number.isSafeInteger(env.timestamp) || env.timestamp < 0)
    return envelopeMalformed('timestamp must be a non-negative integer (ms)', 'timestamp');
  if (env.nonce.length !== NONCE_LENGTH)
    return envelopeMalformed('nonce must be 16 bytes', 'nonce');
  if (!parseDidKey(env.sender).ok)
    return envelopeMalformed('sender is not an Ed25519 did:key', 'sender');
  if (!parseDidKey(env.recipient).ok)
    return envelopeMalformed('recipient is not an Ed25519 did:key', 'recipient');
  if (!isValidScope(env.scope))
    return envelopeMalformed('scope must be 1..128 printable ASCII', 'scope');
  if (env.iv.length !== (signedOnly ? 0 : IV_LENGTH))
    return envelopeMalformed('iv has the wrong length for the algorithm', 'iv');
  if (env.kem.length !== a.kem)
    return envelopeMalformed('kem has the wrong length for the algorithm', 'kem');
  if (env.ciphertext.length > maxCiphertext)
    return xlinkErr(
      'PAYLOAD_TOO_LARGE',
      'ciphertext exceeds the maximum payload size',
      'Send less data or raise maxPayloadBytes',
      { field: 'ciphertext' },
    );
  if (!signedOnly && env.ciphertext.length < 17)
    return envelopeMalformed('ciphertext shorter than the AES-GCM tag plus one byte', 'ciphertext');
  if (env.signature.length !== 64)
    return envelopeMalformed('signature must be 64 bytes', 'signature');
  if (env.version === 3) {
    if (!env.pqSignature || env.pqSignature.length !== MLDSA65_SIGNATURE_LENGTH)
      return envelopeMalformed('v3 needs a 3309-byte ML-DSA-65 signature', 'pqSignature');
  } else if (env.pqSignature !== undefined)
    return envelopeMalformed('pqSignature is only allowed in v3', 'pqSignature');
  return ok(env);
}

/** Ciphertext bound for a plaintext limit: payload type byte + GCM tag. */
export function maxCiphertextFor(maxPayloadBytes: number): number {
  return maxPayloadBytes + 1 + 16;
}
