/**
 * The envelope's deterministic binary encoding, which is both the signing input and, base64url'd,
 * the compact form; with its strict parser.
 *
 * Binary layout (integers big-endian; full spec with vectors in docs/formats.md#agent-sdk):
 *   header  = "XLE" | u8 version | u8 alg | u64 timestamp (ms) | nonce (16)
 *             | u16 len + sender DID | u16 len + recipient DID | u16 len + scope
 *             | u8 len + iv (12, or 0 for signed-only) | u32 len + kem (32, 1120 or 0)
 *   body    = u32 len + ciphertext (AES-256-GCM ciphertext || tag, or the plaintext when signed-only)
 *   sigs    = u16 len + Ed25519 signature (64) [ | u16 len + ML-DSA-65 signature (3309) for v3 ]
 *   signing input = "XLINK-ENVELOPE-SIG-V1" | header | body
 *   AEAD associated data = header with its timestamp field zeroed (the sender stamps the header
 *   after encryption; the signatures cover the timestamp)
 *
 * @module
 */
import type { Result } from 'xorida';
import { MAX_DID_LENGTH } from './did.js';
import {
  ALG_BY_ID,
  DEFAULT_MAX_PAYLOAD_BYTES,
  ENVELOPE_ALGS,
  type Envelope,
  type EnvelopeHeader,
  MAX_SCOPE_LENGTH,
  envelopeMalformed as malformed,
  maxCiphertextFor,
  NONCE_LENGTH,
  validateEnvelope as validate,
} from './envelope-model.js';
import { type XlinkErrorDetail, xlinkErr } from './errors.js';
import { ByteReader, ByteWriter, fromUtf8, utf8 } from './lib/binary.js';
import { base64urlDecode, base64urlEncode } from './lib/codec.js';
import { MLDSA65_SIGNATURE_LENGTH } from './lib/mldsa.js';
import { XWING_CIPHERTEXT_LENGTH } from './lib/xwing.js';

const MAGIC = utf8('XLE');
const SIG_CONTEXT = utf8('XLINK-ENVELOPE-SIG-V1');

/**
 * Encodes the header (with the timestamp zeroed, it is the AEAD associated data).
 * @param h header fields
 * @returns header bytes
 */
export function encodeEnvelopeHeader(h: EnvelopeHeader): Uint8Array {
  return new ByteWriter(headerLength(h))
    .bytes(MAGIC)
    .u8(h.version)
    .u8(ENVELOPE_ALGS[h.alg].id)
    .u64(h.timestamp)
    .bytes(h.nonce)
    .text16(h.sender)
    .text16(h.recipient)
    .text16(h.scope)
    .u8(h.iv.length)
    .bytes(h.iv)
    .bytes32(h.kem)
    .finish();
}

/** Byte offset of the u64 timestamp in the encoded header: after "XLE", version and alg id. */
const TIMESTAMP_OFFSET = MAGIC.length + 2;

/**
 * The AEAD associated data of an envelope: its encoded header with the 8 timestamp bytes set to
 * zero (docs/formats.md#envelope). The timestamp stays out of the AEAD so that the sender can
 * take it after encryption: a slow encryption then does not age the message (issue 14). It is
 * still authenticated, by the signature(s), which cover the whole header.
 * @param header encoded header from {@link encodeEnvelopeHeader}
 * @returns a new buffer of `header.length` bytes
 */
export function envelopeAad(header: Uint8Array): Uint8Array {
  const aad = header.slice();
  aad.fill(0, TIMESTAMP_OFFSET, TIMESTAMP_OFFSET + 8);
  return aad;
}

/** Header length for ASCII strings and a 16-byte nonce (the writer grows for anything else). */
function headerLength(h: Pick<EnvelopeHeader, 'sender' | 'recipient' | 'scope' | 'iv' | 'kem'>) {
  const fixed = MAGIC.length + 1 + 1 + 8 + NONCE_LENGTH + 2 + 2 + 2 + 1 + 4;
  return fixed + h.sender.length + h.recipient.length + h.scope.length + h.iv.length + h.kem.length;
}

/**
 * Free bytes the sealer and the JSON parser leave in front of a ciphertext they allocate, so
 * that its signing input can be built around it without copying it (the largest v3 header with
 * the context string and length is about 1.5 KB; a larger one falls back to a copy). Callers
 * that know the header reserve {@link signingPrefixLength} instead: a 2 KB zero-filled buffer
 * per small envelope cost more than the copy it saves (issue 15).
 */
export const SIGNING_HEADROOM = 2048;

/**
 * Length of the bytes {@link envelopeSigningInput} writes in front of the ciphertext (context
 * string, header, u32 length), counting each DID and the scope as one byte per UTF-16 unit:
 * exact for the ASCII every valid envelope has; a longer (non-ASCII) header gets a copy.
 * @param h the header's variable-length fields (sender, recipient, scope, iv, kem)
 * @returns bytes
 */
export function signingPrefixLength(
  h: Pick<EnvelopeHeader, 'sender' | 'recipient' | 'scope' | 'iv' | 'kem'>,
): number {
  return SIG_CONTEXT.length + headerLength(h) + 4;
}

/** Ciphertexts whose buffer this package allocated with free room in front of them. */
const roomy = new WeakSet<Uint8Array>();

/**
 * Marks a ciphertext whose buffer this package allocated, nothing else viewing it, with its
 * `byteOffset` bytes in front free: {@link envelopeSigningInput} may then write the prefix there
 * (when it fits) and the receiver may decrypt in place.
 * @param ciphertext a view returned by `aes256GcmSeal(..., headroom)` or
 *   `base64urlDecode(..., headroom)` with a headroom of at least 1
 * @returns `ciphertext`
 */
export function withSigningRoom(ciphertext: Uint8Array): Uint8Array {
  if (ciphertext.byteOffset > 0) roomy.add(ciphertext);
  return ciphertext;
}

/**
 * True for a ciphertext marked by `withSigningRoom` (this module): its buffer belongs to this package,
 * so the receiver may decrypt it in place once its signature has been checked.
 * @param ciphertext an envelope's ciphertext
 * @returns whether it is such a ciphertext
 */
export function ownsCiphertext(ciphertext: Uint8Array): boolean {
  return roomy.has(ciphertext);
}

/**
 * The exact bytes the signature(s) cover: context string, header, length-prefixed ciphertext.
 * For a ciphertext marked by `withSigningRoom` (this module) the prefix is written in front of it and
 * the result is a view over its buffer: no full-size copy, and valid until the next call for
 * the same ciphertext.
 * @param header encoded header from {@link encodeEnvelopeHeader}
 * @param ciphertext the body
 * @returns signing input
 */
export function envelopeSigningInput(header: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  return signingInputOf(header, ciphertext, roomy.has(ciphertext));
}

/**
 * @internal {@link envelopeSigningInput} for a body the signer allocated itself (seal.ts
 * `withRoomFor`): the bytes in front of it are free without a `withSigningRoom` mark.
 * @param header encoded header
 * @param body the body, `byteOffset` free bytes in front of it
 * @returns signing input
 */
export function signingInputOver(header: Uint8Array, body: Uint8Array): Uint8Array {
  return signingInputOf(header, body, true);
}

function signingInputOf(header: Uint8Array, ciphertext: Uint8Array, owned: boolean): Uint8Array {
  const prefix = SIG_CONTEXT.length + header.length + 4;
  if (!owned || prefix > ciphertext.byteOffset)
    return new ByteWriter(prefix + ciphertext.length)
      .bytes(SIG_CONTEXT)
      .bytes(header)
      .bytes32(ciphertext)
      .finish();
  const start = ciphertext.byteOffset - prefix;
  const input = new Uint8Array(ciphertext.buffer, start, prefix + ciphertext.length);
  input.set(SIG_CONTEXT, 0);
  input.set(header, SIG_CONTEXT.length);
  new DataView(ciphertext.buffer, start).setUint32(prefix - 4, ciphertext.length);
  return input;
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
