/**
 * Xchange mode (opt-in performance path, docs/formats.md#xchange-parts): a fresh random
 * AES-256-GCM key encrypts the payload ONCE; the 32-byte key (not the payload) is XOR-shared
 * with xorida into n shares; part i = key share i + the common ciphertext, carried as the body
 * of a signed-only envelope (Ed25519, no KEM), one part per channel.
 *
 *   part body = "XLXC" | u8 version (1) | b16 IDA5 key share (product type 0x0001, L = 32)
 *               | iv (12) | b32 AES-256-GCM ciphertext || tag
 *   AAD       = "XLINK-XCHANGE-AAD-V1" | groupId (16) | u8 k | u8 n | b16 sender DID
 *               | b16 recipient DID | b16 scope
 *
 * What it protects: an observer of fewer than k channels learns nothing about the key
 * (information-theoretic, from the split) and therefore, as long as AES-256-GCM holds, nothing
 * about the payload beyond its length; Ed25519 authenticates every part (origin, recipient,
 * scope, timestamp, nonce) and the GCM tag under the reconstructed key authenticates the payload
 * and binds groupId, k, n, DIDs and scope.
 * What it does NOT protect: an observer of k channels (or one channel carrying k parts) learns
 * the key and the payload; there is no KEM, so no forward secrecy and no post-quantum key
 * exchange (nothing to compromise later, but nothing protects parts recorded from k channels);
 * no ML-DSA-65 signature; metadata (DIDs, scope, sizes, timing) is cleartext on every channel.
 *
 * Pitfalls:
 * - Both agents must opt in (`Agent.create({ xchange: true })`); a receiver that did not
 *   refuses parts with `UNSUPPORTED_VERSION:XCHANGE_NOT_ENABLED`. Key documents do not advertise
 *   Xchange, so the sender cannot check the opt-in in advance.
 * - Routing the parts over ONE transport (the default) gives no protection beyond
 *   "signed cleartext with an extra step": use one independent transport per part.
 *
 * @module
 */
import {
  type DecodedShare,
  decodeShare,
  encodeShare,
  ok,
  type Result,
  reconstruct,
  type Share,
  split,
} from 'xorida';
import { backend } from '#crypto';
import type { PendingShares } from './agent-types.js';
import type { Envelope } from './envelope.js';
import { type EnvelopeJson, envelopeToJson, IV_LENGTH, NONCE_LENGTH } from './envelope.js';
import { type XlinkErrorDetail, xlinkErr } from './errors.js';
import type { AgentIdentity } from './identity.js';
import { ByteReader, ByteWriter, utf8 } from './lib/binary.js';
import { base64urlEncode } from './lib/codec.js';
import type { NonceStore } from './nonce-store.js';
import { createSignedEnvelopeOver, withRoomFor } from './seal.js';
import { dispatchShares } from './split-channel/routing.js';
import type { SplitSendResult } from './split-channel/send.js';
import { groupRecordKey } from './split-channel/share-buffer.js';
import { SPLIT_CHANNEL_PRODUCT_TYPE } from './split-channel/share-record.js';
import type { TransportAdapter } from './transport.js';

const MAGIC = utf8('XLXC');
/** Version of the Xchange part body. */
export const XCHANGE_PART_VERSION = 1;
const AAD_CONTEXT = utf8('XLINK-XCHANGE-AAD-V1');
/** Largest IDA5 key share accepted in a part (34-byte header + padded 32-byte key). */
const MAX_KEY_SHARE = 34 + 512;
const EMPTY = new Uint8Array(0);

/** A decoded Xchange part. */
export interface XchangePart {
  readonly share: DecodedShare;
  readonly iv: Uint8Array;
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
 * Encodes one part body.
 * @param share key share from `split`
 * @param iv 12-byte AES-GCM IV
 * @param ciphertext AES-GCM ciphertext || tag
 * @returns the part body
 * @throws RangeError only for a malformed share (programming error)
 */
export function encodeXchangePart(
  share: Share,
  iv: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array {
  return writeXchangePart(share, iv, ciphertext, (n) => new Uint8Array(n));
}

/** {@link encodeXchangePart} into `alloc(exact length)`. */
function writeXchangePart(
  share: Share,
  iv: Uint8Array,
  ciphertext: Uint8Array,
  alloc: (length: number) => Uint8Array,
): Uint8Array {
  const enc = encodeShare(share, { productType: SPLIT_CHANNEL_PRODUCT_TYPE });
  if (!enc.ok) throw new RangeError(`cannot encode key share: ${enc.error.message}`);
  const length = MAGIC.length + 1 + 2 + enc.value.length + iv.length + 4 + ciphertext.length;
  const out = new ByteWriter(0, alloc(length))
    .bytes(MAGIC)
    .u8(XCHANGE_PART_VERSION)
    .bytes16(enc.value)
    .bytes(iv)
    .bytes32(ciphertext)
    .finish();
  enc.value.fill(0);
  return out;
}

/**
 * Decodes one part body strictly.
 * @param body signed-only envelope body
 * @param maxCiphertext largest accepted ciphertext, bytes
 * @returns the part, or `INCONSISTENT_SHARES` subCode `MALFORMED_SHARE`
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
  const shareBytes = r.bytes16(MAX_KEY_SHARE);
  const iv = r.bytes(IV_LENGTH);
  const ciphertext = r.bytes32(maxCiphertext);
  if (!r.done()) return bad('truncated, oversize or trailing bytes in the Xchange part');
  if (version !== XCHANGE_PART_VERSION) return bad(`unknown Xchange part version ${version}`);
  if (ciphertext.length < 17) return bad('ciphertext shorter than the GCM tag plus one byte');
  const share = decodeShare(shareBytes);
  if (!share.ok)
    return bad(`key share does not decode: ${share.error.code}:${share.error.subCode}`);
  if (share.value.productType !== SPLIT_CHANNEL_PRODUCT_TYPE || share.value.originalLength !== 32)
    return bad('key share must have product type 0x0001 and a 32-byte secret');
  return ok({ share: share.value, iv: iv.slice(), ciphertext: ciphertext.slice() });
}

/**
 * The associated data of the payload encryption (see module doc).
 * @param groupId 16-byte groupId of the key split
 * @param k threshold
 * @param n share count
 * @param sender sender DID
 * @param recipient recipient DID
 * @param scope envelope scope
 * @returns AAD bytes
 */
export function xchangeAad(
  groupId: Uint8Array,
  k: number,
  n: number,
  sender: string,
  recipient: string,
  scope: string,
): Uint8Array {
  // sized for ASCII DIDs and scope (the writer grows for anything else)
  const length = AAD_CONTEXT.length + groupId.length + 2 + 6 + sender.length + recipient.length;
  return new ByteWriter(length + scope.length)
    .bytes(AAD_CONTEXT)
    .bytes(groupId)
    .u8(k)
    .u8(n)
    .text16(sender)
    .text16(recipient)
    .text16(scope)
    .finish();
}

/** Inputs of {@link sendXchange}. */
export interface XchangeSendInput {
  readonly identity: AgentIdentity;
  readonly recipientDid: string;
  readonly scope: string;
  /** Encoded payload (type byte | data). */
  readonly plaintext: Uint8Array;
  readonly k: number;
  readonly n: number;
  readonly transports: readonly TransportAdapter[];
  /** ms since the epoch; default `now()` once the payload is encrypted. */
  readonly timestamp?: number;
  /** The sender's clock, ms since the epoch (default `Date.now`; tests inject one). */
  readonly now?: () => number;
  readonly onSplitting?: () => void | Promise<void>;
  readonly onSending?: (current: number, total: number) => void | Promise<void>;
}

/**
 * Encrypts once, splits the key, signs and routes one part per share (see module doc).
 * @param input identity, recipient DID, scope, plaintext, k, n, transports
 * @returns the split result (mode `xchange`), or `PAYLOAD_TOO_LARGE` (a part over 1 MiB),
 *   `SEND_FAILED:BELOW_THRESHOLD`
 */
export async function sendXchange(
  input: XchangeSendInput,
): Promise<Result<SplitSendResult, XlinkErrorDetail>> {
  const { identity, recipientDid, scope, k, n } = input;
  if (input.onSplitting) await input.onSplitting();
  // One CSPRNG call for the key, the IV and every part's nonce: each randomFillSync call costs
  // ~4 µs of fixed overhead here, more than the bytes. Fresh bytes per message, nothing kept.
  const random = backend.randomBytes(32 + IV_LENGTH + n * NONCE_LENGTH);
  const key = random.subarray(0, 32);
  const iv = random.slice(32, 32 + IV_LENGTH);
  const nonceAt = (i: number) =>
    random.slice(32 + IV_LENGTH + i * NONCE_LENGTH, 32 + IV_LENGTH + (i + 1) * NONCE_LENGTH);
  const shares = split(key, { threshold: k, shares: n });
  if (!shares.ok) {
    key.fill(0);
    throw new RangeError(`split failed: ${shares.error.message}`);
  }
  const groupId = shares.value[0]!.groupId;
  const aad = xchangeAad(groupId, k, n, identity.did, recipientDid, scope);
  const ciphertext = await backend.aes256GcmSeal(key, iv, input.plaintext, aad);
  key.fill(0);
  const timestamp = input.timestamp ?? (input.now ?? Date.now)();
  const envelopes: EnvelopeJson[] = [];
  try {
    // Each body is written behind room for its signing prefix and handed to the envelope:
    // no copy of it for the envelope nor for the signing input.
    const header = { sender: identity.did, recipient: recipientDid, scope, iv: EMPTY, kem: EMPTY };
    for (const [i, share] of shares.value.entries()) {
      const body = writeXchangePart(share, iv, ciphertext, (n) => withRoomFor(header, n));
      const env = createSignedEnvelopeOver({
        identity,
        recipientDid,
        scope,
        plaintext: body,
        timestamp,
        nonce: nonceAt(i),
      });
      if (!env.ok) {
        body.fill(0);
        return env;
      }
      // not wiped: the body is the envelope's (a large one is base64'd only when read)
      envelopes.push(envelopeToJson(env.value));
    }
  } finally {
    for (const s of shares.value) s.payload.fill(0);
  }
  const sent = await dispatchShares(input.transports, envelopes, recipientDid, k, input.onSending);
  if (!sent.ok) return sent;
  return ok({
    mode: 'xchange',
    groupId: base64urlEncode(groupId),
    k,
    n,
    envelopes,
    ...sent.value,
  });
}

/**
 * Recovers the payload of a complete Xchange group.
 * @param shares k key shares of one group
 * @param iv the common IV
 * @param ciphertext the common ciphertext
 * @param aad from {@link xchangeAad} with the group's context
 * @returns the encoded payload, or `INSUFFICIENT_SHARES` / `INCONSISTENT_SHARES` (from the
 *   key reconstruction) or `HMAC_VERIFICATION_FAILED:AEAD_MISMATCH` (wrong key or altered part)
 */
export async function openXchange(
  shares: readonly Share[],
  iv: Uint8Array,
  ciphertext: Uint8Array,
  aad: Uint8Array,
): Promise<Result<Uint8Array, XlinkErrorDetail>> {
  const key = reconstruct(shares);
  if (!key.ok)
    return xlinkErr(
      key.error.code === 'INSUFFICIENT_SHARES' ? 'INSUFFICIENT_SHARES' : 'INCONSISTENT_SHARES',
      `key shares do not reconstruct: ${key.error.message}`,
      'Fetch the parts again from their channels',
      { subCode: key.error.subCode ?? key.error.code, field: 'shares' },
    );
  const plaintext = await backend.aes256GcmOpen(key.value, iv, ciphertext, aad);
  key.value.fill(0);
  if (plaintext === null)
    return xlinkErr(
      'HMAC_VERIFICATION_FAILED',
      'the payload does not authenticate under the reconstructed key',
      'A part was altered or parts of different messages were combined',
      { subCode: 'AEAD_MISMATCH', field: 'ciphertext' },
    );
  return ok(plaintext);
}

/**
 * Acknowledges a part whose group was already delivered, WITHOUT verifying its signature (the
 * receive pipeline calls this before step 2): such a part can only be ignored, so checking it
 * would cost an Ed25519 verification for nothing. Nothing is recorded.
 * @param nonceStore the agent's nonce store (holds the per-group records)
 * @param env a parsed signed-only envelope whose body is an Xchange part
 * @param part its body decoded by {@link decodeXchangePart} (the receive pipeline decodes it
 *   once and reuses it in the assemble step); decoded here when omitted
 * @returns a `pending` result with `delivered: true`, or null (run the full pipeline)
 */
export async function lateXchangePart(
  nonceStore: NonceStore,
  env: Envelope,
  part: Result<XchangePart, XlinkErrorDetail> = decodeXchangePart(
    env.ciphertext,
    env.ciphertext.length,
  ),
): Promise<PendingShares | null> {
  if (!part.ok) return null;
  const s = part.value.share;
  if (!(await nonceStore.has(groupRecordKey(env.sender, s.groupId)))) return null;
  return {
    status: 'pending',
    mode: 'xchange',
    sender: env.sender,
    recipient: env.recipient,
    scope: env.scope,
    groupId: base64urlEncode(s.groupId),
    received: 0,
    threshold: s.k,
    total: s.n,
    duplicate: false,
    delivered: true,
  };
}
