/**
 * Recovery schedules: for a set T of k share indices, which observed pieces XOR to each secret
 * piece `s_m` (xorida-scheme.md section 3). Derived with the ring method of section 3.5(a),
 * which needs no `k(p-1)`-row elimination: with `M = 1 + x + ... + x^(p-1)`,
 *
 *   lambda_i = PROD_{j in T, j != i} (1 + x^((j-i) mod p))^(-1)   (mod M)
 *   c(i,j)   = lambda_i * x^(-i) * (x^j + x^(p-1))                (mod M)
 *
 * and observation `w[i][j]` belongs to `s_{p-1}` iff `c_0 = 1`, to `s_m` iff `c_m ^ c_0 = 1`.
 * The inverse has a closed form: `(1 + y)^(-1) = y + y^3 + ... + y^(p-2)` modulo `Phi_p(y)`
 * (multiply out: the product is `Phi_p(y) + 1`), with `y = x^a`. This holds modulo M because
 * `Phi_p(x^a) = M` modulo `x^p - 1` whenever a != 0 mod p: a is invertible mod p, so
 * `x -> x^a` only permutes the exponents 0..p-1 of the all-ones polynomial.
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

/** Product in GF(2)[x]/(x^p - 1) by shift-and-add. */
function mulCyclic(a: Uint32Array, b: Uint32Array, p: number): Uint32Array {
  const acc = new Uint32Array(a.length);
  const cur = b.slice();
  for (let e = 0; e < p; e++) {
    if (bit(a, e)) for (let w = 0; w < acc.length; w++) acc[w] = acc[w]! ^ cur[w]!;
    rotateLeft1(cur, p);
  }
  return acc;
}

function rotate(f: Uint32Array, s: number, p: number): Uint32Array {
  const out = f.slice();
  for (let r = 0; r < s; r++) rotateLeft1(out, p);
  return out;
}

/** `(1 + x^a)^(-1)` as a cyclic representative: bits `a*t mod p` for odd t in 1..p-2. */
function inverseOnePlusXPow(a: number, p: number, W: number): Uint32Array {
  const f = new Uint32Array(W);
  for (let t = 1; t <= p - 2; t += 2) {
    const e = (a * t) % p;
    f[e >>> 5] = f[e >>> 5]! ^ (1 << (e & 31));
  }
  return f;
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
  for (let t = 0; t < k; t++) {
    const i = T[t]!;
    let lambda: Uint32Array = new Uint32Array(W);
    lambda[0] = 1;
    for (let u = 0; u < k; u++) {
      if (u === t) continue;
      lambda = mulCyclic(lambda, inverseOnePlusXPow((T[u]! - i + p) % p, p, W), p);
    }
    const cur = rotate(lambda, (p - i) % p, p); // lambda * x^(-i)
    const last = rotate(cur, p - 1, p); // ... * x^(p-1)
    for (let j = 0; j <= p - 2; j++) {
      for (let w = 0; w < W; w++) c[w] = cur[w]! ^ last[w]!;
      reduceModM(c, p);
      const q = t * (p - 1) + j;
      const c0 = bit(c, 0);
      for (let m = 1; m <= p - 2; m++) if (bit(c, m) ^ c0) lists[m]!.push(q);
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
