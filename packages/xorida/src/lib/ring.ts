/**
 * Arithmetic on p-bit polynomials over GF(2) for the recovery schedules (xorida-scheme.md
 * sections 3.5 and 9.3): the cyclic ring `GF(2)[x]/(x^p - 1)` and its quotient
 * `F = GF(2)[x]/M` with `M = 1 + x + ... + x^(p-1)`. Two representations: `bigint` (bit b = the
 * coefficient of x^b) for the few products and inverses per share, and `Uint32Array` words for
 * the per-observation loop, where rotating in place avoids allocating a bigint per piece.
 *
 * Everything here depends only on public share indices, never on secret data.
 *
 * @module
 */

/** Rotates `f` by one position in place: multiplication by x modulo `x^p - 1`. */
export function rotateLeft1(f: Uint32Array, p: number): void {
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

/** Coefficient of `x^b` in `f`. */
export function bit(f: Uint32Array, b: number): number {
  return (f[b >>> 5]! >>> (b & 31)) & 1;
}

/** `f * x^s mod (x^p - 1)` for 0 <= s < p, as a new bigint. */
export function rotateBig(f: bigint, s: number, p: number): bigint {
  if (s === 0) return f;
  const P = BigInt(p);
  const S = BigInt(s);
  return ((f << S) | (f >> (P - S))) & ((1n << P) - 1n);
}

/** `a * b mod (x^p - 1)`: one rotation and XOR per set bit of `b`. */
export function mulCyclic(a: bigint, b: bigint, p: number): bigint {
  let out = 0n;
  const bits = b.toString(2);
  for (let c = 0; c < bits.length; c++) {
    if (bits.charCodeAt(bits.length - 1 - c) === 49) out ^= rotateBig(a, c, p);
  }
  return out;
}

/**
 * `lambda = (PROD_u (1 + x^(a_u)))^(-1) mod M`. The product costs one rotation and XOR per
 * factor; the inverse is one extended Euclid over GF(2)[x]. This replaces k-1 full ring
 * multiplications per share (k = 128, n = 255 went from ~0.3 s to a few tens of ms). Every
 * factor is coprime to M (1 + z^a = 0 only for z^a = 1), so the inverse exists.
 * @param shifts the exponents a_u, each in 1..p-1
 * @param p the scheme prime
 */
export function lambdaOf(shifts: readonly number[], p: number): bigint {
  const mask = (1n << BigInt(p)) - 1n; // also M = 1 + x + ... + x^(p-1)
  let prod = 1n;
  for (const a of shifts) prod ^= rotateBig(prod, a, p); // * (1 + x^a) mod x^p - 1
  return inverseMod(prod, mask);
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

/** A p-bit bigint as `W` little-endian 32-bit words. */
export function toWords(f: bigint, W: number): Uint32Array {
  const out = new Uint32Array(W);
  for (let w = 0; w < W; w++) out[w] = Number(BigInt.asUintN(32, f >> BigInt(32 * w)));
  return out;
}

/** Reduces a cyclic representative modulo M: adding M (all p bits) clears bit p-1. */
export function reduceModM(f: Uint32Array, p: number): void {
  if (!bit(f, p - 1)) return;
  for (let w = 0; w < f.length; w++) f[w] = ~f[w]!;
  const top = (p - 1) >>> 5;
  f[top] = f[top]! & topMask(p);
}
