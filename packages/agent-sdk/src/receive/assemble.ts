/**
 * Receive step 12, `assemble`: an authenticated envelope that carries a share is handed to its
 * assembler, which buffers it by sender and group and answers `pending` until k shares are
 * present, then the reconstructed message once (split-channel/receive.ts). Two assemblers:
 *   - Xchange: a signed-only envelope whose payload is an Xchange part (xchange.ts);
 *   - split-channel: an encrypted envelope whose plaintext is a share record (share-record.ts).
 * Any other envelope goes on to `deliver`; if it needed the share slack to parse, it now gets
 * the `PAYLOAD_TOO_LARGE` that parse kept back.
 *
 * @module
 */

import { ok, type Result } from 'xorida';
import { nonceRetentionMs } from '../delivery-freshness.js';
import { maxCiphertextFor } from '../envelope.js';
import { type XlinkErrorDetail, xlinkErr } from '../errors.js';
import { base64urlEncode } from '../lib/codec.js';
import { SPLIT_SECRET_OVERHEAD } from '../split-channel/integrity.js';
import { acceptShare } from '../split-channel/receive.js';
import type { IncomingShare } from '../split-channel/share-buffer.js';
import { decodeShareRecord, isShareRecord } from '../split-channel/share-record.js';
import { decodeXchangePart } from '../xchange-part.js';
import type { ReceiveContext, ReceiveOutcome, ReceiveState, ReceiveStep } from './context.js';

/** Recognises one kind of share and decodes it. */
interface Assembler {
  readonly mode: IncomingShare['mode'];
  matches(s: ReceiveState): boolean;
  /** The decoded share (and, for Xchange, the ciphertext every part carries). */
  decode(
    ctx: ReceiveContext,
    s: ReceiveState,
  ): Result<Pick<IncomingShare, 'share' | 'xchange'>, XlinkErrorDetail>;
}

const xchangeAssembler: Assembler = {
  mode: 'xchange',
  matches: (s) => s.xchangePart === true,
  decode(ctx, s) {
    // Decoded once by the late-share step from these same (now verified) bytes, without the
    // size limit; a failed or oversize early decode is redone to give the limit's exact error.
    const max = maxCiphertextFor(ctx.config.maxPayloadBytes);
    const early = s.xchangeDecoded;
    const part =
      early?.ok && early.value.ciphertext.length <= max
        ? early
        : decodeXchangePart(s.plaintext!, max);
    if (!part.ok) return part;
    const { share, iv, ciphertext } = part.value;
    return ok({ share, xchange: { iv, ciphertext, verified: s.xchangeVerified } });
  },
};

const splitChannelAssembler: Assembler = {
  mode: 'split-channel',
  matches: (s) => !s.signedOnly && isShareRecord(s.plaintext!),
  decode(ctx, s) {
    // The decrypted record is this pipeline's own buffer (decrypt step): a large share stays a
    // view of it instead of a second full-size copy, as long as the share is most of that
    // buffer (a small share must not keep a whole pull answer alive while it is buffered).
    const pt = s.plaintext!;
    const share = decodeShareRecord(pt, pt.length >= pt.buffer.byteLength / 2);
    if (!share.ok) return share;
    // r | tag | type byte | data must fit the payload limit.
    if (share.value.originalLength > ctx.config.maxPayloadBytes + 1 + SPLIT_SECRET_OVERHEAD)
      return xlinkErr(
        'PAYLOAD_TOO_LARGE',
        'split message exceeds the maximum payload size',
        'Send less data or raise maxPayloadBytes',
        { field: 'share' },
      );
    return ok({ share: share.value, xchange: undefined });
  },
};

/** In the order they are tried. */
const ASSEMBLERS: readonly Assembler[] = [xchangeAssembler, splitChannelAssembler];

async function assemble(
  ctx: ReceiveContext,
  s: ReceiveState,
  assembler: Assembler,
): Promise<ReceiveOutcome> {
  const env = s.env!;
  const decoded = assembler.decode(ctx, s);
  if (!decoded.ok) return decoded;
  return acceptShare(
    {
      buffer: ctx.shareBuffer,
      nonceStore: ctx.config.nonceStore,
      // The group record outlives every share of the group (each is fresh for 2 windows).
      groupRecordTtlMs:
        nonceRetentionMs(ctx.config.timestampWindowMs, ctx.config.delivery) +
        ctx.shareBuffer.groupTimeoutMs,
      onProgress: s.options.onProgress,
      spool: ctx.config.shareSpool,
    },
    {
      mode: assembler.mode,
      sender: env.sender,
      recipient: env.recipient,
      scope: env.scope,
      version: env.version,
      timestamp: env.timestamp,
      nonce: base64urlEncode(env.nonce),
      ...decoded.value,
    },
  );
}

/**
 * @returns for a share: `ok(PendingShares)`, the reconstructed message (`split` set), or
 *   `INCONSISTENT_SHARES`, `HMAC_VERIFICATION_FAILED`, `PAYLOAD_TOO_LARGE` (incl.
 *   `SHARE_BUFFER_FULL`), `NONCE_STORE_FULL`; otherwise the kept-back `PAYLOAD_TOO_LARGE`, or
 *   `undefined`
 */
export const assembleStep: ReceiveStep = (ctx, s) => {
  const assembler = ASSEMBLERS.find((a) => a.matches(s));
  if (assembler) return assemble(ctx, s, assembler);
  return s.oversize;
};
