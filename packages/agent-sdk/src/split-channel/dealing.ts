/**
 * A split-channel split in progress (split-channel/send.ts): the secret `r | tag | plaintext`,
 * the xorida dealer over it, and each share's record (share-record.ts) made when it is needed,
 * with seal.ts `SEAL_ROOM` around it so it is sealed over itself.
 *
 * Two ways to hold a record:
 * - `deal(i)`: a buffer of its own per share, the share payload dealt straight behind the
 *   record and IDA5 headers (no copy of the share);
 * - `dealOver(i)` (k = 2, opened with `overlay`): the random stream's own buffer becomes share
 *   i (xorida `ShareDealer.overlay`), and `restore(i)` turns it back once the caller has put
 *   share i's bytes back: the n shares then cost no buffer at all (test/delivery/memory.test.ts).
 *
 * @module
 */
import { createSplitter, SHARE_HEADER_LENGTH, type ShareDealer } from 'xorida';
import { SEAL_ROOM } from '../seal.js';
import { buildSplitSecret } from './integrity.js';
import type { SplitChannelSendInput } from './send.js';
import { SHARE_RECORD_HEAD, writeShareRecordHead } from './share-record.js';

const EMPTY = new Uint8Array(0);
/** Record and IDA5 headers in front of a share payload, bytes. */
const HEADS = SHARE_RECORD_HEAD + SHARE_HEADER_LENGTH;

/** A split in progress (see module doc). */
export interface Dealing {
  readonly k: number;
  readonly n: number;
  readonly groupId: Uint8Array;
  /** Record length without SEAL_ROOM, bytes. */
  readonly recordLength: number;
  /** True when opened with `overlay` and k = 2: `dealOver` / `restore` work. */
  readonly overlay: boolean;
  /** Share `index`'s record in a buffer of its own. */
  deal(index: number): Uint8Array;
  /** Share `index`'s record in the random stream's buffer (overlay only; one share at a time). */
  dealOver(index: number): Uint8Array;
  /** Turns the overlay back into the random stream; its record must hold share `index` again. */
  restore(index: number): void;
  /**
   * Wipes the secret and lets it and the random stream go (idempotent); an overlay holding a
   * share keeps it (its record stays valid).
   */
  end(): void;
}

/**
 * Builds the secret (around the plaintext when the caller gave it up; the input's `plaintext`
 * is then cleared so the buffer can go once the last share is dealt) and opens its dealer.
 * @param input the send input (identity, recipient, scope, k, n, plaintext)
 * @param r the 32-byte r of the integrity tag
 * @param overlay deal k = 2 shares over the random stream's buffer (`dealOver`)
 * @returns the dealing; call `end` in a `finally`
 * @throws RangeError only on a programming error (k and n were checked by the policy)
 */
export function openDealing(
  input: SplitChannelSendInput,
  r: Uint8Array,
  overlay: boolean,
): Dealing {
  const { identity, recipient, scope, k, n } = input;
  let secret: Uint8Array = buildSplitSecret(
    input.plaintext,
    { k, n, sender: identity.did, recipient: recipient.did, scope },
    r,
    input.plaintextInPlace === true,
  );
  if (input.plaintextInPlace === true) input.plaintext = EMPTY;
  const splitter = createSplitter({ threshold: k, shares: n });
  if (!splitter.ok) throw new RangeError(`split failed: ${splitter.error.message}`);
  const room = { front: SEAL_ROOM.front + HEADS, back: SEAL_ROOM.back };
  const dealer = splitter.value.dealer(secret, overlay ? { overlay: room } : {});
  if (!dealer.ok) {
    secret.fill(0);
    throw new RangeError(`split failed: ${dealer.error.message}`);
  }
  const d: ShareDealer = dealer.value;
  const originalLength = secret.length;
  const recordLength = HEADS + d.shareLength;
  const head = (record: Uint8Array, index: number) =>
    writeShareRecordHead(record, {
      index,
      k,
      n,
      groupId: d.groupId,
      originalLength,
      payload: record.subarray(HEADS),
    });
  const must = (r: { ok: boolean; error?: { message: string } }) => {
    if (!r.ok) throw new RangeError(`split failed: ${r.error?.message}`);
  };
  return {
    k,
    n,
    groupId: d.groupId,
    recordLength,
    overlay: d.overlay !== undefined,
    deal(index) {
      const buf = new Uint8Array(SEAL_ROOM.front + recordLength + SEAL_ROOM.back);
      const record = buf.subarray(SEAL_ROOM.front, SEAL_ROOM.front + recordLength);
      must(d.dealInto(index, record.subarray(HEADS)));
      head(record, index);
      return record;
    },
    dealOver(index) {
      const ov = d.overlay;
      if (!ov) throw new RangeError('no overlay');
      must(ov.toggle(index));
      const p = ov.payload;
      const record = new Uint8Array(p.buffer, p.byteOffset - HEADS, recordLength);
      head(record, index);
      return record;
    },
    restore(index) {
      must(d.overlay ? d.overlay.toggle(index) : { ok: false, error: { message: 'no overlay' } });
    },
    end() {
      secret.fill(0);
      secret = EMPTY;
      d.dispose();
      splitter.value.dispose();
    },
  };
}
