/**
 * Dispersal: the (k, L, n) ramp extension of the XOR scheme (Kurihara, Kiyomoto, Fukushima,
 * Tanaka, ISC 2008, section "extension"; conventions fixed in xorida-scheme.md section 9).
 * The data is cut into L vectors of p-1 pieces and k-L random vectors pad them; each share is
 * about `data / L` bytes and any k shares recover the data (`recover`).
 *
 * With the default L = k it is a pure XOR information dispersal: each share is about
 * `data / k` bytes and no randomness is drawn at all. What it does NOT give:
 *  - secrecy: with L = k, even ONE share is a fixed linear function of the data and leaks it
 *    (for L < k, up to k-L shares reveal nothing, and k-L+1 .. k-1 shares leak part of it).
 *    Encrypt first (for example AES-256-GCM under a key split with `split`) when the data is
 *    secret; that is Krawczyk's "Secret Sharing Made Short" (CRYPTO '93).
 *  - integrity: like `split`, the scheme is linear; authenticate in the layer above.
 *
 * @module
 */

import { type XoridaError, xoridaErr } from './errors.js';
import { checkPayloads, checkSecret } from './lib/deal-input.js';
import { isIntIn, layoutOf, MAX_SHARES, rampWithinBounds } from './lib/params.js';
import { dealRandom, Scratch, sharedScratch, toShares } from './lib/scratch.js';
import { ok, type Result } from './result.js';
import type { Share } from './share.js';
import { GROUP_ID_LENGTH } from './share.js';

/** Dispersal parameters. */
export interface DisperseOptions {
  /** k: how many shares recover the data, `2 <= k <= n`. */
  readonly k: number;
  /** n: how many shares to make, `k <= n <= 255`. */
  readonly n: number;
  /**
   * L: the ramp parameter, `1 <= L <= k`, default k (pure dispersal, no randomness). Each share
   * is about `data / L` bytes; k-L or fewer shares reveal nothing about the data. L = 1 is the
   * threshold scheme of `split`. `k * L * (p-1)^2` must be at most 2^24 (`MAX_RAMP_WORK`).
   */
  readonly L?: number;
}

/** Options of the top-level `disperse`. */
export interface DisperseCallOptions extends DisperseOptions {
  /** The 16-byte groupId to write in every share; default: 16 fresh random bytes. */
  readonly groupId?: Uint8Array;
}

/** A reusable disperser for one (k, L, n); keeps its random scratch (L < k) between calls. */
export interface Disperser {
  readonly k: number;
  readonly n: number;
  readonly L: number;
  /** Payload length in bytes of each share for data of `dataLength` bytes. */
  shareLength(dataLength: number): number;
  /**
   * Disperses `data` into caller-owned payload buffers (no payload allocation).
   * @param data 1 byte or more; padded share length at most 2^32-1 bytes
   * @param payloads n buffers of exactly `shareLength(data.length)` bytes, not overlapping
   *   each other or `data`; overwritten
   * @param groupId optional 16-byte groupId; default 16 random bytes
   * @returns the groupId (a new buffer), or `INVALID_CONFIG` (field `secret`, `payloads` or
   *   `groupId`)
   */
  disperseInto(
    data: Uint8Array,
    payloads: readonly Uint8Array[],
    groupId?: Uint8Array,
  ): Result<Uint8Array, XoridaError>;
  /** Same as the top-level `disperse` with this disperser's parameters. */
  disperse(data: Uint8Array, groupId?: Uint8Array): Result<Share[], XoridaError>;
  /** Wipes and releases the scratch buffer. */
  dispose(): void;
}

interface Checked {
  readonly k: number;
  readonly n: number;
  readonly L: number;
}

/** Reads k, n and L once (a getter cannot hand the dealer other values than the check saw). */
function checkOptions(options: DisperseOptions): Result<Checked, XoridaError> {
  const n: unknown = options?.n;
  const k: unknown = options?.k;
  const bad = (field: string, message: string, hint: string) =>
    xoridaErr('INVALID_CONFIG', message, hint, { field });
  if (!isIntIn(n, 2, MAX_SHARES))
    return bad(
      'n',
      `n must be an integer in 2..${MAX_SHARES}, got ${String(n)}`,
      'Pick n in 2..255.',
    );
  if (!isIntIn(k, 2, n))
    return bad(
      'k',
      `k must be an integer in 2..n (${n}), got ${String(k)}`,
      'k > n could never be recovered.',
    );
  const raw: unknown = options.L;
  const L = raw === undefined ? k : raw;
  if (!isIntIn(L, 1, k))
    return bad(
      'L',
      `L must be an integer in 1..k (${k}), got ${String(L)}`,
      'Leave L out for pure dispersal (L = k).',
    );
  if (!rampWithinBounds(k, n, L))
    return bad(
      'L',
      `k * L * (p-1)^2 exceeds 2^24 for (k, L, n) = (${k}, ${L}, ${n})`,
      'Use a smaller n, k or L: recovery cost grows with k*L*(p-1)^2.',
    );
  return ok({ k, n, L });
}

function checkGroupId(groupId: unknown): Result<Uint8Array | undefined, XoridaError> {
  if (groupId === undefined) return ok(undefined);
  if (
    !(groupId instanceof Uint8Array) ||
    !ArrayBuffer.isView(groupId) ||
    groupId.length !== GROUP_ID_LENGTH
  ) {
    return xoridaErr(
      'INVALID_CONFIG',
      `groupId must be ${GROUP_ID_LENGTH} bytes`,
      'Leave it out for a random groupId.',
      { field: 'groupId' },
    );
  }
  return ok(groupId);
}

function disperseWith(
  o: Checked,
  data: Uint8Array,
  groupId: unknown,
  scratch: Scratch,
): Result<Share[], XoridaError> {
  const s = checkSecret(data, o.n, o.L);
  if (!s.ok) return s;
  const g = checkGroupId(groupId);
  if (!g.ok) return g;
  const layout = layoutOf(o.k, o.n, data.length, o.L);
  const payloads = Array.from({ length: o.n }, () => new Uint8Array(layout.padded));
  return ok(toShares(layout, dealRandom(layout, data, payloads, scratch, g.value), payloads));
}

/**
 * Disperses `data` into `n` shares, any `k` of which recover it with `recover`.
 * Each share is `shareLength(data.length, n, L)` = `(p-1) * ceil(|data| / (L*(p-1)))` bytes,
 * in its own buffer: about `|data| / L`.
 *
 * NO SECRECY for L = k: every single share leaks information about the data. Encrypt first.
 * @param data 1 byte or more; not modified
 * @param options `{ k, n, L?, groupId? }`: 2 <= k <= n <= 255, 1 <= L <= k (default k)
 * @returns n shares with indices 0..n-1 (each with `L` set when L >= 2), or `INVALID_CONFIG`
 *   (field `k`, `n`, `L`, `groupId` or `secret`)
 * @see xorida-scheme.md section 9; Kurihara et al., ISC 2008, doi:10.1007/978-3-540-85886-7_31
 */
export function disperse(
  data: Uint8Array,
  options: DisperseCallOptions,
): Result<Share[], XoridaError> {
  const o = checkOptions(options);
  if (!o.ok) return o;
  return disperseWith(o.value, data, options.groupId, sharedScratch);
}

/**
 * Creates a reusable disperser for many buffers with the same (k, L, n), e.g. the encrypted
 * chunks of a file. Its `disperseInto` writes into caller-owned buffers; with L = k and a
 * given groupId it allocates nothing but the returned groupId copy and draws no randomness.
 * @param options `{ k, n, L? }` as for `disperse`
 * @returns a `Disperser`, or `INVALID_CONFIG`
 */
export function createDisperser(options: DisperseOptions): Result<Disperser, XoridaError> {
  const o = checkOptions(options);
  if (!o.ok) return o;
  const c = o.value;
  const scratch = new Scratch(Number.POSITIVE_INFINITY);
  const disperser: Disperser = {
    k: c.k,
    n: c.n,
    L: c.L,
    shareLength: (dataLength) => layoutOf(c.k, c.n, dataLength, c.L).padded,
    disperseInto(data, payloads, groupId) {
      const s = checkSecret(data, c.n, c.L);
      if (!s.ok) return s;
      const g = checkGroupId(groupId);
      if (!g.ok) return g;
      const layout = layoutOf(c.k, c.n, data.length, c.L);
      const p = checkPayloads(layout, data, payloads);
      if (!p.ok) return p;
      return ok(dealRandom(layout, data, payloads, scratch, g.value));
    },
    disperse: (data, groupId) => disperseWith(c, data, groupId, scratch),
    dispose: () => scratch.dispose(),
  };
  return ok(disperser);
}
