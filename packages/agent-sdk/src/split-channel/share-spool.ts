/**
 * The share spool: durable storage of the shares that wait in the share buffer for the rest of
 * their group, so that acknowledging a relayed share (which deletes it at the relay) loses
 * nothing when the receiving process exits or is killed before the group completes. The delivery
 * contract (docs/formats.md#delivery-contract): the relay deletes a message only once its owner
 * has processed it; for a share, "processed" means stored here.
 *
 * Life of a spooled share (split-channel/receive.ts, agent.ts):
 *   - saved after the buffer took it as `pending` and BEFORE the receive answers, so the caller
 *     acks only what is durable;
 *   - dropped with its group when the group completes (reconstructed, delivered or refused),
 *     expires short of its threshold (`INSUFFICIENT_SHARES`) or turns out inconsistent;
 *   - restored into the buffer on the first share the agent receives after a restart, with its
 *     group's original deadline (a group overdue by then expires at once and is reported).
 *
 * Record format (one file per share, {@link encodeSpooledShare}): `u32 BE header length |
 * header JSON | share record (share-record.ts) | Xchange ciphertext`; the header holds the
 * envelope context (mode, sender, recipient, scope, version, timestamp, nonce), the group
 * deadline and, for Xchange, the base64url IV and the ciphertext length. The spool holds
 * decrypted shares: k of them reconstruct the message, so it is as secret as the keystore
 * (file-share-spool.ts writes 0600 files next to it).
 *
 * Pitfall: the spool is trusted like the keystore. A record carries no signature (Xchange parts
 * keep no group statement here) and no checksum, so one altered on disk that still decodes is
 * caught only when its group fails to decrypt, and that message is lost even if its other shares
 * were sound (test/delivery/xchange-spool-restart.test.ts records this).
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import { type XlinkErrorDetail, xlinkErr } from '../errors.js';
import { base64urlDecode, base64urlEncode } from '../lib/codec.js';
import { GROUP_EXPIRED_EVENT } from './expiry-reports.js';
import type { IncomingShare, ShareBuffer } from './share-buffer.js';
import { decodeShareRecord, encodeShareRecord } from './share-record.js';

/** Durable storage of buffered shares (see module doc). */
export interface ShareSpool {
  /**
   * Stores one buffered share durably (the call returns only once it survives a crash).
   * @param groupKey `<sender DID>|<groupId hex>` (the share buffer's group key)
   * @param index the share index within the group
   * @param record {@link encodeSpooledShare} bytes
   * @returns ok, or `NONCE_STORE_FULL:STORAGE_FAILED` (transient, delivery-disposition.ts: the
   *   relay copy is not acked)
   */
  save(
    groupKey: string,
    index: number,
    record: Uint8Array,
  ): Promise<Result<void, XlinkErrorDetail>>;
  /**
   * Removes every stored share of a group (missing ones are fine).
   * @param groupKey `<sender DID>|<groupId hex>`
   */
  drop(groupKey: string): Promise<void>;
  /**
   * Every stored record (unreadable ones are removed and skipped).
   * @returns {@link encodeSpooledShare} bytes, in no particular order
   */
  load(): Promise<Uint8Array[]>;
}

interface SpoolHeader {
  mode: IncomingShare['mode'];
  sender: string;
  recipient: string;
  scope: string;
  version: 1 | 2 | 3;
  timestamp: number;
  nonce: string;
  deadline: number;
  shareBytes: number;
  iv?: string;
  ctBytes?: number;
}

/**
 * Encodes one buffered share with its group deadline.
 * @param part the authenticated share
 * @param deadline when its group expires, ms since the epoch
 * @returns the record bytes
 */
export function encodeSpooledShare(part: IncomingShare, deadline: number): Uint8Array {
  const share = encodeShareRecord(part.share);
  const header: SpoolHeader = {
    mode: part.mode,
    sender: part.sender,
    recipient: part.recipient,
    scope: part.scope,
    version: part.version,
    timestamp: part.timestamp,
    nonce: part.nonce,
    deadline,
    shareBytes: share.length,
    ...(part.xchange
      ? { iv: base64urlEncode(part.xchange.iv), ctBytes: part.xchange.ciphertext.length }
      : {}),
  };
  const h = new TextEncoder().encode(JSON.stringify(header));
  const ct = part.xchange?.ciphertext ?? new Uint8Array(0);
  const out = new Uint8Array(4 + h.length + share.length + ct.length);
  new DataView(out.buffer).setUint32(0, h.length);
  out.set(h, 4);
  out.set(share, 4 + h.length);
  out.set(ct, 4 + h.length + share.length);
  share.fill(0);
  return out;
}

const corrupt = (message: string) =>
  xlinkErr('INCONSISTENT_SHARES', `share spool record: ${message}`, 'The record is dropped', {
    subCode: 'SPOOL_CORRUPT',
  });

/**
 * Decodes a spool record strictly.
 * @param bytes {@link encodeSpooledShare} output
 * @returns the share (with `groupDeadline` set), or `INCONSISTENT_SHARES:SPOOL_CORRUPT`
 */
export function decodeSpooledShare(bytes: Uint8Array): Result<IncomingShare, XlinkErrorDetail> {
  if (bytes.length < 4) return corrupt('truncated');
  const hLen = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
  if (4 + hLen > bytes.length) return corrupt('truncated header');
  let h: SpoolHeader;
  try {
    h = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(4, 4 + hLen)));
  } catch {
    return corrupt('header is not JSON');
  }
  const ints = [h.timestamp, h.deadline, h.shareBytes, h.ctBytes ?? 0];
  if (
    (h.mode !== 'split-channel' && h.mode !== 'xchange') ||
    ![h.sender, h.recipient, h.scope, h.nonce].every((s) => typeof s === 'string') ||
    ![1, 2, 3].includes(h.version) ||
    !ints.every((n) => Number.isSafeInteger(n) && n >= 0) ||
    4 + hLen + h.shareBytes + (h.ctBytes ?? 0) !== bytes.length ||
    (h.mode === 'xchange') !== (typeof h.iv === 'string')
  )
    return corrupt('bad header');
  const start = 4 + hLen;
  const share = decodeShareRecord(bytes.slice(start, start + h.shareBytes));
  if (!share.ok) return corrupt(share.error.message);
  let xchange: IncomingShare['xchange'];
  if (h.iv !== undefined) {
    const iv = base64urlDecode(h.iv, 16);
    if (!iv) return corrupt('bad IV');
    xchange = { iv, ciphertext: bytes.slice(start + h.shareBytes) };
  }
  return ok({
    mode: h.mode,
    sender: h.sender,
    recipient: h.recipient,
    scope: h.scope,
    version: h.version,
    timestamp: h.timestamp,
    nonce: h.nonce,
    share: share.value,
    xchange,
    groupDeadline: h.deadline,
  });
}

// Buffers already refilled from their spool (one restore per buffer, i.e. per agent).
const restored = new WeakMap<ShareBuffer, Promise<void>>();

/**
 * Refills the share buffer from the spool once per buffer (the first call does the work; later
 * calls wait for it). Groups whose deadline passed expire at once and are reported like any
 * expired group (`INSUFFICIENT_SHARES`, then dropped from the spool by the expiry hook).
 * @param buffer the agent's share buffer
 * @param spool its spool
 * @returns resolves when the buffer holds every readable spooled share
 */
export function restoreSpooledShares(buffer: ShareBuffer, spool: ShareSpool): Promise<void> {
  let done = restored.get(buffer);
  if (!done) {
    done = (async () => {
      for (const bytes of await spool.load()) {
        const part = decodeSpooledShare(bytes);
        bytes.fill(0);
        if (part.ok) buffer.add(part.value);
      }
      buffer.sweep();
    })();
    restored.set(buffer, done);
  }
  return done;
}

/**
 * Share-buffer event hook: drops an expired group from the spool (fire and forget; a drop that
 * fails leaves a record whose deadline has passed, expired again on the next restore).
 * @param spool the agent's spool, if any
 * @param event event name
 * @param detail `{ sender, groupId }` of `split-channel.group-expired`
 */
export function dropExpiredFromSpool(
  spool: ShareSpool | undefined,
  event: string,
  detail: Record<string, unknown>,
): void {
  if (!spool || event !== GROUP_EXPIRED_EVENT) return;
  void spool.drop(`${String(detail.sender)}|${String(detail.groupId)}`).catch(() => {});
}
