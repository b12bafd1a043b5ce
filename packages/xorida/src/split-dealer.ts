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
import { dealShare, toggleShare } from './lib/dealer.js';
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
  /**
   * Present for k = 2 when the dealer was opened with `overlay` room (see {@link DealerOptions}):
   * the random stream's own buffer, which `toggle(i)` turns into share i's payload and a second
   * `toggle(i)` turns back, so the shares need no buffer of their own.
   */
  readonly overlay?: ShareOverlay;
  /**
   * Wipes the random stream and gives the scratch back, and lets the secret go; later calls
   * fail. An overlay holding share i is left holding it (no stream is left to wipe).
   */
  dispose(): void;
}

/** The random stream as a share buffer (k = 2 only, `ShareDealer.overlay`). */
export interface ShareOverlay {
  /**
   * `shareLength` bytes with the requested room around them in their own buffer: the random
   * stream, or share i's payload between `toggle(i)` calls.
   */
  readonly payload: Uint8Array;
  /**
   * XORs share `index`'s secret part into `payload`: the random stream becomes share `index`,
   * share `index` becomes the random stream again. Pitfall: between the two calls the caller may
   * change `payload` only if it puts back exactly the share's bytes (e.g. encrypt in place, then
   * decrypt and verify in place): anything else silently corrupts every later share.
   * @param index 0..n-1; while share i is out, only `toggle(i)` is accepted
   * @returns ok, or `INVALID_CONFIG` (field `index`: out of range, another share is out, or
   *   disposed)
   */
  toggle(index: number): Result<void, XoridaError>;
}

/** Options of `Splitter.dealer`. */
export interface DealerOptions {
  /**
   * k = 2: keep the random stream in a buffer of its own with this many free bytes before
   * (`front`) and after (`back`) it, offered as `ShareDealer.overlay`. Ignored for k > 2.
   */
  readonly overlay?: { readonly front: number; readonly back: number };
}

/**
 * Draws groupId and random stream for `secret` and returns its dealer (see `Splitter.dealer`).
 * @param k threshold (validated by the splitter)
 * @param n share count (validated by the splitter)
 * @param secret the secret, read by every `dealInto`
 * @param scratch the splitter's scratch: taken here, given back (wiped) by `dispose`
 * @param options overlay room (k = 2)
 * @returns the dealer, or `INVALID_CONFIG` (field `secret`)
 */
export function openDealer(
  k: number,
  n: number,
  secret: Uint8Array,
  scratch: Scratch,
  options: DealerOptions = {},
): Result<ShareDealer, XoridaError> {
  const s = checkSecret(secret, n);
  if (!s.ok) return s;
  const layout = layoutOf(k, n, secret.length);
  const room = k === 2 ? options.overlay : undefined;
  if (room && !(isIntIn(room.front, 0, 2 ** 30) && isIntIn(room.back, 0, 2 ** 30)))
    return xoridaErr(
      'INVALID_CONFIG',
      'overlay room must be whole byte counts',
      'Pass small room sizes.',
      {
        field: 'overlay',
      },
    );
  // with an overlay the stream lives in its own roomy buffer and the groupId is drawn apart
  const idBytes = room ? 0 : GROUP_ID_LENGTH;
  const need = idBytes + layout.randomPieces * layout.d;
  let random: Uint8Array = room
    ? new Uint8Array(room.front + need + room.back).subarray(room.front, room.front + need)
    : scratch.take(need);
  fillRandom(need === random.length ? random : random.subarray(0, need));
  let groupId = random.slice(0, GROUP_ID_LENGTH);
  if (room) {
    groupId = new Uint8Array(GROUP_ID_LENGTH);
    fillRandom(groupId);
  }
  let out = -1; // the share the overlay holds, -1: the random stream
  const bad = (message: string, field: string) =>
    xoridaErr('INVALID_CONFIG', message, `Deal shares 0..${n - 1} before dispose().`, { field });
  const overlay: ShareOverlay | undefined = room && {
    payload: random,
    toggle(index) {
      if (random === EMPTY) return bad('dealer already disposed', 'index');
      if (!isIntIn(index, 0, n - 1)) return bad(`index must be 0..${n - 1}`, 'index');
      if (out !== -1 && out !== index) return bad(`the overlay holds share ${out}`, 'index');
      toggleShare(layout, secret, random, index);
      out = out === -1 ? index : -1;
      return OK_VOID;
    },
  };
  return ok({
    groupId,
    shareLength: layout.padded,
    ...(overlay ? { overlay } : {}),
    dealInto(index, payload) {
      if (random === EMPTY) return bad('dealer already disposed', 'index');
      if (out !== -1) return bad(`the overlay holds share ${out}`, 'index');
      if (!isIntIn(index, 0, n - 1)) return bad(`index must be 0..${n - 1}`, 'index');
      if (!(payload instanceof Uint8Array) || payload.length !== layout.padded)
        return bad(`payload must be ${layout.padded} bytes`, 'payloads');
      if (overlaps(payload, secret) || overlaps(payload, random))
        return bad('payload overlaps the secret or the random stream', 'payloads');
      dealShare(layout, secret, random, idBytes, index, payload);
      return OK_VOID;
    },
    dispose() {
      if (random === EMPTY) return;
      // an overlay holding share i keeps it (the caller's now): the stream is gone with it
      if (room && out === -1) random.fill(0);
      else if (!room) scratch.give(random, need);
      random = EMPTY;
      secret = EMPTY; // not read any more: let it go with the caller's last reference
    },
  });
}
