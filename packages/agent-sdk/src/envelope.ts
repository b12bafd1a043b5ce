/**
 * The Xlink envelope: field model, the deterministic binary encoding (which is both the
 * signing input and, base64url'd, the compact form), the JSON transport form
 * (`application/xlink-envelope+json`) and strict parsers for all three.
 *
 * Binary layout (integers big-endian; full spec with vectors in docs/formats.md#agent-sdk):
 *   header  = "XLE" | u8 version | u8 alg | u64 timestamp (ms) | nonce (16)
 *             | u16 len + sender DID | u16 len + recipient DID | u16 len + scope
 *             | u8 len + iv (12, or 0 for signed-only) | u32 len + kem (32, 1120 or 0)
 *   body    = u32 len + ciphertext (AES-256-GCM ciphertext || tag, or the plaintext when signed-only)
 *   sigs    = u16 len + Ed25519 signature (64) [ | u16 len + ML-DSA-65 signature (3309) for v3 ]
 *   signing input = "XLINK-ENVELOPE-SIG-V1" | header | body;  AEAD associated data = header
 *
 * Pitfalls:
 * - Every field (recipient and KEM ciphertext included) is under the signature, so an envelope
 *   cannot be re-targeted, re-scoped, re-timed or downgraded without breaking it.
 * - Headers (DIDs, scope, timestamp, sizes) are cleartext: observers see who talks to whom.
 * - Parsers refuse unknown fields, non-canonical base64url, wrong lengths for the algorithm,
 *   trailing bytes and oversize inputs; they never throw.
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import { MAX_DID_LENGTH, parseDidKey } from './did.js';
import { type XlinkErrorDetail, xlinkErr } from './errors.js';
import { ByteReader, ByteWriter, fromUtf8, utf8 } from './lib/binary.js';
import { base64urlDecode, base64urlEncode } from './lib/codec.js';
import { MLDSA65_SIGNATURE_LENGTH } from './lib/mldsa.js';
import { XWING_CIPHERTEXT_LENGTH } from './lib/xwing.js';

/** Media type of the JSON form. */
export const ENVELOPE_MEDIA_TYPE = 'application/xlink-envelope+json';
/** Default maximum plaintext payload, bytes (1 MiB). */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;
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
const ALG_BY_ID = new Map<number, EnvelopeAlg>(
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

const MAGIC = utf8('XLE');
const SIG_CONTEXT = utf8('XLINK-ENVELOPE-SIG-V1');

/** Fields of the header (what the AEAD authenticates as associated data). */
export type EnvelopeHeader = Pick<
  Envelope,
  'version' | 'alg' | 'sender' | 'recipient' | 'timestamp' | 'nonce' | 'scope' | 'iv' | 'kem'
>;

/**
 * Encodes the header (the AEAD associated data).
 * @param h header fields
 * @returns header bytes
 */
export function encodeEnvelopeHeader(h: EnvelopeHeader): Uint8Array {
  return new ByteWriter(128 + h.kem.length)
    .bytes(MAGIC)
    .u8(h.version)
    .u8(ENVELOPE_ALGS[h.alg].id)
    .u64(h.timestamp)
    .bytes(h.nonce)
    .bytes16(utf8(h.sender))
    .bytes16(utf8(h.recipient))
    .bytes16(utf8(h.scope))
    .u8(h.iv.length)
    .bytes(h.iv)
    .bytes32(h.kem)
    .finish();
}

/**
 * The exact bytes the signature(s) cover: context string, header, length-prefixed ciphertext.
 * @param header encoded header from {@link encodeEnvelopeHeader}
 * @param ciphertext the body
 * @returns signing input
 */
export function envelopeSigningInput(header: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  return new ByteWriter(SIG_CONTEXT.length + header.length + 4 + ciphertext.length)
    .bytes(SIG_CONTEXT)
    .bytes(header)
    .bytes32(ciphertext)
    .finish();
}

/**
 * Full binary encoding (header, body, signatures).
 * @param env an envelope
 * @returns bytes; base64url of these is the compact form
 */
export function encodeEnvelope(env: Envelope): Uint8Array {
  const w = new ByteWriter(256 + env.kem.length + env.ciphertext.length + 3400)
    .bytes(encodeEnvelopeHeader(env))
    .bytes32(env.ciphertext)
    .bytes16(env.signature);
  if (env.version === 3 && env.pqSignature) w.bytes16(env.pqSignature);
  return w.finish();
}

function malformed(message: string, field?: string, subCode = 'MALFORMED') {
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

/** Cross-field validation shared by the binary and JSON parsers. */
function validate(env: Envelope, maxCiphertext: number): Result<Envelope, XlinkErrorDetail> {
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
    return malformed('timestamp must be a non-negative integer (ms)', 'timestamp');
  if (env.nonce.length !== NONCE_LENGTH) return malformed('nonce must be 16 bytes', 'nonce');
  if (!parseDidKey(env.sender).ok) return malformed('sender is not an Ed25519 did:key', 'sender');
  if (!parseDidKey(env.recipient).ok)
    return malformed('recipient is not an Ed25519 did:key', 'recipient');
  if (!isValidScope(env.scope)) return malformed('scope must be 1..128 printable ASCII', 'scope');
  if (env.iv.length !== (signedOnly ? 0 : IV_LENGTH))
    return malformed('iv has the wrong length for the algorithm', 'iv');
  if (env.kem.length !== a.kem)
    return malformed('kem has the wrong length for the algorithm', 'kem');
  if (env.ciphertext.length > maxCiphertext)
    return xlinkErr(
      'PAYLOAD_TOO_LARGE',
      'ciphertext exceeds the maximum payload size',
      'Send less data or raise maxPayloadBytes',
      { field: 'ciphertext' },
    );
  if (!signedOnly && env.ciphertext.length < 17)
    return malformed('ciphertext shorter than the AES-GCM tag plus one byte', 'ciphertext');
  if (env.signature.length !== 64) return malformed('signature must be 64 bytes', 'signature');
  if (env.version === 3) {
    if (!env.pqSignature || env.pqSignature.length !== MLDSA65_SIGNATURE_LENGTH)
      return malformed('v3 needs a 3309-byte ML-DSA-65 signature', 'pqSignature');
  } else if (env.pqSignature !== undefined)
    return malformed('pqSignature is only allowed in v3', 'pqSignature');
  return ok(env);
}

/** Ciphertext bound for a plaintext limit: payload type byte + GCM tag. */
export function maxCiphertextFor(maxPayloadBytes: number): number {
  return maxPayloadBytes + 1 + 16;
}

/**
 * Parses the binary form strictly.
 * @param bytes binary envelope
 * @param maxPayloadBytes plaintext limit (default 1 MiB); larger bodies give PAYLOAD_TOO_LARGE
 * @returns the envelope, or `ENVELOPE_INVALID` (subCodes `BAD_MAGIC`, `MALFORMED`,
 *   `TRAILING_BYTES`), `UNSUPPORTED_VERSION`, `PAYLOAD_TOO_LARGE`
 */
export function decodeEnvelope(
  bytes: Uint8Array,
  maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES,
): Result<Envelope, XlinkErrorDetail> {
  const maxCt = maxCiphertextFor(maxPayloadBytes);
  if (!(bytes instanceof Uint8Array)) return malformed('not bytes');
  if (bytes.length > maxCt + 8192)
    return xlinkErr(
      'PAYLOAD_TOO_LARGE',
      'envelope exceeds the maximum size',
      'Send less data or raise maxPayloadBytes',
    );
  const r = new ByteReader(bytes);
  const magic = r.bytes(3);
  if (!r.ok || magic[0] !== MAGIC[0] || magic[1] !== MAGIC[1] || magic[2] !== MAGIC[2])
    return malformed('not an Xlink envelope (bad magic)', undefined, 'BAD_MAGIC');
  const version = r.u8();
  const algId = r.u8();
  const timestamp = r.u64();
  const nonce = r.bytes(NONCE_LENGTH);
  const sender = fromUtf8(r.bytes16(MAX_DID_LENGTH));
  const recipient = fromUtf8(r.bytes16(MAX_DID_LENGTH));
  const scope = fromUtf8(r.bytes16(MAX_SCOPE_LENGTH));
  const ivLen = r.u8();
  const iv = r.bytes(ivLen);
  const kem = r.bytes32(XWING_CIPHERTEXT_LENGTH);
  const ctLen = r.u32();
  if (r.ok && ctLen > maxCt)
    return xlinkErr(
      'PAYLOAD_TOO_LARGE',
      'ciphertext exceeds the maximum payload size',
      'Send less data or raise maxPayloadBytes',
      { field: 'ciphertext' },
    );
  const ciphertext = r.bytes(ctLen);
  const signature = r.bytes16(64);
  let pqSignature: Uint8Array | undefined;
  if (version === 3) pqSignature = r.bytes16(MLDSA65_SIGNATURE_LENGTH);
  if (!r.ok) return malformed('truncated or oversize field');
  if (!r.done()) return malformed('trailing bytes after the envelope', undefined, 'TRAILING_BYTES');
  if (version !== 1 && version !== 2 && version !== 3)
    return xlinkErr(
      'UNSUPPORTED_VERSION',
      `unknown envelope version ${version}`,
      'Upgrade the receiver or ask the sender for v1-v3',
      { subCode: 'UNKNOWN_VERSION', field: 'version' },
    );
  const alg = ALG_BY_ID.get(algId);
  if (alg === undefined)
    return xlinkErr(
      'UNSUPPORTED_VERSION',
      `unknown algorithm id ${algId}`,
      'Upgrade the receiver',
      { subCode: 'UNKNOWN_ALG', field: 'alg' },
    );
  if (sender === null || recipient === null || scope === null)
    return malformed('text field is not valid UTF-8');
  return validate(
    {
      version,
      alg,
      sender,
      recipient,
      timestamp,
      nonce: nonce.slice(),
      scope,
      iv: iv.slice(),
      kem: kem.slice(),
      ciphertext: ciphertext.slice(),
      signature: signature.slice(),
      ...(pqSignature ? { pqSignature: pqSignature.slice() } : {}),
    },
    maxCt,
  );
}

/**
 * JSON transport form.
 * @param env an envelope
 * @returns a JSON-safe object (`typ` = `application/xlink-envelope+json`)
 */
export function envelopeToJson(env: Envelope): EnvelopeJson {
  const out: EnvelopeJson = {
    typ: ENVELOPE_MEDIA_TYPE,
    version: env.version,
    alg: env.alg,
    sender: env.sender,
    recipient: env.recipient,
    timestamp: env.timestamp,
    nonce: base64urlEncode(env.nonce),
    scope: env.scope,
    iv: base64urlEncode(env.iv),
    kem: base64urlEncode(env.kem),
    ciphertext: base64urlEncode(env.ciphertext),
    signature: base64urlEncode(env.signature),
  };
  if (env.pqSignature) out.pqSignature = base64urlEncode(env.pqSignature);
  return out;
}

const JSON_FIELDS = new Set([
  'typ',
  'version',
  'alg',
  'sender',
  'recipient',
  'timestamp',
  'nonce',
  'scope',
  'iv',
  'kem',
  'ciphertext',
  'signature',
  'pqSignature',
]);

/**
 * Parses the JSON form strictly (object or JSON text).
 * @param input object or text
 * @param maxPayloadBytes plaintext limit (default 1 MiB)
 * @returns the envelope or `ENVELOPE_INVALID` / `UNSUPPORTED_VERSION` / `PAYLOAD_TOO_LARGE`
 */
export function envelopeFromJson(
  input: unknown,
  maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES,
): Result<Envelope, XlinkErrorDetail> {
  const maxCt = maxCiphertextFor(maxPayloadBytes);
  let o: unknown = input;
  if (typeof input === 'string') {
    if (input.length > Math.ceil((maxCt * 4) / 3) + 16384)
      return xlinkErr(
        'PAYLOAD_TOO_LARGE',
        'envelope exceeds the maximum size',
        'Send less data or raise maxPayloadBytes',
      );
    try {
      o = JSON.parse(input);
    } catch {
      return malformed('not JSON');
    }
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return malformed('not an object');
  // Plain objects only: fields are read as r.x, which would follow a crafted prototype chain.
  const proto = Object.getPrototypeOf(o);
  if (proto !== Object.prototype && proto !== null) return malformed('not a plain object');
  const r = o as Record<string, unknown>;
  for (const k of Object.keys(r))
    if (!JSON_FIELDS.has(k)) return malformed(`unknown field ${k}`, k);
  if (r.typ !== ENVELOPE_MEDIA_TYPE) return malformed(`typ must be ${ENVELOPE_MEDIA_TYPE}`, 'typ');
  if (r.version !== 1 && r.version !== 2 && r.version !== 3)
    return xlinkErr(
      'UNSUPPORTED_VERSION',
      'unknown envelope version',
      'Upgrade the receiver or ask the sender for v1-v3',
      { subCode: 'UNKNOWN_VERSION', field: 'version' },
    );
  if (typeof r.alg !== 'string' || !Object.hasOwn(ENVELOPE_ALGS, r.alg))
    return xlinkErr('UNSUPPORTED_VERSION', 'unknown algorithm', 'Upgrade the receiver', {
      subCode: 'UNKNOWN_ALG',
      field: 'alg',
    });
  for (const k of ['sender', 'recipient', 'scope'] as const)
    if (typeof r[k] !== 'string') return malformed(`${k} must be a string`, k);
  if (typeof r.timestamp !== 'number') return malformed('timestamp must be a number', 'timestamp');
  const b = (k: string, max: number): Uint8Array | null =>
    typeof r[k] === 'string' ? base64urlDecode(r[k] as string, max) : null;
  const nonce = b('nonce', NONCE_LENGTH);
  const iv = b('iv', IV_LENGTH);
  const kem = b('kem', XWING_CIPHERTEXT_LENGTH);
  const signature = b('signature', 64);
  if (!nonce) return malformed('nonce is not base64url of 16 bytes', 'nonce');
  if (!iv) return malformed('iv is not base64url', 'iv');
  if (!kem) return malformed('kem is not base64url', 'kem');
  if (!signature) return malformed('signature is not base64url', 'signature');
  if (typeof r.ciphertext !== 'string') return malformed('ciphertext missing', 'ciphertext');
  const ciphertext = base64urlDecode(r.ciphertext, maxCt);
  if (!ciphertext) {
    if (r.ciphertext.length > Math.ceil((maxCt * 4) / 3))
      return xlinkErr(
        'PAYLOAD_TOO_LARGE',
        'ciphertext exceeds the maximum payload size',
        'Send less data or raise maxPayloadBytes',
        { field: 'ciphertext' },
      );
    return malformed('ciphertext is not base64url', 'ciphertext');
  }
  let pqSignature: Uint8Array | undefined;
  if (r.pqSignature !== undefined) {
    const pq = b('pqSignature', MLDSA65_SIGNATURE_LENGTH);
    if (!pq) return malformed('pqSignature is not base64url', 'pqSignature');
    pqSignature = pq;
  }
  return validate(
    {
      version: r.version,
      alg: r.alg as EnvelopeAlg,
      sender: r.sender as string,
      recipient: r.recipient as string,
      timestamp: r.timestamp,
      nonce,
      scope: r.scope as string,
      iv,
      kem,
      ciphertext,
      signature,
      ...(pqSignature ? { pqSignature } : {}),
    },
    maxCt,
  );
}

/**
 * Compact form: base64url (no padding) of the binary encoding, for CLIs and headers.
 * @param env an envelope
 * @returns compact text
 */
export function envelopeToCompact(env: Envelope): string {
  return base64urlEncode(encodeEnvelope(env));
}

/**
 * Parses the compact form.
 * @param text compact text
 * @param maxPayloadBytes plaintext limit (default 1 MiB)
 * @returns the envelope or an envelope error (see {@link decodeEnvelope})
 */
export function envelopeFromCompact(
  text: string,
  maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES,
): Result<Envelope, XlinkErrorDetail> {
  const bytes = base64urlDecode(text, maxCiphertextFor(maxPayloadBytes) + 8192);
  if (bytes === null) {
    if (
      typeof text === 'string' &&
      text.length > ((maxCiphertextFor(maxPayloadBytes) + 8192) * 4) / 3
    )
      return xlinkErr(
        'PAYLOAD_TOO_LARGE',
        'envelope exceeds the maximum size',
        'Send less data or raise maxPayloadBytes',
      );
    return malformed('compact envelope is not base64url');
  }
  return decodeEnvelope(bytes, maxPayloadBytes);
}

/**
 * Accepts any of the three forms (or an already parsed `Envelope`-shaped JSON object): JSON
 * object, JSON text (starts with `{`), compact text, or binary bytes.
 * @param input the envelope in any form
 * @param maxPayloadBytes plaintext limit
 * @returns the parsed envelope or an envelope error
 */
export function parseEnvelope(
  input: unknown,
  maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES,
): Result<Envelope, XlinkErrorDetail> {
  if (input instanceof Uint8Array) return decodeEnvelope(input, maxPayloadBytes);
  if (typeof input === 'string') {
    const t = input.trimStart();
    return t.startsWith('{')
      ? envelopeFromJson(input, maxPayloadBytes)
      : envelopeFromCompact(input, maxPayloadBytes);
  }
  return envelopeFromJson(input, maxPayloadBytes);
}
