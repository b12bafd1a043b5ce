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
 * Piece size `d = ceil(L / (p-1))` in bytes.
 * @param secretLength L in bytes, >= 1
 * @param p the scheme prime
 */
export function pieceSize(secretLength: number, p: number): number {
  return Math.ceil(secretLength / (p - 1));
}

/** The derived sizes of one split, all in bytes except `p` and the counts. */
export interface Layout {
  readonly k: number;
  readonly n: number;
  readonly p: number;
  /** Piece size in bytes. */
  readonly d: number;
  /** Original (unpadded) secret length in bytes. */
  readonly length: number;
  /** Padded length `(p-1)*d` = every share's payload length, in bytes. */
  readonly padded: number;
  /** Number of random pieces drawn: `(k-1)*p - 1`. */
  readonly randomPieces: number;
}

/**
 * Computes the layout of a split; assumes `k`, `n` and `length` were validated.
 * @param k threshold, 2..n
 * @param n number of shares, k..255
 * @param length secret length in bytes, >= 1
 */
export function layoutOf(k: number, n: number, length: number): Layout {
  const p = choosePrime(n);
  const d = pieceSize(length, p);
  return { k, n, p, d, length, padded: (p - 1) * d, randomPieces: (k - 1) * p - 1 };
}

/**
 * Payload length of every share for a secret of `secretLength` bytes split into `n` shares.
 * Use it to preallocate buffers for `splitInto`.
 * @param secretLength secret length in bytes, >= 1
 * @param n number of shares, 2..255
 * @returns `(p-1) * ceil(secretLength / (p-1))` bytes
 */
export function shareLength(secretLength: number, n: number): number {
  const p = choosePrime(n);
  return (p - 1) * pieceSize(secretLength, p);
}

/** True when `x` is an integer in `[lo, hi]`. */
export function isIntIn(x: unknown, lo: number, hi: number): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= lo && x <= hi;
}
