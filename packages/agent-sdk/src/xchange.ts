/**
 * Xchange mode (opt-in performance path, docs/formats.md#xchange-parts): a fresh random
 * AES-256-GCM key encrypts the payload ONCE; the 32-byte key (not the payload) is XOR-shared
 * with xorida into n shares; part i = key share i + the common ciphertext, carried as the body
 * of a signed-only envelope (no KEM), one part per channel. Byte layouts: xchange-part.ts.
 *
 *   AAD = "XLINK-XCHANGE-AAD-V1" | groupId (16) | u8 k | u8 n | b16 sender DID
 *         | b16 recipient DID | b16 scope
 *
 * One signature per message (part version 2, issue 15): the sender signs ONE group statement
 * with Ed25519 and every part carries that signature in its envelope `signature` field. The
 * statement binds a context string, both DIDs, scope, groupId, k, n, the timestamp, the common
 * iv, SHA-256 of the common ciphertext and, for every index i, the digest
 * SHA-256(context | nonce_i | key share_i) of part i's own data. A receiver accepts part i iff
 *   - its own digest (from ITS envelope nonce and key share) is entry i of the statement, and
 *   - the statement it builds from the part's header (sender, recipient, scope, timestamp) and
 *     body (groupId, k, n, iv, ciphertext hash, digests) verifies under the sender DID's key,
 *     which costs one Ed25519 verification for the first part of a group: the verified
 *     statement and signature are kept with the buffered group (share-buffer.ts, bounded like
 *     the group), and a later part whose statement and signature are byte-for-byte the same is
 *     covered by that verification. Any other part is verified on its own, so nothing is ever
 *     accepted unverified; two different valid statements for one group drop the group
 *     (`INCONSISTENT_SHARES:STATEMENT_MISMATCH`).
 * Replay protection is unchanged: each part's nonce (covered through its digest) is recorded
 * after the check, the timestamp (covered by the statement) is checked against the window, and
 * a delivered group is recorded in the nonce store (its late parts are acknowledged before any
 * check, and nothing is recorded or returned from them: receive/late-share.ts).
 * The signing input starts with "XLINK-XCHANGE-STATEMENT-V2", which no envelope signing input
 * ("XLINK-ENVELOPE-SIG-V1 ...") starts with: a group signature never verifies as an envelope
 * signature, nor the reverse. A generic `verifyEnvelopeSignatures` refuses Xchange parts.
 *
 * What it protects: an observer of fewer than k channels learns nothing about the key
 * (information-theoretic, from the split; the digests of the other parts hide their shares
 * behind their 16-byte random nonces, which travel only with their own parts) and therefore, as
 * long as AES-256-GCM holds, nothing about the payload beyond its length; the group signature
 * authenticates every part (origin, recipient, scope, timestamp, nonce, key share, ciphertext)
 * and the GCM tag under the reconstructed key authenticates the payload.
 * What it does NOT protect: an observer of k channels (or one channel carrying k parts) learns
 * the key and the payload; there is no KEM, so no forward secrecy and no post-quantum key
 * exchange; no ML-DSA-65 signature; metadata (DIDs, scope, sizes, timing) is cleartext on every
 * channel.
 *
 * Pitfalls:
 * - Both agents must opt in (`Agent.create({ xchange: true })`); a receiver that did not
 *   refuses parts with `UNSUPPORTED_VERSION:XCHANGE_NOT_ENABLED`. Key documents do not advertise
 *   Xchange, so the sender cannot check the opt-in in advance.
 * - Version 1 parts (one signature per part, agent-sdk before issue 15) are refused
 *   (`INCONSISTENT_SHARES:MALFORMED_SHARE`): both agents must run the same release.
 * - Parts of one group received concurrently may each be verified (the statement is cached when
 *   the first part is buffered); that costs time, never safety.
 * - Routing the parts over ONE transport (the default) gives no protection beyond
 *   "signed cleartext with an extra step": use one independent transport per part.
 *
 * @module
 */
import { encodeShare, ok, type Result, reconstruct, type Share, split } from 'xorida';
import { backend } from '#crypto';
import type { PendingShares } from './agent-types.js';
import type { Envelope } from './envelope.js';
import { type EnvelopeJson, envelopeToJson, IV_LENGTH, NONCE_LENGTH } from './envelope.js';
import { type XlinkErrorDetail, xlinkErr } from './errors.js';
import type { AgentIdentity } from './identity.js';
import { ByteWriter, utf8 } from './lib/binary.js';
import { base64urlEncode } from './lib/codec.js';
import type { NonceStore } from './nonce-store.js';
import { dispatchShares } from './split-channel/routing.js';
import type { SplitSendResult } from './split-channel/send.js';
import { groupRecordKey } from './split-channel/share-buffer.js';
import { SPLIT_CHANNEL_PRODUCT_TYPE } from './split-channel/share-record.js';
import type { TransportAdapter } from './transport.js';
import { buildXchangeParts, decodeXchangePart, type XchangePart } from './xchange-part.js';

const AAD_CONTEXT = utf8('XLINK-XCHANGE-AAD-V1');

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
 * Encrypts once, splits the key, signs the group statement once and routes one part per share
 * (see module doc).
 * @param input identity, recipient DID, scope, plaintext, k, n, transports
 * @returns the split result (mode `xchange`), or `PAYLOAD_TOO_LARGE` (a part over 1 MiB),
 *   `INVALID_SCOPE`, `INVALID_DID`, `INVALID_OPTIONS` (timestamp), `SEND_FAILED:BELOW_THRESHOLD`
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
  const encoded: Uint8Array[] = [];
  let built: ReturnType<typeof buildXchangeParts>;
  try {
    for (const share of shares.value) {
      const enc = encodeShare(share, { productType: SPLIT_CHANNEL_PRODUCT_TYPE });
      if (!enc.ok) throw new RangeError(`cannot encode key share: ${enc.error.message}`);
      encoded.push(enc.value);
    }
    built = buildXchangeParts({
      identity,
      recipientDid,
      scope,
      shares: encoded,
      groupId,
      k,
      iv,
      ciphertext,
      timestamp,
      nonces: shares.value.map((_, i) => nonceAt(i)),
    });
  } finally {
    for (const s of shares.value) s.payload.fill(0);
    for (const e of encoded) e.fill(0);
  }
  if (!built.ok) return built;
  const envelopes: EnvelopeJson[] = built.value.envelopes.map(envelopeToJson);
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
