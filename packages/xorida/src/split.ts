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
import { deal } from './lib/dealer.js';
import { isIntIn, type Layout, layoutOf, MAX_SECRET_LENGTH, MAX_SHARES } from './lib/params.js';
import { fillRandom } from './lib/random.js';
import { ok, type Result } from './result.js';
import { GROUP_ID_LENGTH, type Share } from './share.js';

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
  /** Same as the top-level `split` with this splitter's parameters. */
  split(secret: Uint8Array): Result<Share[], XoridaError>;
  /** Wipes and releases the scratch buffer. */
  dispose(): void;
}

function checkOptions(options: SplitOptions): Result<void, XoridaError> {
  const n = options?.shares;
  const k = options?.threshold;
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
  return ok(undefined);
}

function checkSecret(secret: Uint8Array): Result<void, XoridaError> {
  if (!(secret instanceof Uint8Array)) {
    return xoridaErr(
      'INVALID_CONFIG',
      'secret must be a Uint8Array',
      'Encode text with utf8ToBytes() first.',
      { field: 'secret' },
    );
  }
  if (secret.length < 1 || secret.length > MAX_SECRET_LENGTH) {
    return xoridaErr(
      'INVALID_CONFIG',
      `secret must be 1..${MAX_SECRET_LENGTH} bytes, got ${secret.length}`,
      'Split non-empty secrets; chunk very large ones.',
      { field: 'secret' },
    );
  }
  return ok(undefined);
}

function overlaps(a: Uint8Array, b: Uint8Array): boolean {
  return (
    a.buffer === b.buffer &&
    a.byteOffset < b.byteOffset + b.length &&
    b.byteOffset < a.byteOffset + a.length
  );
}

function checkPayloads(
  layout: Layout,
  secret: Uint8Array,
  payloads: readonly Uint8Array[],
): Result<void, XoridaError> {
  const bad = (message: string) =>
    xoridaErr(
      'INVALID_CONFIG',
      message,
      `Allocate ${layout.n} separate buffers of shareLength(${layout.length}) = ${layout.padded} bytes.`,
      { field: 'payloads' },
    );
  if (!Array.isArray(payloads) || payloads.length !== layout.n)
    return bad(`expected ${layout.n} payload buffers`);
  for (let i = 0; i < payloads.length; i++) {
    const p = payloads[i];
    if (!(p instanceof Uint8Array) || p.length !== layout.padded)
      return bad(`payloads[${i}] must be ${layout.padded} bytes`);
    if (overlaps(p, secret)) return bad(`payloads[${i}] overlaps the secret`);
    for (let j = 0; j < i; j++)
      if (overlaps(p, payloads[j]!)) return bad(`payloads[${i}] overlaps payloads[${j}]`);
  }
  return ok(undefined);
}

/**
 * Draws groupId + random stream in one CSPRNG buffer, deals, wipes the randomness.
 * `scratch` is reused when large enough.
 */
function dealRandom(
  layout: Layout,
  secret: Uint8Array,
  payloads: readonly Uint8Array[],
  scratch?: Uint8Array,
): Uint8Array {
  const need = GROUP_ID_LENGTH + layout.randomPieces * layout.d;
  const buf = scratch && scratch.length >= need ? scratch.subarray(0, need) : new Uint8Array(need);
  fillRandom(buf);
  const groupId = buf.slice(0, GROUP_ID_LENGTH);
  deal(layout, secret, buf.subarray(GROUP_ID_LENGTH), payloads);
  buf.fill(0);
  return groupId;
}

/**
 * Random scratch kept between calls of `split` so a large split does not pay for a fresh
 * zeroed allocation (page faults: ~190 µs per MiB on Node 20). Wiped after every use, so it
 * holds no randomness between calls; buffers above RETAIN_MAX are not kept.
 */
let sharedScratch = new Uint8Array(0);
const RETAIN_MAX = 4 * 1024 * 1024 + GROUP_ID_LENGTH;

function scratchFor(need: number): Uint8Array | undefined {
  if (need > RETAIN_MAX) return undefined;
  if (sharedScratch.length < need) sharedScratch = new Uint8Array(need);
  return sharedScratch;
}

function toShares(layout: Layout, groupId: Uint8Array, payloads: Uint8Array[]): Share[] {
  return payloads.map((payload, index) => ({
    index,
    k: layout.k,
    n: layout.n,
    groupId: index === 0 ? groupId : groupId.slice(),
    originalLength: layout.length,
    payload,
  }));
}

/**
 * Splits `secret` into `options.shares` shares, any `options.threshold` of which recover it.
 * Each share is `shareLength(secret.length, n)` bytes (the secret padded to a multiple of p-1),
 * in its own buffer.
 * @param secret 1..2^32-1 bytes; not modified
 * @param options `{ threshold: k, shares: n }` with 2 <= k <= n <= 255
 * @returns n shares with indices 0..n-1 and one random 16-byte groupId, or `INVALID_CONFIG`
 *   (field `threshold`, `shares` or `secret`)
 * @see xorida-scheme.md section 2; Kurihara et al., ISC 2008, doi:10.1007/978-3-540-85886-7_31
 */
export function split(secret: Uint8Array, options: SplitOptions): Result<Share[], XoridaError> {
  const o = checkOptions(options);
  if (!o.ok) return o;
  const s = checkSecret(secret);
  if (!s.ok) return s;
  const layout = layoutOf(options.threshold, options.shares, secret.length);
  const payloads = Array.from({ length: layout.n }, () => new Uint8Array(layout.padded));
  const groupId = dealRandom(
    layout,
    secret,
    payloads,
    scratchFor(GROUP_ID_LENGTH + layout.randomPieces * layout.d),
  );
  return ok(toShares(layout, groupId, payloads));
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
  const k = options.threshold;
  const n = options.shares;
  let scratch = new Uint8Array(0);
  const splitter: Splitter = {
    threshold: k,
    shares: n,
    shareLength: (secretLength) => layoutOf(k, n, secretLength).padded,
    splitInto(secret, payloads) {
      const s = checkSecret(secret);
      if (!s.ok) return s;
      const layout = layoutOf(k, n, secret.length);
      const p = checkPayloads(layout, secret, payloads);
      if (!p.ok) return p;
      const need = GROUP_ID_LENGTH + layout.randomPieces * layout.d;
      if (scratch.length < need) scratch = new Uint8Array(need);
      return ok(dealRandom(layout, secret, payloads, scratch));
    },
    split(secret) {
      const s = checkSecret(secret);
      if (!s.ok) return s;
      const layout = layoutOf(k, n, secret.length);
      const payloads = Array.from({ length: n }, () => new Uint8Array(layout.padded));
      const need = GROUP_ID_LENGTH + layout.randomPieces * layout.d;
      if (scratch.length < need) scratch = new Uint8Array(need);
      return ok(toShares(layout, dealRandom(layout, secret, payloads, scratch), payloads));
    },
    dispose() {
      scratch.fill(0);
      scratch = new Uint8Array(0);
    },
  };
  return ok(splitter);
}
