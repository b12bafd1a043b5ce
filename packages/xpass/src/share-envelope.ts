/**
 * The xpass share envelope: one agent's 2-of-2 share of an epoch's connection secret, signed by
 * the billing server for that agent. Spec with vectors: docs/formats.md#xpass ("Share envelope").
 *
 *   off size field
 *     0   66 xorida IDA5 share, product type 0x0042: magic "IDA5", version 1, type 0x0042,
 *            index (0 = lower DID, 1 = higher DID), n = 2, k = 2, split uuid (16),
 *            L = 32, payload length 32, payload (32)
 *    66    1 envelope version (1)
 *    67    4 epoch (uint32 BE)
 *    71    4 epoch length, seconds (uint32 BE)
 *    75    4 overlap, seconds (uint32 BE)
 *    79   32 connectionId
 *   111   32 commitment = HMAC-SHA256(commitKey, "xpass/commitment/v1" || connectionId || epoch || uuid)
 *   143   64 Ed25519 signature of the billing server over
 *            "xpass/share/v1" || 0x00 || u16be(len recipientDid) || recipientDid || bytes[0..143)
 *   207      end (fixed size; anything else is rejected)
 *
 * Two independent integrity checks, neither keyed by anything that travels with the share:
 * - the holder verifies the server's signature (`verifyShareSignature`) with the server's public
 *   key and its own DID, so a forged, altered or re-targeted share is refused on receipt;
 * - after reconstruction the commitment, keyed by a key derived from the recovered secret, must
 *   match (`reconstructSecret`), so shares of different connections, epochs or splits never
 *   combine silently, even if their headers were edited to agree.
 *
 * Pitfall: decoding does not verify the signature (the decoder does not know the server key or
 * the recipient); call `verifyShareSignature` on every share that crosses a trust boundary.
 *
 * @module
 */

import { backend } from '@xorida/agent-sdk/crypto';
import {
  base45Decode,
  base45Encode,
  bytesToHex,
  concatBytes,
  decodeShare,
  encodeShare,
  equalBytes,
  hexToBytes,
  ok,
  type Result,
  type Share,
  utf8ToBytes,
} from 'xorida';
import { checkDid } from './connection-id.js';
import { type XpassError, xpassErr } from './errors.js';

/** IDA5 product type of xpass shares. */
export const PRODUCT_TYPE_XPASS = 0x0042;
/** Envelope version this library writes and reads. */
export const SHARE_ENVELOPE_VERSION = 1;
/** Connection secret length in bytes (256 bits). */
export const CONNECTION_SECRET_LENGTH = 32;
/** Encoded envelope length in bytes. */
export const SHARE_ENVELOPE_LENGTH = 207;
/** Offset of the signature; the bytes before it are the signed body. */
export const SIGNED_BODY_LENGTH = 143;

const IDA5_LENGTH = 66;
const SIGN_DOMAIN = utf8ToBytes('xpass/share/v1\u0000');
const COMMIT_LABEL = utf8ToBytes('xpass/commitment/v1');
const EPOCH_KEYS_LABEL = utf8ToBytes('xpass/epoch-keys/v1');

/** One decoded, structurally valid share envelope. All fields are public except `share.payload`. */
export interface XpassShare {
  /** 0 for the lexicographically lower DID of the connection, 1 for the higher. */
  readonly index: 0 | 1;
  /** Connection id, 64 lowercase hex chars. */
  readonly connectionId: string;
  /** Epoch number (uint32). */
  readonly epoch: number;
  /** Epoch length in ms (whole seconds). */
  readonly epochMs: number;
  /** Overlap in ms (whole seconds). */
  readonly overlapMs: number;
  /** The 16-byte uuid linking the two shares of one split. */
  readonly splitId: Uint8Array;
  /** 32-byte commitment checked after reconstruction. */
  readonly commitment: Uint8Array;
  /** 64-byte Ed25519 signature of the billing server. */
  readonly signature: Uint8Array;
  /** The xorida share inside (n = k = 2, 32-byte secret). */
  readonly share: Share;
  /** The exact 207-byte encoding. */
  readonly bytes: Uint8Array;
}

function invalid(subCode: string, message: string, field?: string): Result<never, XpassError> {
  return xpassErr('SHARE_INVALID', message, field === undefined ? { subCode } : { subCode, field });
}

/**
 * Decodes a 207-byte share envelope strictly. Never throws; the result owns copies of the bytes.
 * @param bytes the encoding
 * @returns the share, or `SHARE_INVALID` with sub-code `BAD_TYPE`, `TRUNCATED`, `TRAILING_BYTES`,
 *   `BAD_IDA5` (the inner xorida share failed to decode; its sub-code is in the message),
 *   `BAD_PRODUCT_TYPE`, `BAD_PARAMETERS` (n, k or length), `UNSUPPORTED_VERSION` or `BAD_EPOCH_TIMING`
 */
export function decodeShareEnvelope(bytes: Uint8Array): Result<XpassShare, XpassError> {
  if (!(bytes instanceof Uint8Array))
    return invalid('BAD_TYPE', 'share envelope must be a Uint8Array');
  if (bytes.length < SHARE_ENVELOPE_LENGTH)
    return invalid(
      'TRUNCATED',
      `share envelope is ${bytes.length} bytes, expected ${SHARE_ENVELOPE_LENGTH}`,
    );
  if (bytes.length > SHARE_ENVELOPE_LENGTH)
    return invalid(
      'TRAILING_BYTES',
      `share envelope is ${bytes.length} bytes, expected ${SHARE_ENVELOPE_LENGTH}`,
    );
  const own = bytes.slice();
  const inner = decodeShare(own.subarray(0, IDA5_LENGTH));
  if (!inner.ok)
    return invalid(
      'BAD_IDA5',
      `inner IDA5 share: ${inner.error.subCode ?? inner.error.code}: ${inner.error.message}`,
    );
  const s = inner.value;
  if (s.productType !== PRODUCT_TYPE_XPASS)
    return invalid(
      'BAD_PRODUCT_TYPE',
      `product type 0x${s.productType.toString(16).padStart(4, '0')} is not 0x0042`,
      'productType',
    );
  if (s.n !== 2 || s.k !== 2 || s.originalLength !== CONNECTION_SECRET_LENGTH)
    return invalid('BAD_PARAMETERS', 'xpass shares are 2-of-2 splits of a 32-byte secret', 'n');
  const v = new DataView(own.buffer, own.byteOffset, own.byteLength);
  const version = v.getUint8(66);
  if (version !== SHARE_ENVELOPE_VERSION)
    return invalid(
      'UNSUPPORTED_VERSION',
      `envelope version ${version} is not supported`,
      'version',
    );
  const epoch = v.getUint32(67);
  const epochSeconds = v.getUint32(71);
  const overlapSeconds = v.getUint32(75);
  if (epochSeconds < 1 || overlapSeconds * 2 >= epochSeconds)
    return invalid(
      'BAD_EPOCH_TIMING',
      'epoch length must be >= 1 s and overlap below half of it',
      'epochSeconds',
    );
  const { productType: _p, ...share } = s;
  return ok({
    index: s.index as 0 | 1,
    connectionId: bytesToHex(own.subarray(79, 111)),
    epoch,
    epochMs: epochSeconds * 1000,
    overlapMs: overlapSeconds * 1000,
    splitId: s.groupId,
    commitment: own.slice(111, 143),
    signature: own.slice(143, 207),
    share,
    bytes: own,
  });
}

/**
 * Encodes a share envelope (returns a copy of `share.bytes`, re-checked).
 * @returns the 207 bytes, or `SHARE_INVALID` when `share` is not a decoded envelope
 */
export function encodeShareEnvelope(share: XpassShare): Result<Uint8Array, XpassError> {
  const d = decodeShareEnvelope(share?.bytes);
  return d.ok ? ok(d.value.bytes) : d;
}

/**
 * Base45 (RFC 9285) text of an envelope, the transport form of the original design.
 * @returns the text (311 characters)
 */
export function shareEnvelopeToBase45(share: XpassShare): string {
  return base45Encode(share.bytes);
}

/**
 * Decodes a share envelope from Base45 text.
 * @returns the share, `SHARE_INVALID:BAD_BASE45`, or the errors of {@link decodeShareEnvelope}
 */
export function shareEnvelopeFromBase45(text: string): Result<XpassShare, XpassError> {
  if (typeof text !== 'string' || text.length > 400)
    return invalid('BAD_BASE45', 'share text must be a string of at most 400 characters');
  const b = base45Decode(text);
  if (!b.ok) return invalid('BAD_BASE45', b.error.message);
  return decodeShareEnvelope(b.value);
}

/**
 * The bytes the billing server signs for `recipientDid`.
 * @param body the first 143 bytes of the envelope
 * @param recipientDid the DID the share is issued to
 */
export function shareSigningInput(body: Uint8Array, recipientDid: string): Uint8Array {
  const did = utf8ToBytes(recipientDid);
  return concatBytes(
    SIGN_DOMAIN,
    new Uint8Array([did.length >>> 8, did.length & 0xff]),
    did,
    body.subarray(0, SIGNED_BODY_LENGTH),
  );
}

/** Keys derived from one epoch's connection secret. */
export interface EpochKeys {
  /** 32-byte HMAC key of the commitment. */
  readonly commitKey: Uint8Array;
  /** 32-byte AES-256-GCM key of the messages. */
  readonly messageKey: Uint8Array;
}

/**
 * `HKDF-SHA256(ikm = secret, salt = connectionId, info = "xpass/epoch-keys/v1" || u32be(epoch), 64)`,
 * split into commitKey || messageKey (docs/formats.md#xpass).
 */
export function deriveEpochKeys(
  secret: Uint8Array,
  connectionId: Uint8Array,
  epoch: number,
): EpochKeys {
  // HKDF copies `info` before it returns: one module buffer serves every call
  putU32(EPOCH_INFO, EPOCH_KEYS_LABEL.length, epoch);
  const okm = backend.hkdfSha256(secret, connectionId, EPOCH_INFO, 64);
  return { commitKey: okm.subarray(0, 32), messageKey: okm.subarray(32, 64) };
}
/**
 * The commitment of a split: `HMAC-SHA256(commitKey, "xpass/commitment/v1" || connectionId || u32be(epoch) || splitId)`.
 */
export function computeCommitment(
  commitKey: Uint8Array,
  connectionId: Uint8Array,
  epoch: number,
  splitId: Uint8Array,
): Uint8Array {
  // public bytes only, consumed before the HMAC returns: one module buffer serves every call
  // (a fresh 71-byte array per call is an off-heap allocation on the cold decrypt path)
  const exact = connectionId.length === 32 && splitId.length === 16;
  const msg = exact ? COMMIT_INPUT : new Uint8Array(COMMIT_INPUT.length);
  msg.set(COMMIT_LABEL, 0);
  msg.set(connectionId, COMMIT_LABEL.length);
  putU32(msg, COMMIT_LABEL.length + 32, epoch);
  msg.set(splitId, COMMIT_LABEL.length + 36);
  return backend.hmacSha256(commitKey, msg);
}

/** `info` of {@link deriveEpochKeys}: label, then the epoch written per call. */
const EPOCH_INFO = new Uint8Array(EPOCH_KEYS_LABEL.length + 4);
EPOCH_INFO.set(EPOCH_KEYS_LABEL, 0);
/** Input of {@link computeCommitment}, written per call. */
const COMMIT_INPUT = new Uint8Array(COMMIT_LABEL.length + 32 + 4 + 16);

function putU32(buf: Uint8Array, at: number, v: number): void {
  buf[at] = v >>> 24;
  buf[at + 1] = (v >>> 16) & 0xff;
  buf[at + 2] = (v >>> 8) & 0xff;
  buf[at + 3] = v & 0xff;
}

/** Everything the billing server puts into the envelopes of one split. */
export interface ShareEnvelopeFields {
  readonly share: Share;
  readonly connectionId: string;
  readonly epoch: number;
  readonly epochMs: number;
  readonly overlapMs: number;
  readonly commitment: Uint8Array;
}

/**
 * Builds and signs one envelope (billing-server side).
 * @param fields the share and its metadata
 * @param recipientDid the DID this share is issued to
 * @param sign Ed25519 signing function of the billing server (64-byte signature)
 * @returns the decoded envelope, or `SPLIT_FAILED` when the share does not encode
 */
export function sealShareEnvelope(
  fields: ShareEnvelopeFields,
  recipientDid: string,
  sign: (message: Uint8Array) => Uint8Array,
): Result<XpassShare, XpassError> {
  const ida5 = encodeShare(fields.share, { productType: PRODUCT_TYPE_XPASS });
  if (!ida5.ok || ida5.value.length !== IDA5_LENGTH)
    return xpassErr('SPLIT_FAILED', 'the share does not encode as a 2-of-2 32-byte IDA5 share');
  const out = new Uint8Array(SHARE_ENVELOPE_LENGTH);
  const v = new DataView(out.buffer);
  out.set(ida5.value, 0);
  v.setUint8(66, SHARE_ENVELOPE_VERSION);
  v.setUint32(67, fields.epoch);
  v.setUint32(71, fields.epochMs / 1000);
  v.setUint32(75, fields.overlapMs / 1000);
  out.set(hexToBytes(fields.connectionId), 79);
  out.set(fields.commitment, 111);
  out.set(sign(shareSigningInput(out, recipientDid)), 143);
  return decodeShareEnvelope(out);
}

/**
 * Verifies the billing server's signature on a share for `recipientDid` (done by the holder on
 * receipt, and by a peer on the share it receives from the other agent).
 * @param share a decoded envelope
 * @param serverPublicKey the billing server's 32-byte Ed25519 public key
 * @param recipientDid the DID the share must have been issued to
 * @returns `ok(share)` or `HMAC_VERIFICATION_FAILED` (sub-code `SIGNATURE_INVALID`,
 *   `metadata.shareIndex`), or `INVALID_INPUT` (bad DID or key)
 */
export function verifyShareSignature(
  share: XpassShare,
  serverPublicKey: Uint8Array,
  recipientDid: string,
): Result<XpassShare, XpassError> {
  const d = checkDid(recipientDid, 'recipientDid');
  if (!d.ok) return d;
  if (!(serverPublicKey instanceof Uint8Array) || serverPublicKey.length !== 32)
    return xpassErr('INVALID_INPUT', 'serverPublicKey must be 32 bytes', {
      field: 'serverPublicKey',
    });
  if (!(share?.bytes instanceof Uint8Array) || share.bytes.length !== SHARE_ENVELOPE_LENGTH)
    return invalid('BAD_TYPE', 'not a decoded share envelope');
  const good = backend.ed25519Verify(
    serverPublicKey,
    shareSigningInput(share.bytes, recipientDid),
    share.bytes.subarray(SIGNED_BODY_LENGTH),
  );
  if (!good)
    return xpassErr(
      'HMAC_VERIFICATION_FAILED',
      `share ${share.index} is not signed by the billing server for ${recipientDid}`,
      {
        subCode: 'SIGNATURE_INVALID',
        metadata: { shareIndex: share.index },
      },
    );
  return ok(share);
}

/** Constant-time comparison of two equal-length tags (xorida's `equalBytes`). */
export function tagsEqual(a: Uint8Array, b: Uint8Array): boolean {
  return equalBytes(a, b);
}
