/**
 * Receiving shares (split-channel share envelopes and Xchange parts) after the receive pipeline
 * has authenticated them: buffer by sender + groupId, return a `pending` result until k
 * distinct shares are present, then reconstruct, verify the end-to-end integrity and return the
 * message exactly once.
 *
 * Replay protection:
 *   - per share: every share envelope has its own nonce, recorded by the receive pipeline
 *     (receive/record-nonce.ts);
 *   - per group: completing a group records `xlink-group|<sender>|<groupId hex>` in the nonce
 *     store (TTL = 2 x timestamp window + group timeout); shares of a recorded group are
 *     acknowledged as `pending` with `delivered: true` and never produce the message again.
 *
 * Durability: with a share spool (share-spool.ts) a buffered share is stored before this
 * answers `pending`, and its group is dropped from the spool when it completes, so a caller that
 * acks a pending relayed share loses nothing to a restart.
 *
 * Pitfalls:
 * - The per-group record is as durable as the nonce store (memory by default).
 * - The message's `timestamp` is the earliest share timestamp and `nonce` the completing
 *   share's nonce; `split` tells which shares were combined.
 *
 * @module
 */
import {
  bytesToHex,
  ok,
  type Result,
  reconstruct,
  reconstructInto,
  type Share,
  type XoridaError,
} from 'xorida';
import type { AgentMessage, PendingShares, ProgressCallback } from '../agent-types.js';
import { type XlinkErrorDetail, xlinkErr } from '../errors.js';
import { base64urlEncode } from '../lib/codec.js';
import { giveBack } from '../lib/deferred-text.js';
import { decodePayload } from '../lib/payload.js';
import type { NonceStore } from '../nonce-store.js';
import { openXchange, xchangeAad } from '../xchange.js';
import { openSplitSecret, SPLIT_SECRET_OVERHEAD, splitShareNonces } from './integrity.js';
import { reconstructOverShare } from './reconstruct-over.js';
import {
  groupRecordKey,
  type IncomingShare,
  type LateShareInfo,
  type ShareBuffer,
  type ShareGroup,
  wipeGroup,
} from './share-buffer.js';
import { encodeSpooledShare, restoreSpooledShares, type ShareSpool } from './share-spool.js';

/** What the Agent passes in. */
export interface ShareReceiveContext {
  readonly buffer: ShareBuffer;
  readonly nonceStore: NonceStore;
  /** TTL of the per-group replay record, ms. */
  readonly groupRecordTtlMs: number;
  readonly onProgress?: ProgressCallback | undefined;
  /** Durable copy of buffered shares (share-spool.ts); none: the buffer is memory only. */
  readonly spool?: ShareSpool | undefined;
}

function pending(
  part: IncomingShare,
  received: number,
  flags: { duplicate?: boolean; delivered?: boolean } = {},
): PendingShares {
  return {
    status: 'pending',
    mode: part.mode,
    sender: part.sender,
    recipient: part.recipient,
    scope: part.scope,
    groupId: base64urlEncode(part.share.groupId),
    received,
    threshold: part.share.k,
    total: part.share.n,
    duplicate: flags.duplicate ?? false,
    delivered: flags.delivered ?? false,
  };
}

/**
 * Buffers one authenticated share; completes its group when k distinct shares are present.
 * @param ctx buffer, nonce store, group-record TTL, progress callback
 * @param part the share with its envelope context
 * @returns the reconstructed {@link AgentMessage} (once per group) or {@link PendingShares},
 *   or `INCONSISTENT_SHARES`, `INSUFFICIENT_SHARES`, `HMAC_VERIFICATION_FAILED`,
 *   `DECRYPT_FAILED:PARSE`, `PAYLOAD_TOO_LARGE:SHARE_BUFFER_FULL`, `NONCE_STORE_FULL`
 */
export async function acceptShare(
  ctx: ShareReceiveContext,
  part: IncomingShare,
): Promise<Result<AgentMessage | PendingShares, XlinkErrorDetail>> {
  const recordKey = groupRecordKey(part.sender, part.share.groupId);
  if (await ctx.nonceStore.has(recordKey)) return ok(pending(part, 0, { delivered: true }));
  const spool = ctx.spool;
  if (spool) await restoreSpooledShares(ctx.buffer, spool);
  const groupKey = `${part.sender}|${bytesToHex(part.share.groupId)}`;
  const added = ctx.buffer.add(part);
  if (!added.ok) {
    if (added.error.code === 'INCONSISTENT_SHARES') await spool?.drop(groupKey);
    return added;
  }
  if (added.value.state === 'completed-before') return ok(pending(part, 0, { delivered: true }));
  const g = added.value.group;
  if (added.value.state === 'pending') {
    // Durable before the caller may ack the relay copy (the delivery contract).
    if (spool && !added.value.duplicate) {
      const saved = await spool.save(
        groupKey,
        part.share.index,
        encodeSpooledShare(part, g.expiresAt),
      );
      if (!saved.ok) return saved;
    }
    return ok(pending(part, g.parts.size, { duplicate: added.value.duplicate }));
  }
  try {
    const stored = await ctx.nonceStore.checkAndStore(recordKey, ctx.groupRecordTtlMs);
    if (!stored.ok) return stored;
    if (stored.value === 'replay') return ok(pending(part, 0, { delivered: true }));
    if (ctx.onProgress)
      await ctx.onProgress({ stage: 'reconstructing', current: g.parts.size, total: g.k });
    const indices = [...g.parts.keys()].sort((a, b) => a - b);
    const recovered = await recover(g);
    // the shares are not needed once combined: wiped and let go before the payload is decoded
    wipeGroup(g);
    if (!recovered.ok) return recovered;
    const { plaintext, shareNonces } = recovered.value;
    if (shareNonces) {
      const unseen = shareNonces.flatMap((nonce, i) =>
        indices.includes(i) ? [] : [base64urlEncode(nonce)],
      );
      ctx.buffer.rememberLate(
        g.sender,
        unseen,
        {
          mode: g.mode,
          recipient: g.recipient,
          scope: g.scope,
          groupId: base64urlEncode(g.groupId),
          k: g.k,
          n: g.n,
        },
        ctx.groupRecordTtlMs,
      );
    }
    const payload = decodePayload(plaintext);
    plaintext.fill(0);
    // rebuilt over a share in its own pull answer: that memory goes now, not at the next GC
    giveBack(plaintext);
    if (!payload.ok) return payload;
    if (ctx.onProgress) await ctx.onProgress({ stage: 'complete', current: 1, total: 1 });
    return ok({
      status: 'complete',
      sender: g.sender,
      recipient: g.recipient,
      scope: g.scope,
      payload: payload.value,
      version: g.version,
      cleartext: false,
      timestamp: g.firstTimestamp,
      nonce: part.nonce,
      split: {
        mode: g.mode,
        groupId: base64urlEncode(g.groupId),
        k: g.k,
        n: g.n,
        indices,
      },
    });
  } finally {
    wipeGroup(g);
    await spool?.drop(groupKey);
  }
}

/**
 * The pending result for a late share recognised by its nonce (see ShareBuffer.lateShare).
 * @param sender sender DID
 * @param info what the buffer remembered
 * @returns a `pending` result with `delivered: true`
 */
export function latePending(sender: string, info: LateShareInfo): PendingShares {
  return {
    status: 'pending',
    mode: info.mode,
    sender,
    recipient: info.recipient,
    scope: info.scope,
    groupId: info.groupId,
    received: 0,
    threshold: info.k,
    total: info.n,
    duplicate: false,
    delivered: true,
  };
}

async function recover(
  g: ShareGroup,
): Promise<Result<{ plaintext: Uint8Array; shareNonces?: Uint8Array[] }, XlinkErrorDetail>> {
  const parts = [...g.parts.values()];
  const shares = parts.map((p) => p.share);
  if (g.mode === 'xchange') {
    const x = parts[0]?.xchange;
    if (!x)
      return xlinkErr('INCONSISTENT_SHARES', 'Xchange group lost its ciphertext', 'Resend', {
        subCode: 'CIPHERTEXT_MISMATCH',
      });
    const aad = xchangeAad(g.groupId, g.k, g.n, g.sender, g.recipient, g.scope);
    const pt = await openXchange(shares, x.iv, x.ciphertext, aad);
    return pt.ok ? ok({ plaintext: pt.value }) : pt;
  }
  const over = largeShares(shares) ? reconstructOverShare(shares) : undefined;
  if (over && !over.ok) return over;
  // the share now holding the secret is no share any more: not wiped with the group
  if (over) g.parts.delete(over.value.overwritten);
  const secret = over ? ok(over.value.secret) : reconstructWithRoom(shares);
  if (!secret.ok) {
    const code =
      secret.error.code === 'INSUFFICIENT_SHARES'
        ? 'INSUFFICIENT_SHARES'
        : secret.error.code === 'RECONSTRUCT_FAILED'
          ? 'HMAC_VERIFICATION_FAILED'
          : 'INCONSISTENT_SHARES';
    return xlinkErr(
      code,
      `shares do not reconstruct: ${secret.error.message}`,
      'Ask for a resend',
      {
        subCode: secret.error.subCode ?? secret.error.code,
        field: 'shares',
      },
    );
  }
  // before opening: in place, opening writes over r
  const shareNonces = splitShareNonces(secret.value.subarray(0, 32), g.n);
  const opened = openSplitSecret(
    secret.value,
    { k: g.k, n: g.n, sender: g.sender, recipient: g.recipient, scope: g.scope },
    true,
  );
  // the plaintext is a view of the secret (the caller wipes it): wipe r and tag here
  secret.value.fill(0, 0, SPLIT_SECRET_OVERHEAD);
  if (!opened.ok) {
    secret.value.fill(0);
    return opened;
  }
  return ok({ plaintext: opened.value, shareNonces });
}

/**
 * Large shares that are views of the receive pipeline's own buffers (share-record.ts
 * `decodeShareRecord(view)`, with the decrypt step's room in front): the secret is then built
 * over the first of them (reconstruct-over.ts) and the tag input's head fits in front of it.
 */
function largeShares(shares: readonly Share[]): boolean {
  const first = shares[0];
  return (
    first !== undefined &&
    first.payload.length >= 1024 * 1024 &&
    shares.every((s) => s.payload.byteOffset >= TAG_ROOM)
  );
}

/** Room in front of a reconstructed secret for the tag input's head (integrity.ts splitTag). */
const TAG_ROOM = 1024;

/**
 * xorida `reconstruct` into a buffer with TAG_ROOM in front, so the tag is checked and the
 * plaintext returned without a full-size copy (test/delivery/memory.test.ts).
 */
function reconstructWithRoom(shares: readonly Share[]): Result<Uint8Array, XoridaError> {
  const first = shares[0];
  // a length the payload cannot hold is refused by reconstruct before anything is allocated
  if (!first || first.originalLength > first.payload.length) return reconstruct(shares);
  const out = new Uint8Array(TAG_ROOM + first.originalLength).subarray(TAG_ROOM);
  const r = reconstructInto(shares, out);
  return r.ok ? ok(out) : r;
}
