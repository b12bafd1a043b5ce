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
 * The (k, L, n) ramp form (section 9.3) recovers L secret vectors instead of one: vector g sits
 * in slot u of the share polynomial, and its coefficient per share is lambda_i * x^(-i) times
 * the elementary symmetric polynomial `e_u` of `{x^j : j in T, j != i}` (u = 0 gives the
 * threshold case, e_0 = 1). With L = 1 the derivation is exactly the one above.
 *
 * @module
 */
import { bit, lambdaOf, mulCyclic, reduceModM, rotateBig, rotateLeft1, toWords } from './ring.js';

/** Which observations (`q = t*(p-1) + j`, t = position in T) XOR to each secret piece. */
export interface Schedule {
  readonly p: number;
  /**
   * `terms[o+1]` for secret piece `o = g*(p-1) + m - 1` of vector g = 0..L-1 (piece `s_m` when
   * L = 1), i.e. the piece at padded bytes `[o*d, (o+1)*d)`; `terms[0]` is empty.
   */
  readonly terms: readonly Int32Array[];
  /** Total number of terms, for the cache budget. */
  readonly size: number;
  /** Largest number of terms of one piece (sizes the caller's scratch arrays). */
  readonly widest: number;
}

/** A slot of the share polynomial that holds secret vector g (section 9.2). */
interface SecretSlot {
  readonly u: number;
  readonly g: number;
  /** True for slot 1 when L = k: its virtual zero piece is at position p-1, not 0. */
  readonly zeroAtTop: boolean;
}

function secretSlots(k: number, L: number): SecretSlot[] {
  const slots: SecretSlot[] = [{ u: 0, g: 0, zeroAtTop: false }];
  for (let g = 1; g < L; g++) slots.push({ u: k - L + g, g, zeroAtTop: k - L + g === 1 });
  return slots;
}

/** `e_0..e_k` of `{x^i : i in T}` in `GF(2)[x]/(x^p - 1)`: coefficients of PROD (1 + x^i Z). */
function elementary(T: readonly number[], p: number): bigint[] {
  const e: bigint[] = [1n];
  for (const i of T) {
    e.push(0n);
    for (let u = e.length - 1; u >= 1; u--) e[u] = e[u]! ^ rotateBig(e[u - 1]!, i, p);
  }
  return e;
}

/** Bits `from..to` set, as words. */
function rangeMask(W: number, from: number, to: number): Int32Array {
  const mask = new Int32Array(W);
  for (let m = from; m <= to; m++) mask[m >>> 5] = mask[m >>> 5]! | (1 << (m & 31));
  return mask;
}

/** Per secret piece, a bitset over the k(p-1) observations. */
class PieceSets {
  readonly words: number;
  readonly bits: Uint32Array;
  constructor(
    readonly pieces: number,
    observations: number,
  ) {
    this.words = (observations + 31) >>> 5;
    this.bits = new Uint32Array(pieces * this.words);
  }

  set(o: number, q: number): void {
    const w = o * this.words + (q >>> 5);
    this.bits[w] = this.bits[w]! ^ (1 << (q & 31));
  }

  /**
   * Section 9.3, L = k: the parity Q of every secret piece is the XOR of all pieces recovered so
   * far (vector 1 still holds t_j = d_j ^ Q, and p-1 copies of Q cancel); then d_j = t_j ^ Q.
   */
  fixTopSlot(g: number, p: number): void {
    const W = this.words;
    const q = new Uint32Array(W);
    for (let o = 0; o < this.pieces; o++)
      for (let w = 0; w < W; w++) q[w] = q[w]! ^ this.bits[o * W + w]!;
    for (let o = g * (p - 1); o < (g + 1) * (p - 1); o++)
      for (let w = 0; w < W; w++) this.bits[o * W + w] = this.bits[o * W + w]! ^ q[w]!;
  }

  toSchedule(p: number): Schedule {
    const W = this.words;
    let size = 0;
    let widest = 0;
    const terms: Int32Array[] = [new Int32Array(0)];
    const list: number[] = [];
    for (let o = 0; o < this.pieces; o++) {
      list.length = 0;
      for (let w = 0; w < W; w++) {
        let bits = this.bits[o * W + w]!;
        while (bits !== 0) {
          const low = bits & -bits;
          list.push((w << 5) + 31 - Math.clz32(low));
          bits ^= low;
        }
      }
      size += list.length;
      widest = Math.max(widest, list.length);
      terms.push(Int32Array.from(list));
    }
    return { p, terms, size, widest };
  }
}

/**
 * Derives the schedule for sorted distinct indices `T` of a (k, L, n) split with prime `p`.
 * @param p the scheme prime
 * @param T k sorted distinct share indices, each < n <= p
 * @param L ramp parameter, 1..k (default 1: the threshold scheme of section 3)
 * @returns `L*(p-1)` term lists (see `Schedule.terms`)
 */
export function deriveSchedule(p: number, T: readonly number[], L = 1): Schedule {
  const W = (p + 31) >>> 5;
  const k = T.length;
  const sets = new PieceSets(L * (p - 1), k * (p - 1));
  const inner = rangeMask(W, 1, p - 2);
  const lower = rangeMask(W, 0, p - 2);
  const slots = secretSlots(k, L);
  const e = L > 1 ? elementary(T, p) : [];
  const c = new Uint32Array(W);
  for (let t = 0; t < k; t++) {
    const i = T[t]!;
    const shifts: number[] = [];
    for (let v = 0; v < k; v++) if (v !== t) shifts.push((T[v]! - i + p) % p);
    const base = rotateBig(lambdaOf(shifts, p), (p - i) % p, p); // lambda * x^(-i)
    let E = 1n; // e_u of T without i: E_u = e_u ^ x^i * E_(u-1)
    let u = 0;
    for (const slot of slots) {
      while (u < slot.u) E = e[++u]! ^ rotateBig(E, i, p);
      const kappa = slot.u === 0 ? base : mulCyclic(base, E, p);
      const cur = toWords(kappa, W);
      const last = toWords(rotateBig(kappa, p - 1, p), W); // kappa * x^(p-1)
      const first = slot.g * (p - 1);
      for (let j = 0; j <= p - 2; j++) {
        for (let w = 0; w < W; w++) c[w] = cur[w]! ^ last[w]!;
        reduceModM(c, p);
        const q = t * (p - 1) + j;
        if (slot.zeroAtTop) {
          // t_m = c_m for m = 0..p-2 (fixed up by fixTopSlot below)
          for (let w = 0; w < W; w++) {
            let bits = c[w]! & lower[w]!;
            while (bits !== 0) {
              const low = bits & -bits;
              sets.set(first + (w << 5) + 31 - Math.clz32(low), q);
              bits ^= low;
            }
          }
        } else {
          // s_m (1 <= m <= p-2) takes q iff c_m ^ c_0: walk only the set bits of
          // c ^ (c0 ? ~0 : 0) within bits 1..p-2, so the cost follows the number of terms.
          const c0 = bit(c, 0);
          const flip = c0 ? -1 : 0;
          for (let w = 0; w < W; w++) {
            let bits = (c[w]! ^ flip) & inner[w]!;
            while (bits !== 0) {
              const low = bits & -bits;
              sets.set(first + (w << 5) + 30 - Math.clz32(low), q);
              bits ^= low;
            }
          }
          if (c0) sets.set(first + p - 2, q);
        }
        rotateLeft1(cur, p);
      }
    }
  }
  if (L === k && k >= 2) sets.fixTopSlot(1, p);
  return sets.toSchedule(p);
}

/** Most schedule terms kept in the cache (4 bytes each): 16 MiB. */
const CACHE_BUDGET = 1 << 22;
const cache = new Map<string, Schedule>();
let cached = 0;
/**
 * The last schedule returned, with its parameters: repeated reconstructs of one split skip
 * building the string key and the Map refresh (a tenth of a 64-byte reconstruct). It is always
 * the most recently used cache entry, so the LRU order stays exact.
 */
let last: { k: number; L: number; n: number; T: number[]; schedule: Schedule } | undefined;

function isLast(k: number, n: number, T: readonly number[], L: number): boolean {
  if (last === undefined || last.k !== k || last.n !== n || last.L !== L) return false;
  const lt = last.T;
  if (lt.length !== T.length) return false;
  for (let i = 0; i < lt.length; i++) if (lt[i] !== T[i]) return false;
  return true;
}

/**
 * Returns the (cached) schedule for a (k, L, n) split and sorted share indices `T` (|T| = k).
 * @param k threshold
 * @param n number of shares
 * @param p the scheme prime for n
 * @param T sorted distinct indices
 * @param L ramp parameter, 1..k (default 1)
 */
export function scheduleFor(
  k: number,
  n: number,
  p: number,
  T: readonly number[],
  L = 1,
): Schedule {
  if (isLast(k, n, T, L)) return last!.schedule;
  const key = `${k}:${L}:${n}:${T.join(',')}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit); // refresh recency
    last = { k, L, n, T: [...T], schedule: hit };
    return hit;
  }
  const schedule = deriveSchedule(p, T, L);
  if (schedule.size <= CACHE_BUDGET) {
    last = { k, L, n, T: [...T], schedule };
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
  last = undefined;
}
