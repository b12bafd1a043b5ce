/**
 * Recovery schedules: for a set T of k share indices, which observed pieces XOR to each secret
 * piece `s_m` (xorida-scheme.md section 3). Derived with the ring method of section 3.5(a),
 * which needs no `k(p-1)`-row elimination: with `M = 1 + x + ... + x^(p-1)`,
 *
 *   lambda_i = PROD_{j in T, j != i} (1 + x^((j-i) mod p))^(-1)   (mod M)
 *   c(i,j)   = lambda_i * x^(-i) * (x^j + x^(p-1))                (mod M)
 *
 * and observation `w[i][j]` belongs to `s_{p-1}` iff `c_0 = 1`, to `s_m` iff `c_m ^ c_0 = 1`.
 * `lambda_i` is computed as the inverse of the product `PROD (1 + x^a)` (cheap: one rotation
 * and XOR per factor) by one extended Euclid over GF(2)[x]; every factor is coprime to M
 * because `1 + z^a` vanishes at a primitive p-th root of unity z only when p divides a.
 *
 * The schedule is unique (the system has full row rank, section 3.2), so this equals the
 * Gauss-Jordan schedule of section 3.3; the tests check that on every subset of small (k, n).
 * Schedules depend only on public indices and are cached in an LRU bounded by total terms.
 *
 * @module
 */

/** Which observations (`q = t*(p-1) + j`, t = position in T) XOR to each piece `s_m`. */
export interface Schedule {
  readonly p: number;
  /** `terms[m]` for m = 1..p-1; `terms[0]` is empty. */
  readonly terms: readonly Int32Array[];
  /** Total number of terms, for the cache budget. */
  readonly size: number;
  /** Largest number of terms of one piece (sizes the caller's scratch arrays). */
  readonly widest: number;
}

/** p-bit polynomials over GF(2), bit b = coefficient of x^b, in 32-bit words. */
function rotateLeft1(f: Uint32Array, p: number): void {
  const W = f.length;
  const top = (p - 1) >>> 5;
  const carry = (f[top]! >>> ((p - 1) & 31)) & 1;
  for (let w = W - 1; w > 0; w--) f[w] = (f[w]! << 1) | (f[w - 1]! >>> 31);
  f[0] = (f[0]! << 1) | carry;
  f[top] = f[top]! & topMask(p);
}

function topMask(p: number): number {
  const bits = p & 31;
  return bits === 0 ? 0xffffffff : (1 << bits) - 1;
}

function bit(f: Uint32Array, b: number): number {
  return (f[b >>> 5]! >>> (b & 31)) & 1;
}

/**
 * `lambda = (PROD_u (1 + x^(a_u)))^(-1) mod M` as p-bit words. The product costs one rotation
 * and XOR per factor; the inverse is one extended Euclid over GF(2)[x]. This replaces k-1 full
 * ring multiplications per share (k = 128, n = 255 went from ~0.3 s to a few tens of ms).
 * Every factor is coprime to M (1 + z^a = 0 only for z^a = 1), so the inverse exists.
 */
function lambdaOf(shifts: readonly number[], p: number, W: number): Uint32Array {
  const P = BigInt(p);
  const mask = (1n << P) - 1n; // also M = 1 + x + ... + x^(p-1)
  let prod = 1n;
  for (const a of shifts) {
    const A = BigInt(a);
    prod ^= ((prod << A) | (prod >> (P - A))) & mask; // * (1 + x^a) mod x^p - 1
  }
  const inv = inverseMod(prod, mask);
  const out = new Uint32Array(W);
  for (let w = 0; w < W; w++) out[w] = Number(BigInt.asUintN(32, inv >> BigInt(32 * w)));
  return out;
}

function degree(f: bigint): number {
  return f === 0n ? -1 : f.toString(2).length - 1;
}

/** `f^(-1) mod m` over GF(2)[x] by extended Euclid (invariant: s_i * f = r_i mod m). */
function inverseMod(f: bigint, m: bigint): bigint {
  let r0 = m;
  let s0 = 0n;
  let r1 = f;
  let s1 = 1n;
  let d0 = degree(r0);
  let d1 = degree(r1);
  while (r1 !== 0n) {
    while (d0 >= d1) {
      const shift = BigInt(d0 - d1);
      r0 ^= r1 << shift;
      s0 ^= s1 << shift;
      d0 = degree(r0);
    }
    [r0, r1, s0, s1, d0, d1] = [r1, r0, s1, s0, d1, d0];
  }
  if (r0 !== 1n) throw new Error('xorida: internal error, factor not invertible modulo M');
  // reduce s0 modulo m so it fits p bits
  const dm = degree(m);
  for (let d = degree(s0); d >= dm; d = degree(s0)) s0 ^= m << BigInt(d - dm);
  return s0;
}

function rotate(f: Uint32Array, s: number, p: number): Uint32Array {
  const out = f.slice();
  for (let r = 0; r < s; r++) rotateLeft1(out, p);
  return out;
}

/** Reduces a cyclic representative modulo M: adding M (all p bits) clears bit p-1. */
function reduceModM(f: Uint32Array, p: number): void {
  if (!bit(f, p - 1)) return;
  for (let w = 0; w < f.length; w++) f[w] = ~f[w]!;
  const top = (p - 1) >>> 5;
  f[top] = f[top]! & topMask(p);
}

/**
 * Derives the schedule for sorted distinct indices `T` of a (k, n) split with prime `p`.
 * @param p the scheme prime
 * @param T k sorted distinct share indices, each < n <= p
 */
export function deriveSchedule(p: number, T: readonly number[]): Schedule {
  const W = (p + 31) >>> 5;
  const k = T.length;
  const lists: number[][] = Array.from({ length: p }, () => []);
  const c = new Uint32Array(W);
  const rangeMask = new Int32Array(W); // bits 1..p-2
  for (let m = 1; m <= p - 2; m++) rangeMask[m >>> 5] = rangeMask[m >>> 5]! | (1 << (m & 31));
  for (let t = 0; t < k; t++) {
    const i = T[t]!;
    const shifts: number[] = [];
    for (let u = 0; u < k; u++) if (u !== t) shifts.push((T[u]! - i + p) % p);
    const lambda = lambdaOf(shifts, p, W);
    const cur = rotate(lambda, (p - i) % p, p); // lambda * x^(-i)
    const last = rotate(cur, p - 1, p); // ... * x^(p-1)
    for (let j = 0; j <= p - 2; j++) {
      for (let w = 0; w < W; w++) c[w] = cur[w]! ^ last[w]!;
      reduceModM(c, p);
      const q = t * (p - 1) + j;
      const c0 = bit(c, 0);
      // s_m (1 <= m <= p-2) takes q iff c_m ^ c_0: walk only the set bits of c ^ (c0 ? ~0 : 0)
      // restricted to bits 1..p-2, so the cost follows the number of terms, not k*(p-1)*p.
      const flip = c0 ? -1 : 0;
      for (let w = 0; w < W; w++) {
        let bits = (c[w]! ^ flip) & rangeMask[w]!;
        while (bits !== 0) {
          const low = bits & -bits;
          lists[(w << 5) + 31 - Math.clz32(low)]!.push(q);
          bits ^= low;
        }
      }
      if (c0) lists[p - 1]!.push(q);
      rotateLeft1(cur, p);
    }
  }
  let size = 0;
  let widest = 0;
  const terms = lists.map((l) => {
    size += l.length;
    widest = Math.max(widest, l.length);
    return Int32Array.from(l);
  });
  return { p, terms, size, widest };
}

/** Most schedule terms kept in the cache (4 bytes each): 16 MiB. */
const CACHE_BUDGET = 1 << 22;
const cache = new Map<string, Schedule>();
let cached = 0;

/**
 * Returns the (cached) schedule for a (k, n) split and sorted share indices `T` (|T| = k).
 * @param k threshold
 * @param n number of shares
 * @param p the scheme prime for n
 * @param T sorted distinct indices
 */
export function scheduleFor(k: number, n: number, p: number, T: readonly number[]): Schedule {
  const key = `${k}:${n}:${T.join(',')}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit); // refresh recency
    return hit;
  }
  const schedule = deriveSchedule(p, T);
  if (schedule.size <= CACHE_BUDGET) {
    cache.set(key, schedule);
    cached += schedule.size;
    for (const [oldKey, old] of cache) {
      if (cached <= CACHE_BUDGET) break;
      cache.delete(oldKey);
      cached -= old.size;
    }
  }
  return schedule;
}

/** Empties the schedule cache (tests and benchmarks use it to measure cold derivation). */
export function clearScheduleCache(): void {
  cache.clear();
  cached = 0;
}
