/**
 * Xchange part bodies, version 2 (docs/formats.md#xchange-parts), and the group statement that
 * ONE Ed25519 signature per message covers (issue 15). xchange.ts documents the design; this
 * module holds the byte layouts and the checks a receiver runs on every part.
 *
 *   part body   = "XLXC" | u8 version (2) | b16 IDA5 key share (product type 0x0001, L = 32)
 *                 | iv (12) | n x 32-byte part digests | b32 AES-256-GCM ciphertext || tag
 *   part digest = SHA-256("XLINK-XCHANGE-PART-V2" | envelope nonce (16) | b16 IDA5 key share)
 *   statement   = "XLINK-XCHANGE-STATEMENT-V2" | b16 sender DID | b16 recipient DID | b16 scope
 *                 | groupId (16) | u8 k | u8 n | u64 timestamp | iv (12)
 *                 | SHA-256(ciphertext || tag) | n x 32-byte part digests
 *   signature   = Ed25519(sender key, statement), in the envelope's `signature` field
 *
 * The statement is never sent: both sides build it from the envelope header (sender, recipient,
 * scope, timestamp), the key share (groupId, k, n) and the part body (iv, digests, ciphertext),
 * so every field a receiver acts on is one the signature covers.
 *
 * @module
 */
import { type DecodedShare, decodeShare, ok, type Result } from 'xorida';
import { backend } from '#crypto';
import { parseDidKey } from './did.js';
import {
  type Envelope,
  IV_LENGTH,
  isValidScope,
  NONCE_LENGTH,
  SIGNED_ONLY_ALG,
} from './envelope.js';
import { type XlinkErrorDetail, xlinkErr } from './errors.js';
import type { AgentIdentity } from './identity.js';
import { ByteReader, ByteWriter, bytesEqual, utf8 } from './lib/binary.js';
import { SPLIT_CHANNEL_PRODUCT_TYPE } from './split-channel/share-record.js';

const MAGIC = utf8('XLXC');
/** Version of the Xchange part body (1 was one signature per part; no longer accepted). */
export const XCHANGE_PART_VERSION = 2;
const STATEMENT_CONTEXT = utf8('XLINK-XCHANGE-STATEMENT-V2');
const PART_DIGEST_CONTEXT = utf8('XLINK-XCHANGE-PART-V2');
const DIGEST_LENGTH = 32;
/** Largest IDA5 key share accepted in a part (34-byte header + padded 32-byte key). */
const MAX_KEY_SHARE = 34 + 512;
/** Largest signed-only body (createSignedEnvelope's limit). */
const MAX_BODY = 1024 * 1024;
const EMPTY = new Uint8Array(0);

/** A decoded Xchange part body. */
export interface XchangePart {
  readonly share: DecodedShare;
  /** The IDA5 encoding of `share` as carried (the part digest covers these bytes). */
  readonly shareBytes: Uint8Array;
  readonly iv: Uint8Array;
  /** n part digests, entry i for the part holding key share i. */
  readonly digests: readonly Uint8Array[];
  readonly ciphertext: Uint8Array;
}

/**
 * True when a signed-only envelope body is an Xchange part (starts with "XLXC").
 * @param body the envelope body (cleartext)
 */
export function isXchangePart(body: Uint8Array): boolean {
  return (
    body.length >= 5 &&
    body[0] === MAGIC[0] &&
    body[1] === MAGIC[1] &&
    body[2] === MAGIC[2] &&
    body[3] === MAGIC[3]
  );
}

/**
 * The digest of one part's own data (see module doc). Hiding towards other channels: it covers
 * this part's random 16-byte nonce, which only travels with this part.
 * @param nonce the part's 16-byte envelope nonce
 * @param shareBytes the part's IDA5-encoded key share
 * @returns 32 bytes
 */
export function xchangePartDigest(nonce: Uint8Array, shareBytes: Uint8Array): Uint8Array {
  const len = new Uint8Array([shareBytes.length >>> 8, shareBytes.length & 0xff]);
  return backend.sha256Parts([PART_DIGEST_CONTEXT, nonce, len, shareBytes]);
}

/** The fields of a group statement (see module doc). */
export interface XchangeStatementFields {
  readonly sender: string;
  readonly recipient: string;
  readonly scope: string;
  readonly groupId: Uint8Array;
  readonly k: number;
  readonly n: number;
  /** ms since the epoch (every part carries the same). */
  readonly timestamp: number;
  readonly iv: Uint8Array;
  /** SHA-256 of the common ciphertext || tag. */
  readonly ciphertextHash: Uint8Array;
  readonly digests: readonly Uint8Array[];
}

/**
 * Encodes the group statement, the Ed25519 signing input of every part of one message.
 * @param f sender, recipient, scope, groupId, k, n, timestamp (ms), iv, ciphertext hash, digests
 * @returns the statement bytes
 */
export function xchangeStatement(f: XchangeStatementFields): Uint8Array {
  const w = new ByteWriter(
    STATEMENT_CONTEXT.length + 6 + f.sender.length + f.recipient.length + f.scope.length + 70,
  )
    .bytes(STATEMENT_CONTEXT)
    .text16(f.sender)
    .text16(f.recipient)
    .text16(f.scope)
    .bytes(f.groupId)
    .u8(f.k)
    .u8(f.n)
    .u64(f.timestamp)
    .bytes(f.iv)
    .bytes(f.ciphertextHash);
  for (const d of f.digests) w.bytes(d);
  return w.finish();
}

/**
 * Encodes one part body.
 * @param shareBytes IDA5-encoded key share
 * @param iv 12-byte AES-GCM IV
 * @param digests the n part digests
 * @param ciphertext AES-GCM ciphertext || tag
 * @returns the part body
 */
export function encodeXchangePart(
  shareBytes: Uint8Array,
  iv: Uint8Array,
  digests: readonly Uint8Array[],
  ciphertext: Uint8Array,
): Uint8Array {
  const length =
    MAGIC.length + 3 + shareBytes.length + iv.length + digests.length * 32 + 4 + ciphertext.length;
  const w = new ByteWriter(length).bytes(MAGIC).u8(XCHANGE_PART_VERSION).bytes16(shareBytes);
  w.bytes(iv);
  for (const d of digests) w.bytes(d);
  return w.bytes32(ciphertext).finish();
}

/**
 * Decodes one part body strictly.
 * @param body signed-only envelope body
 * @param maxCiphertext largest accepted ciphertext, bytes
 * @returns the part, or `INCONSISTENT_SHARES` subCode `MALFORMED_SHARE` (also for a version 1
 *   part)
 */
export function decodeXchangePart(
  body: Uint8Array,
  maxCiphertext: number,
): Result<XchangePart, XlinkErrorDetail> {
  const bad = (message: string) =>
    xlinkErr('INCONSISTENT_SHARES', message, 'The sender produced an invalid Xchange part', {
      subCode: 'MALFORMED_SHARE',
      field: 'share',
    });
  if (!isXchangePart(body)) return bad('not an Xchange part');
  const r = new ByteReader(body);
  r.bytes(4);
  const version = r.u8();
  if (version !== XCHANGE_PART_VERSION) return bad(`unknown Xchange part version ${version}`);
  const shareBytes = r.bytes16(MAX_KEY_SHARE);
  const share = decodeShare(shareBytes);
  if (!share.ok)
    return bad(`key share does not decode: ${share.error.code}:${share.error.subCode}`);
  const s = share.value;
  if (s.productType !== SPLIT_CHANNEL_PRODUCT_TYPE || s.originalLength !== 32)
    return bad('key share must have product type 0x0001 and a 32-byte secret');
  if (s.index >= s.n) return bad('key share index out of range');
  const iv = r.bytes(IV_LENGTH);
  const digests: Uint8Array[] = [];
  for (let i = 0; i < s.n; i++) digests.push(r.bytes(DIGEST_LENGTH).slice());
  const ciphertext = r.bytes32(maxCiphertext);
  if (!r.done()) return bad('truncated, oversize or trailing bytes in the Xchange part');
  if (ciphertext.length < 17) return bad('ciphertext shorter than the GCM tag plus one byte');
  return ok({
    share: s,
    shareBytes: shareBytes.slice(),
    iv: iv.slice(),
    digests,
    ciphertext: ciphertext.slice(),
  });
}

/** Inputs of {@link buildXchangeParts}. */
export interface XchangePartsInput {
  readonly identity: AgentIdentity;
  readonly recipientDid: string;
  readonly scope: string;
  /** IDA5-encoded key shares, in index order (share i goes into part i). */
  readonly shares: readonly Uint8Array[];
  readonly groupId: Uint8Array;
  readonly k: number;
  readonly iv: Uint8Array;
  readonly ciphertext: Uint8Array;
  /** ms since the epoch. */
  readonly timestamp: number;
  /** One 16-byte envelope nonce per part. */
  readonly nonces: readonly Uint8Array[];
}

/**
 * Builds the n signed-only part envelopes of one message under ONE Ed25519 signature over the
 * group statement (see module doc). Deterministic for given inputs (known-answer vectors).
 * @param input identity, recipient DID, scope, encoded key shares, groupId, k, iv, ciphertext,
 *   timestamp (ms), nonces
 * @returns the envelopes and the statement, or `INVALID_SCOPE`, `INVALID_DID` (field
 *   `recipientDid`), `INVALID_OPTIONS` (timestamp), `PAYLOAD_TOO_LARGE` (a part over 1 MiB)
 * @throws RangeError for inputs no caller of this package passes (nonce or share count)
 */
export function buildXchangeParts(
  input: XchangePartsInput,
): Result<{ envelopes: Envelope[]; statement: Uint8Array }, XlinkErrorDetail> {
  const { identity, recipientDid, scope, shares, nonces, iv, ciphertext, timestamp } = input;
  const n = shares.length;
  if (nonces.length !== n || nonces.some((x) => x.length !== NONCE_LENGTH))
    throw new RangeError('one 16-byte nonce per share');
  if (!isValidScope(scope))
    return xlinkErr(
      'INVALID_SCOPE',
      'scope must be 1..128 printable ASCII characters',
      'Use e.g. "telemetry"',
      { field: 'scope' },
    );
  if (typeof recipientDid !== 'string' || !parseDidKey(recipientDid).ok)
    return xlinkErr('INVALID_DID', 'recipientDid is not a did:key', 'Pass the recipient DID', {
      field: 'recipientDid',
    });
  if (!Number.isSafeInteger(timestamp) || timestamp < 0)
    return xlinkErr('INVALID_OPTIONS', 'timestamp must be a non-negative integer (ms)', 'Omit it', {
      field: 'timestamp',
    });
  const digests = shares.map((s, i) => xchangePartDigest(nonces[i]!, s));
  const statement = xchangeStatement({
    sender: identity.did,
    recipient: recipientDid,
    scope,
    groupId: input.groupId,
    k: input.k,
    n,
    timestamp,
    iv,
    ciphertextHash: backend.sha256(ciphertext),
    digests,
  });
  const signature = identity.signing.sign(statement);
  const envelopes: Envelope[] = [];
  for (let i = 0; i < n; i++) {
    const body = encodeXchangePart(shares[i]!, iv, digests, ciphertext);
    if (body.length > MAX_BODY)
      return xlinkErr('PAYLOAD_TOO_LARGE', 'an Xchange part exceeds 1 MiB', 'Send less data', {
        field: 'plaintext',
      });
    envelopes.push({
      version: 1,
      alg: SIGNED_ONLY_ALG,
      sender: identity.did,
      recipient: recipientDid,
      timestamp,
      nonce: nonces[i]!,
      scope,
      iv: EMPTY,
      kem: EMPTY,
      ciphertext: body,
      signature,
    });
  }
  return ok({ envelopes, statement });
}

/** A statement the receiver already verified for a buffered group (share-buffer.ts). */
export interface VerifiedStatement {
  readonly statement: Uint8Array;
  readonly signature: Uint8Array;
}

/**
 * The receiver's check of one part (receive/signatures.ts): its own digest must be entry
 * `index` of the digests, and the statement built from its header and body must verify under
 * the sender's key, unless it is byte-for-byte the statement (and signature) already verified
 * for its group, which then covers it without a second Ed25519 verification.
 * @param env the parsed signed-only envelope
 * @param part its decoded body
 * @param verified the statement verified for this sender and groupId, if its group is buffered
 * @returns the part's statement and signature, or `VERIFICATION_FAILED:SIGNATURE_MISMATCH`
 *   (field `signature`: a forged part, or one whose nonce, key share, ciphertext, iv, timestamp,
 *   DIDs, scope or group differ from what the sender signed)
 */
export function verifyXchangePart(
  env: Envelope,
  part: XchangePart,
  verified: VerifiedStatement | undefined,
): Result<VerifiedStatement, XlinkErrorDetail> {
  const s = part.share;
  const mine = xchangePartDigest(env.nonce, part.shareBytes);
  const statement = xchangeStatement({
    sender: env.sender,
    recipient: env.recipient,
    scope: env.scope,
    groupId: s.groupId,
    k: s.k,
    n: s.n,
    timestamp: env.timestamp,
    iv: part.iv,
    ciphertextHash: backend.sha256(part.ciphertext),
    digests: part.digests,
  });
  const covered = bytesEqual(mine, part.digests[s.index]!);
  const known =
    verified !== undefined &&
    bytesEqual(statement, verified.statement) &&
    bytesEqual(env.signature, verified.signature);
  if (covered && (known || verifyStatement(env.sender, statement, env.signature)))
    return ok({ statement, signature: env.signature });
  return xlinkErr(
    'VERIFICATION_FAILED',
    'Xchange part is not covered by an Ed25519 group signature of the sender DID',
    'The part was altered in transit, moved to another message, or forged',
    { subCode: 'SIGNATURE_MISMATCH', field: 'signature' },
  );
}

function verifyStatement(sender: string, statement: Uint8Array, signature: Uint8Array): boolean {
  const key = parseDidKey(sender);
  return key.ok && backend.ed25519Verify(key.value, statement, signature);
}
