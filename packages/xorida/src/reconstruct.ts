/**
 * Recovering a secret from k or more shares of one split by a cached GF(2) XOR schedule
 * (xorida-scheme.md section 3; the (k, L, n) ramp form of section 9.3). Uses the k smallest
 * indices when more are given. `reconstruct` takes threshold shares only (from `split`);
 * `recover` takes any L, including the dispersal shares of `disperse`.
 *
 * Pitfall: reconstruction does not authenticate. A modified share yields a wrong secret that
 * looks fine. The only built-in check is that the zero padding (at most p-2 bytes, none when
 * the length is a multiple of p-1) comes out zero; it catches some mixed or corrupted shares and
 * is NOT an integrity check. Verify a signature, digest or MAC in the layer above.
 *
 * @module
 */
import { bytesToHex, equalBytes } from './bytes.js';
import { type XoridaError, xoridaErr } from './errors.js';
import { overlaps } from './lib/overlap.js';
import { type Layout, layoutOf } from './lib/params.js';
import { type Schedule, scheduleFor } from './lib/schedule.js';
import { EMPTY, termScratch } from './lib/terms.js';
import { isAllZero, xorSources } from './lib/xor.js';
import { ok, type Result } from './result.js';
import { checkShare, rampOf, type Share } from './share.js';

interface Selection {
  readonly layout: Layout;
  /** The k shares used, sorted by index. */
  readonly chosen: readonly Share[];
  /** Their indices, in the same order. */
  readonly indices: number[];
}

/** Index bitset of `select`, zeroed on each use (public indices only). */
const seen = new Uint32Array(8);

/** The k shares with the smallest indices, sorted (insertion sort: k is usually 2 or 3). */
function smallestK(shares: readonly Share[], k: number): Share[] {
  const sorted = shares.slice();
  for (let i = 1; i < sorted.length; i++) {
    const s = sorted[i]!;
    let j = i - 1;
    for (; j >= 0 && sorted[j]!.index > s.index; j--) sorted[j + 1] = sorted[j]!;
    sorted[j + 1] = s;
  }
  sorted.length = k;
  return sorted;
}

function select(shares: readonly Share[]): Result<Selection, XoridaError> {
  if (!Array.isArray(shares) || shares.length === 0) {
    return xoridaErr(
      'INSUFFICIENT_SHARES',
      'no shares given',
      'Pass at least k shares of one split.',
      { field: 'shares' },
    );
  }
  for (let i = 0; i < shares.length; i++) {
    const c = checkShare(shares[i]!, `shares[${i}]`);
    if (!c.ok) return c;
  }
  const first = shares[0]!;
  seen.fill(0); // bitset over indices 0..255
  for (let i = 0; i < shares.length; i++) {
    const s = shares[i]!;
    const mismatch =
      s.k !== first.k
        ? 'k'
        : s.n !== first.n
          ? 'n'
          : rampOf(s) !== rampOf(first)
            ? 'L'
            : s.originalLength !== first.originalLength
              ? 'originalLength'
              : !equalBytes(s.groupId, first.groupId)
                ? 'groupId'
                : undefined;
    if (mismatch) {
      return xoridaErr(
        'INCONSISTENT_SHARES',
        `shares[${i}].${mismatch} differs from shares[0]`,
        'All shares must come from the same split; check which source returned a foreign share.',
        {
          subCode: mismatch === 'groupId' ? 'GROUP_MISMATCH' : 'PARAMETER_MISMATCH',
          field: `shares[${i}].${mismatch}`,
        },
      );
    }
    if ((seen[s.index >>> 5]! >>> (s.index & 31)) & 1) {
      return xoridaErr(
        'INCONSISTENT_SHARES',
        `share index ${s.index} appears twice`,
        'Remove duplicate shares before reconstructing.',
        {
          subCode: 'DUPLICATE_INDEX',
          field: `shares[${i}].index`,
        },
      );
    }
    seen[s.index >>> 5]! |= 1 << (s.index & 31);
  }
  if (shares.length < first.k) {
    return xoridaErr(
      'INSUFFICIENT_SHARES',
      `need ${first.k} shares of group ${bytesToHex(first.groupId).slice(0, 8)}…, got ${shares.length}`,
      `Collect at least ${first.k} distinct shares.`,
      {
        field: 'shares',
      },
    );
  }
  const chosen = smallestK(shares, first.k);
  const indices: number[] = new Array(chosen.length);
  for (let i = 0; i < chosen.length; i++) indices[i] = chosen[i]!.index;
  const layout = layoutOf(first.k, first.n, first.originalLength, rampOf(first));
  return ok({ layout, chosen, indices });
}

/** Applies the schedule; writes `layout.length` bytes at `out[0..)`; false if padding != 0. */
function apply(sel: Selection, out: Uint8Array): boolean {
  const { layout } = sel;
  const schedule = scheduleFor(layout.k, layout.n, layout.p, sel.indices, layout.L);
  const { srcs, offs } = termScratch(schedule.widest);
  try {
    return applyTerms(sel, schedule, out, srcs, offs);
  } finally {
    srcs.fill(EMPTY); // drop the references to the payloads
  }
}

function applyTerms(
  sel: Selection,
  schedule: Schedule,
  out: Uint8Array,
  srcs: Uint8Array[],
  offs: Float64Array,
): boolean {
  const { layout, chosen } = sel;
  const { p, d, length, L } = layout;
  // All padding is under L*(p-1) bytes; none at all (no buffer) when it divides the length.
  const pad = length === L * (p - 1) * d ? undefined : new Uint8Array(Math.min(d, L * (p - 1)));
  let padOk = true;
  for (let m = 1; m <= L * (p - 1); m++) {
    const terms = schedule.terms[m]!;
    const count = terms.length;
    for (let c = 0; c < count; c++) {
      const q = terms[c]!;
      const t = (q / (p - 1)) | 0;
      srcs[c] = chosen[t]!.payload;
      offs[c] = (q - t * (p - 1)) * d;
    }
    const start = (m - 1) * d;
    const inSecret = Math.max(0, Math.min(d, length - start));
    if (count === 0) {
      out.fill(0, start, start + inSecret); // cannot happen for valid indices; keeps `out` defined
      continue;
    }
    xorSources(out, start, srcs, offs, count, inSecret);
    if (inSecret < d && pad !== undefined) {
      for (let c = 0; c < count; c++) offs[c] = offs[c]! + inSecret;
      xorSources(pad, 0, srcs, offs, count, d - inSecret);
      if (!isAllZero(pad, 0, d - inSecret)) padOk = false;
    }
  }
  pad?.fill(0);
  return padOk;
}

function paddingError(): Result<never, XoridaError> {
  return xoridaErr(
    'RECONSTRUCT_FAILED',
    'the recovered padding is not zero: the shares do not reconstruct one secret',
    'Some share was corrupted or comes from another split with the same groupId; fetch the shares again. Authenticate shares in the layer above.',
    { subCode: 'PADDING_NONZERO' },
  );
}

function wrongVariant(L: number): Result<never, XoridaError> {
  return xoridaErr(
    'SHARE_INVALID',
    `the shares are (k, L, n) ramp shares with L = ${L}; reconstruct takes threshold shares only`,
    'Recover ramp and dispersal shares with recover() / recoverInto().',
    { subCode: 'WRONG_VARIANT', field: 'shares[0].L' },
  );
}

/** `select`, then (for `reconstruct`) the refusal of ramp shares. */
function selectVariant(
  shares: readonly Share[],
  thresholdOnly: boolean,
): Result<Selection, XoridaError> {
  const sel = select(shares);
  if (sel.ok && thresholdOnly && sel.value.layout.L !== 1) return wrongVariant(sel.value.layout.L);
  return sel;
}

function recoverAlloc(
  shares: readonly Share[],
  thresholdOnly: boolean,
): Result<Uint8Array, XoridaError> {
  const sel = selectVariant(shares, thresholdOnly);
  if (!sel.ok) return sel;
  const out = new Uint8Array(sel.value.layout.length);
  if (!apply(sel.value, out)) {
    out.fill(0);
    return paddingError();
  }
  return ok(out);
}

function recoverOut(
  shares: readonly Share[],
  out: Uint8Array,
  thresholdOnly: boolean,
): Result<number, XoridaError> {
  const sel = selectVariant(shares, thresholdOnly);
  if (!sel.ok) return sel;
  const length = sel.value.layout.length;
  if (!(out instanceof Uint8Array) || !ArrayBuffer.isView(out) || out.length < length) {
    return xoridaErr(
      'INVALID_CONFIG',
      `out must hold at least ${length} bytes`,
      'Allocate originalLength bytes.',
      { field: 'out' },
    );
  }
  for (const s of sel.value.chosen) {
    if (overlaps(out, s.payload)) {
      return xoridaErr(
        'INVALID_CONFIG',
        `out overlaps the payload of share ${s.index}`,
        'Reconstruct into a separate buffer: the payloads are read while out is written.',
        { field: 'out' },
      );
    }
  }
  if (!apply(sel.value, out)) {
    out.fill(0, 0, length);
    return paddingError();
  }
  return ok(length);
}

/**
 * Recovers the secret from at least k distinct threshold shares of one split (from `split`).
 * @param shares k or more shares (any order); the k smallest indices are used
 * @returns the secret (`originalLength` bytes, a new buffer), or `INSUFFICIENT_SHARES`,
 *   `INCONSISTENT_SHARES` (`GROUP_MISMATCH`, `PARAMETER_MISMATCH`, `DUPLICATE_INDEX`),
 *   `SHARE_INVALID` (malformed share; `WRONG_VARIANT` for ramp shares, use `recover`) or
 *   `RECONSTRUCT_FAILED` (`PADDING_NONZERO`)
 * @see xorida-scheme.md sections 3.4 and 3.5(a)
 */
export function reconstruct(shares: readonly Share[]): Result<Uint8Array, XoridaError> {
  return recoverAlloc(shares, true);
}

/**
 * Like `reconstruct`, but writes into `out` (no allocation of the secret).
 * @param shares k or more shares of one split
 * @param out buffer of at least `originalLength` bytes, not overlapping any share payload;
 *   bytes `[0, originalLength)` are written
 * @returns the number of bytes written (`originalLength`), or the errors of `reconstruct`, or
 *   `INVALID_CONFIG` (field `out`) when `out` is too small or overlaps a payload
 */
export function reconstructInto(
  shares: readonly Share[],
  out: Uint8Array,
): Result<number, XoridaError> {
  return recoverOut(shares, out, true);
}

/**
 * Recovers the data from at least k distinct shares of one (k, L, n) ramp split: dispersal
 * shares from `disperse` (L = k), any other L, and threshold shares (L = 1) alike.
 * Fewer than k shares are refused with `INSUFFICIENT_SHARES`, whatever L is.
 * @param shares k or more shares (any order); the k smallest indices are used
 * @returns the data (`originalLength` bytes, a new buffer), or `INSUFFICIENT_SHARES`,
 *   `INCONSISTENT_SHARES` (`GROUP_MISMATCH`, `PARAMETER_MISMATCH` including a different L,
 *   `DUPLICATE_INDEX`), `SHARE_INVALID` (malformed share) or `RECONSTRUCT_FAILED`
 *   (`PADDING_NONZERO`)
 * @see xorida-scheme.md section 9.3
 */
export function recover(shares: readonly Share[]): Result<Uint8Array, XoridaError> {
  return recoverAlloc(shares, false);
}

/**
 * Like `recover`, but writes into `out` (no allocation of the data).
 * @param shares k or more shares of one ramp split
 * @param out buffer of at least `originalLength` bytes, not overlapping any share payload;
 *   bytes `[0, originalLength)` are written
 * @returns the number of bytes written, or the errors of `recover`, or `INVALID_CONFIG`
 *   (field `out`)
 */
export function recoverInto(
  shares: readonly Share[],
  out: Uint8Array,
): Result<number, XoridaError> {
  return recoverOut(shares, out, false);
}
