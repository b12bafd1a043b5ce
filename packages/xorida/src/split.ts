/**
 * Splitting a secret into n shares, any k of which recover it (Kurihara, Kiyomoto, Fukushima,
 * Tanaka, ISC 2008; exact conventions in xorida-scheme.md).
 *
 * What the split guarantees: any k-1 or fewer shares are uniformly random and independent of
 * the secret (perfect secrecy), given a CSPRNG. What it does NOT give: integrity. The scheme is
 * linear, so whoever holds one share can flip chosen bits of the recovered secret and nothing
 * here notices; authenticate shares or the secret in an outer layer (signature, manifest
 * digest, or a MAC keyed by the recovered secret). `k`, `n`, the index and the length are public.
 *
 * @module
 */
import { type XoridaError, xoridaErr } from './errors.js';
import { checkPayloads, checkSecret } from './lib/deal-input.js';
import { isIntIn, layoutOf, MAX_SHARES } from './lib/params.js';
import { dealRandom, Scratch, sharedScratch, toShares } from './lib/scratch.js';
import { ok, type Result } from './result.js';
import type { Share } from './share.js';
import { type DealerOptions, openDealer, type ShareDealer } from './split-dealer.js';

export type { DealerOptions, ShareDealer, ShareOverlay } from './split-dealer.js';

/** Split parameters. */
export interface SplitOptions {
  /** k: how many shares recover the secret, `2 <= threshold <= shares`. */
  readonly threshold: number;
  /** n: how many shares to make, `threshold <= shares <= 255`. */
  readonly shares: number;
}

/** A reusable dealer for one (k, n): keeps its random scratch between calls, wiped after each. */
export interface Splitter {
  readonly threshold: number;
  readonly shares: number;
  /** Payload length in bytes of each share for a secret of `secretLength` bytes. */
  shareLength(secretLength: number): number;
  /**
   * Splits `secret` into caller-owned payload buffers (no payload allocation).
   * @param secret 1..2^32-1 bytes
   * @param payloads n buffers of exactly `shareLength(secret.length)` bytes, not overlapping
   *   each other or `secret`; overwritten
   * @returns the split's 16-byte groupId, or `INVALID_CONFIG` (field `secret` or `payloads`)
   */
  splitInto(secret: Uint8Array, payloads: readonly Uint8Array[]): Result<Uint8Array, XoridaError>;
  /**
   * Starts a split whose shares are dealt one at a time, each into a caller buffer when the
   * caller is ready for it (e.g. sealing and sending one large share before the next exists):
   * the random stream is drawn once and kept, in this splitter's scratch, until `dispose`.
   * @param secret 1..2^32-1 bytes; read by every `dealInto`, so it must not change until the
   *   last share is dealt
   * @param options `overlay` room (k = 2: the shares made in the random stream's own buffer)
   * @returns a {@link ShareDealer}, or `INVALID_CONFIG` (field `secret` or `overlay`)
   */
  dealer(secret: Uint8Array, options?: DealerOptions): Result<ShareDealer, XoridaError>;
  /** Same as the top-level `split` with this splitter's parameters. */
  split(secret: Uint8Array): Result<Share[], XoridaError>;
  /** Wipes and releases the scratch buffer. */
  dispose(): void;
}

/** k and n read once: a getter cannot return one value to the check and another to the dealer. */
interface Checked {
  readonly k: number;
  readonly n: number;
}

function checkOptions(options: SplitOptions): Result<Checked, XoridaError> {
  const n: unknown = options?.shares;
  const k: unknown = options?.threshold;
  if (!isIntIn(n, 2, MAX_SHARES)) {
    return xoridaErr(
      'INVALID_CONFIG',
      `shares must be an integer in 2..${MAX_SHARES}, got ${String(n)}`,
      'Pick n between 2 and 255.',
      { field: 'shares' },
    );
  }
  if (!isIntIn(k, 2, n)) {
    return xoridaErr(
      'INVALID_CONFIG',
      `threshold must be an integer in 2..shares (${n}), got ${String(k)}`,
      'k = 1 would put the secret in every share; k > n could never be recovered.',
      { field: 'threshold' },
    );
  }
  return ok({ k, n });
}

function splitWith(
  k: number,
  n: number,
  secret: Uint8Array,
  scratch: Scratch,
): Result<Share[], XoridaError> {
  const s = checkSecret(secret, n);
  if (!s.ok) return s;
  const layout = layoutOf(k, n, secret.length);
  // A plain loop: Array.from with a map callback costs ~1 µs here, a sixth of a 64-byte split.
  const payloads: Uint8Array[] = new Array(n);
  for (let i = 0; i < n; i++) payloads[i] = new Uint8Array(layout.padded);
  return ok(toShares(layout, dealRandom(layout, secret, payloads, scratch), payloads));
}

/**
 * Splits `secret` into `options.shares` shares, any `options.threshold` of which recover it.
 * Each share is `shareLength(secret.length, n)` bytes (the secret padded to a multiple of p-1),
 * in its own buffer.
 * @param secret 1 byte or more, padded length at most 2^32-1 bytes; not modified
 * @param options `{ threshold: k, shares: n }` with 2 <= k <= n <= 255
 * @returns n shares with indices 0..n-1 and one random 16-byte groupId, or `INVALID_CONFIG`
 *   (field `threshold`, `shares` or `secret`)
 * @see xorida-scheme.md section 2; Kurihara et al., ISC 2008, doi:10.1007/978-3-540-85886-7_31
 */
export function split(secret: Uint8Array, options: SplitOptions): Result<Share[], XoridaError> {
  const o = checkOptions(options);
  if (!o.ok) return o;
  return splitWith(o.value.k, o.value.n, secret, sharedScratch);
}

/**
 * Creates a reusable splitter for many secrets with the same (k, n), e.g. chunks of a file.
 * Its `splitInto` writes into caller-owned buffers and reuses one random scratch buffer, so
 * the steady state allocates only the 16-byte groupId.
 * @param options `{ threshold: k, shares: n }` with 2 <= k <= n <= 255
 * @returns a `Splitter`, or `INVALID_CONFIG`
 */
export function createSplitter(options: SplitOptions): Result<Splitter, XoridaError> {
  const o = checkOptions(options);
  if (!o.ok) return o;
  const { k, n } = o.value;
  const scratch = new Scratch(Number.POSITIVE_INFINITY);
  const splitter: Splitter = {
    threshold: k,
    shares: n,
    shareLength: (secretLength) => layoutOf(k, n, secretLength).padded,
    splitInto(secret, payloads) {
      const s = checkSecret(secret, n);
      if (!s.ok) return s;
      const layout = layoutOf(k, n, secret.length);
      const p = checkPayloads(layout, secret, payloads);
      if (!p.ok) return p;
      return ok(dealRandom(layout, secret, payloads, scratch));
    },
    dealer: (secret, options) => openDealer(k, n, secret, scratch, options),
    split: (secret) => splitWith(k, n, secret, scratch),
    dispose: () => scratch.dispose(),
  };
  return ok(splitter);
}
