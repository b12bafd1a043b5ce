/**
 * `Splitter.dealer`: one threshold split dealt share by share. The random stream is drawn once
 * into the splitter's scratch and kept there until `dispose`, so a caller can deal, use and drop
 * one large share before the next one exists (agent-sdk seals and sends share by share: its
 * memory test, packages/agent-sdk/test/delivery/memory.test.ts).
 *
 * @module
 */
import { type XoridaError, xoridaErr } from './errors.js';
import { checkSecret } from './lib/deal-input.js';
import { dealShare } from './lib/dealer.js';
import { overlaps } from './lib/overlap.js';
import { isIntIn, layoutOf } from './lib/params.js';
import { fillRandom } from './lib/random.js';
import type { Scratch } from './lib/scratch.js';
import { EMPTY } from './lib/terms.js';
import { OK_VOID, ok, type Result } from './result.js';
import { GROUP_ID_LENGTH } from './share.js';

/**
 * One split dealt share by share (`Splitter.dealer`). Share i is the same bytes `splitInto`
 * would write for it with the same random stream; the shares of one dealer are one split (one
 * groupId). Pitfall: `dispose` it (in a `finally`): until then it holds the random stream.
 */
export interface ShareDealer {
  /** The split's 16-byte groupId. */
  readonly groupId: Uint8Array;
  /** Payload length of every share, bytes (`shareLength(secret.length)`). */
  readonly shareLength: number;
  /**
   * Writes share `index`'s payload.
   * @param index 0..n-1
   * @param payload exactly `shareLength` bytes, overlapping neither the secret nor another
   *   dealer's buffers; overwritten
   * @returns ok, or `INVALID_CONFIG` (field `index` or `payloads`; also after `dispose`)
   */
  dealInto(index: number, payload: Uint8Array): Result<void, XoridaError>;
  /** Wipes the random stream and gives the scratch back; later `dealInto` calls fail. */
  dispose(): void;
}

/**
 * Draws groupId and random stream for `secret` and returns its dealer (see `Splitter.dealer`).
 * @param k threshold (validated by the splitter)
 * @param n share count (validated by the splitter)
 * @param secret the secret, read by every `dealInto`
 * @param scratch the splitter's scratch: taken here, given back (wiped) by `dispose`
 * @returns the dealer, or `INVALID_CONFIG` (field `secret`)
 */
export function openDealer(
  k: number,
  n: number,
  secret: Uint8Array,
  scratch: Scratch,
): Result<ShareDealer, XoridaError> {
  const s = checkSecret(secret, n);
  if (!s.ok) return s;
  const layout = layoutOf(k, n, secret.length);
  const need = GROUP_ID_LENGTH + layout.randomPieces * layout.d;
  let random: Uint8Array = scratch.take(need);
  fillRandom(need === random.length ? random : random.subarray(0, need));
  const groupId = random.slice(0, GROUP_ID_LENGTH);
  const bad = (message: string, field: string) =>
    xoridaErr('INVALID_CONFIG', message, `Deal shares 0..${n - 1} before dispose().`, { field });
  return ok({
    groupId,
    shareLength: layout.padded,
    dealInto(index, payload) {
      if (random === EMPTY) return bad('dealer already disposed', 'index');
      if (!isIntIn(index, 0, n - 1)) return bad(`index must be 0..${n - 1}`, 'index');
      if (!(payload instanceof Uint8Array) || payload.length !== layout.padded)
        return bad(`payload must be ${layout.padded} bytes`, 'payloads');
      if (overlaps(payload, secret) || overlaps(payload, random))
        return bad('payload overlaps the secret or the random stream', 'payloads');
      dealShare(layout, secret, random, GROUP_ID_LENGTH, index, payload);
      return OK_VOID;
    },
    dispose() {
      if (random === EMPTY) return;
      scratch.give(random, need);
      random = EMPTY;
    },
  });
}
