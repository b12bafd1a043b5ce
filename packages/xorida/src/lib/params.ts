/**
 * Scheme parameters of xorida-scheme.md section 1: the prime `p`, the piece size `d` and the
 * padded length `P = (p-1)*d`.
 *
 * Pitfall: `p` is pinned to the smallest odd prime >= max(n, 3). Any other prime gives a
 * working scheme too, but its shares are incompatible with ours, so never "optimise" it.
 *
 * @module
 */

/** Largest supported number of shares: the index fits one byte and `p <= 257`. */
export const MAX_SHARES = 255;

/** Largest secret length in bytes: the share header stores it as an unsigned 32-bit integer. */
export const MAX_SECRET_LENGTH = 0xffff_ffff;

const PRIMES: number[] = [];
for (let c = 3; c <= 257; c += 2) {
  let isPrime = true;
  for (let f = 3; f * f <= c; f += 2) {
    if (c % f === 0) {
      isPrime = false;
      break;
    }
  }
  if (isPrime) PRIMES.push(c);
}

/**
 * The scheme's prime for `n` shares: the smallest odd prime `>= max(n, 3)`.
 * @param n number of shares, 2..255 (not validated here)
 * @returns p, e.g. 3 for n = 2..3, 5 for 4..5, 257 for 252..255
 */
export function choosePrime(n: number): number {
  for (const p of PRIMES) if (p >= n) return p;
  return 257;
}

/**
 * Piece size `d = ceil(length / pieces)` in bytes: `pieces` is p-1 for a threshold split and
 * `L*(p-1)` for a ramp split.
 * @param secretLength secret length in bytes, >= 1
 * @param pieces number of secret pieces
 */
export function pieceSize(secretLength: number, pieces: number): number {
  return Math.ceil(secretLength / pieces);
}

/** The derived sizes of one split, all in bytes except `p` and the counts. */
export interface Layout {
  readonly k: number;
  readonly n: number;
  /** Ramp parameter L (xorida-scheme.md section 9): 1 for the threshold scheme, k for dispersal. */
  readonly L: number;
  readonly p: number;
  /** Piece size in bytes. */
  readonly d: number;
  /** Original (unpadded) secret length in bytes. */
  readonly length: number;
  /** Padded length `(p-1)*d` = every share's payload length, in bytes. */
  readonly padded: number;
  /** Number of random pieces drawn: `(k-L)*p - 1`, or 0 when L = k. */
  readonly randomPieces: number;
}

/**
 * Computes the layout of a split; assumes `k`, `n`, `L` and `length` were validated.
 * @param k threshold, 2..n
 * @param n number of shares, k..255
 * @param length secret length in bytes, >= 1
 * @param L ramp parameter, 1..k (1: the threshold scheme; xorida-scheme.md section 9)
 */
export function layoutOf(k: number, n: number, length: number, L = 1): Layout {
  const p = choosePrime(n);
  const d = pieceSize(length, L * (p - 1));
  const randomPieces = k > L ? (k - L) * p - 1 : 0;
  return { k, n, L, p, d, length, padded: (p - 1) * d, randomPieces };
}

/**
 * Payload length of every share for a secret of `secretLength` bytes split into `n` shares.
 * Use it to preallocate buffers for `splitInto` (L = 1) or `disperseInto` (L >= 2).
 * @param secretLength secret length in bytes, >= 1
 * @param n number of shares, 2..255
 * @param L ramp parameter, 1..k (default 1, the threshold scheme)
 * @returns `(p-1) * ceil(secretLength / (L*(p-1)))` bytes
 */
export function shareLength(secretLength: number, n: number, L = 1): number {
  const p = choosePrime(n);
  return (p - 1) * pieceSize(secretLength, L * (p - 1));
}

/**
 * Largest `k * L * (p-1)^2` a ramp split may have (xorida-scheme.md section 9.5). It bounds the
 * recovery schedule (at most that many terms over L*(p-1) pieces) and its derivation, which
 * run on parameters read from untrusted share headers. Every threshold split (L = 1) is below it.
 */
export const MAX_RAMP_WORK = 1 << 24;

/**
 * True when a (k, L, n) split is within `MAX_RAMP_WORK`.
 * @param k threshold
 * @param n number of shares
 * @param L ramp parameter
 */
export function rampWithinBounds(k: number, n: number, L: number): boolean {
  const p1 = choosePrime(n) - 1;
  return k * L * p1 * p1 <= MAX_RAMP_WORK;
}

/** True when `x` is an integer in `[lo, hi]`. */
export function isIntIn(x: unknown, lo: number, hi: number): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= lo && x <= hi;
}
