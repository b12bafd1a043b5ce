/**
 * XOR kernels: `dst[dOff..+len) = src_0 ^ src_1 ^ ... ^ src_{count-1}` over pieces of equal length.
 *
 * Why several paths: a BigUint64Array loop XORs 5-10 GB/s, an Int32Array loop about 5 GB/s and a
 * byte loop about 0.5 GB/s (Node 20 and 24, 2026-12). Pieces start at `j*d`, which is 8-byte
 * aligned only when `d` is, so the 64-bit path covers the common power-of-two sizes, the
 * Int32Array path pieces 4-byte aligned (`xorInt32`), and the rest is staged through aligned
 * buffers (`xorStaged`). Short pieces go byte by byte because creating typed-array views costs
 * more than it saves below ~64 bytes.
 *
 * Fused arities (a^b, a^b^c, a^b^c^e) read every source once and write `dst` once; reconstructing
 * 2-of-3 needs up to four terms per piece, and one fused pass moves a third of the memory that
 * three pairwise passes would.
 *
 * No branch or index depends on secret data: only on lengths and public share indices.
 *
 * Aliasing rule: `dst[dOff..+len)` must not overlap any source, except that it may be exactly
 * `srcs[0]` at `offs[0]` (the accumulate form D = D ^ A ^ ...). Any other overlap gives wrong
 * output; the public API refuses overlapping buffers before reaching here.
 *
 * @module
 */

const SMALL = 64;

/**
 * XORs `count` source pieces into `dst`.
 * @param dst destination buffer
 * @param dOff destination offset in bytes
 * @param srcs source buffers (only the first `count` are read)
 * @param offs source offsets in bytes, parallel to `srcs`
 * @param count number of sources, >= 1
 * @param len piece length in bytes
 */
export function xorSources(
  dst: Uint8Array,
  dOff: number,
  srcs: readonly Uint8Array[],
  offs: ArrayLike<number>,
  count: number,
  len: number,
): void {
  if (len <= 0) return;
  if (count === 1) {
    const s = srcs[0]!;
    const o = offs[0]!;
    if (len < SMALL) for (let b = 0; b < len; b++) dst[dOff + b] = s[o + b]!;
    else dst.set(s.subarray(o, o + len), dOff);
    return;
  }
  if (len < SMALL) {
    xorBytes(dst, dOff, srcs, offs, count, 0, len);
    return;
  }
  const lead = (dst.byteOffset + dOff) & 7;
  let misaligned = lead;
  let skewed = 0; // a source whose offset differs from dst's modulo 8
  for (let t = 0; t < count; t++) {
    const a = (srcs[t]!.byteOffset + offs[t]!) & 7;
    misaligned |= a;
    skewed |= a ^ lead;
  }
  if (misaligned === 0) xorWords64(dst, dOff, srcs, offs, count, len, 0);
  else if (skewed === 0) {
    // Co-aligned (e.g. payloads viewed inside encoded shares, 34-byte header, and an output
    // placed at the same offset modulo 8): a few bytes by hand, then the 64-bit path.
    const head = 8 - lead;
    xorBytes(dst, dOff, srcs, offs, count, 0, head);
    xorWords64(dst, dOff, srcs, offs, count, len, head);
  } else if ((misaligned & 3) === 0) xorInt32(dst, dOff, srcs, offs, count, len);
  else xorStaged(dst, dOff, srcs, offs, count, len);
}

/**
 * Byte-wise XOR of `count` sources over bytes `[from, to)` of the piece. Two and four sources
 * (every piece of a 2-of-3 split or reconstruct) get loops with the sources in locals: the
 * generic inner loop re-reads `srcs[t]` and `offs[t]` per byte.
 */
function xorBytes(
  dst: Uint8Array,
  dOff: number,
  srcs: readonly Uint8Array[],
  offs: ArrayLike<number>,
  count: number,
  from: number,
  to: number,
): void {
  if (count === 2) {
    const A = srcs[0]!;
    const B = srcs[1]!;
    const a = offs[0]!;
    const c = offs[1]!;
    for (let b = from; b < to; b++) dst[dOff + b] = A[a + b]! ^ B[c + b]!;
    return;
  }
  if (count === 4) {
    const A = srcs[0]!;
    const B = srcs[1]!;
    const C = srcs[2]!;
    const E = srcs[3]!;
    const a = offs[0]!;
    const c = offs[1]!;
    const e = offs[2]!;
    const f = offs[3]!;
    for (let b = from; b < to; b++) dst[dOff + b] = A[a + b]! ^ B[c + b]! ^ C[e + b]! ^ E[f + b]!;
    return;
  }
  for (let b = from; b < to; b++) {
    let v = 0;
    for (let t = 0; t < count; t++) v ^= srcs[t]![offs[t]! + b]!;
    dst[dOff + b] = v;
  }
}

function view64(buf: Uint8Array, off: number, words: number): BigUint64Array {
  return new BigUint64Array(buf.buffer, buf.byteOffset + off, words);
}

/*
 * 64-bit kernels, unrolled by 8. Why unrolled: V8 does not hoist the typed-array bounds and
 * backing-store checks out of a loop over parameters, and eight elements per iteration amortise
 * them (measured on Node 20: 1 MiB a^b in 114 µs unrolled vs 250 µs plain, 98 µs for a loop over
 * module constants). Accumulation reuses them with D passed as a source (D = D ^ A ^ ...).
 */
function x2(D: BigUint64Array, A: BigUint64Array, B: BigUint64Array, n: number): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    D[i] = A[i]! ^ B[i]!;
    D[i + 1] = A[i + 1]! ^ B[i + 1]!;
    D[i + 2] = A[i + 2]! ^ B[i + 2]!;
    D[i + 3] = A[i + 3]! ^ B[i + 3]!;
    D[i + 4] = A[i + 4]! ^ B[i + 4]!;
    D[i + 5] = A[i + 5]! ^ B[i + 5]!;
    D[i + 6] = A[i + 6]! ^ B[i + 6]!;
    D[i + 7] = A[i + 7]! ^ B[i + 7]!;
  }
  for (; i < n; i++) D[i] = A[i]! ^ B[i]!;
}

function x3(
  D: BigUint64Array,
  A: BigUint64Array,
  B: BigUint64Array,
  C: BigUint64Array,
  n: number,
): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    D[i] = A[i]! ^ B[i]! ^ C[i]!;
    D[i + 1] = A[i + 1]! ^ B[i + 1]! ^ C[i + 1]!;
    D[i + 2] = A[i + 2]! ^ B[i + 2]! ^ C[i + 2]!;
    D[i + 3] = A[i + 3]! ^ B[i + 3]! ^ C[i + 3]!;
  }
  for (; i < n; i++) D[i] = A[i]! ^ B[i]! ^ C[i]!;
}

function x4(
  D: BigUint64Array,
  A: BigUint64Array,
  B: BigUint64Array,
  C: BigUint64Array,
  E: BigUint64Array,
  n: number,
): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    D[i] = A[i]! ^ B[i]! ^ C[i]! ^ E[i]!;
    D[i + 1] = A[i + 1]! ^ B[i + 1]! ^ C[i + 1]! ^ E[i + 1]!;
    D[i + 2] = A[i + 2]! ^ B[i + 2]! ^ C[i + 2]! ^ E[i + 2]!;
    D[i + 3] = A[i + 3]! ^ B[i + 3]! ^ C[i + 3]! ^ E[i + 3]!;
  }
  for (; i < n; i++) D[i] = A[i]! ^ B[i]! ^ C[i]! ^ E[i]!;
}

/**
 * Aligned path over bytes `[head, len)` of the piece (all of them 8-byte aligned from `head`
 * on): the first up-to-4 sources fused, the rest folded in up to 3 at a time.
 */
function xorWords64(
  dst: Uint8Array,
  dOff: number,
  srcs: readonly Uint8Array[],
  offs: ArrayLike<number>,
  count: number,
  len: number,
  head: number,
): void {
  const w = (len - head) >>> 3;
  const D = view64(dst, dOff + head, w);
  const v = (t: number) => view64(srcs[t]!, offs[t]! + head, w);
  let t = Math.min(count, 4);
  if (t === 4) x4(D, v(0), v(1), v(2), v(3), w);
  else if (t === 3) x3(D, v(0), v(1), v(2), w);
  else x2(D, v(0), v(1), w);
  while (t < count) {
    const rest = count - t;
    if (rest >= 3) x4(D, D, v(t), v(t + 1), v(t + 2), w);
    else if (rest === 2) x3(D, D, v(t), v(t + 1), w);
    else x2(D, D, v(t), w);
    t += Math.min(rest, 3);
  }
  xorBytes(dst, dOff, srcs, offs, count, head + (w << 3), len);
}

function view32(buf: Uint8Array, off: number, words: number): Int32Array {
  return new Int32Array(buf.buffer, buf.byteOffset + off, words);
}

function i2(D: Int32Array, A: Int32Array, B: Int32Array, n: number): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    D[i] = A[i]! ^ B[i]!;
    D[i + 1] = A[i + 1]! ^ B[i + 1]!;
    D[i + 2] = A[i + 2]! ^ B[i + 2]!;
    D[i + 3] = A[i + 3]! ^ B[i + 3]!;
    D[i + 4] = A[i + 4]! ^ B[i + 4]!;
    D[i + 5] = A[i + 5]! ^ B[i + 5]!;
    D[i + 6] = A[i + 6]! ^ B[i + 6]!;
    D[i + 7] = A[i + 7]! ^ B[i + 7]!;
  }
  for (; i < n; i++) D[i] = A[i]! ^ B[i]!;
}

/**
 * 4-byte-aligned path: Int32Array words, sources folded in pairwise (D = D ^ S). Why: pieces
 * of odd-multiple-of-4 length (compact mode's sealed chunks, 4 MiB + 16 over k(p-1) pieces)
 * land here; measured on Node 20, 1.66 GB/s vs 1.10 GB/s for DataView words. Staging them through
 * 8-byte-aligned buffers (`xorStaged`) measured no faster for 1 MiB pieces (5.5 vs 5.0 GB/s on
 * Node 20, 4.5 vs 4.9 GB/s on Node 24), so they keep this path.
 */
function xorInt32(
  dst: Uint8Array,
  dOff: number,
  srcs: readonly Uint8Array[],
  offs: ArrayLike<number>,
  count: number,
  len: number,
): void {
  const w = len >>> 2;
  const D = view32(dst, dOff, w);
  i2(D, view32(srcs[0]!, offs[0]!, w), view32(srcs[1]!, offs[1]!, w), w);
  for (let t = 2; t < count; t++) i2(D, D, view32(srcs[t]!, offs[t]!, w), w);
  xorBytes(dst, dOff, srcs, offs, count, w << 2, len);
}

/**
 * Staging block: pieces are staged this many bytes at a time, so the staging buffers stay in
 * cache and their memory is bounded whatever the piece length (a split of a 64 MiB message has
 * pieces of tens of MiB; staging them whole took a second copy of the message).
 */
const STAGE_BLOCK = 64 * 1024;
const stageAcc = new Uint8Array(STAGE_BLOCK);
const stageSrc = new Uint8Array(STAGE_BLOCK);
const stageAcc64 = new BigUint64Array(stageAcc.buffer);
const stageSrc64 = new BigUint64Array(stageSrc.buffer);

/**
 * Unaligned path: each source piece is copied (memcpy) into 8-byte-aligned staging buffers,
 * one block at a time, and folded in with the 64-bit kernel, and the result copied into `dst`.
 * Why: the DataView getInt32/setInt32 loop this replaces ran at 2.5 GB/s on Node 20 and
 * 0.7 GB/s on Node 24 over 87,382-byte pieces (a 3-of-5 dispersal of 1 MiB: 12 pieces of odd
 * length), against 5.5 and 9.3 GB/s staged; a whole 3-of-5 dispersal of 1 MiB took 0.9 ms on
 * Node 20 and 3.8-5.0 ms on Node 24. Pitfall: pieces may be secret (split and reconstruct come
 * here too), so the staging buffers are wiped before returning. Not re-entrant, like every
 * kernel here (no callbacks).
 */
function xorStaged(
  dst: Uint8Array,
  dOff: number,
  srcs: readonly Uint8Array[],
  offs: ArrayLike<number>,
  count: number,
  len: number,
): void {
  const bytes = (len >>> 3) << 3;
  for (let at = 0; at < bytes; at += STAGE_BLOCK) {
    const n = Math.min(STAGE_BLOCK, bytes - at);
    const w = n >>> 3;
    const A = w === stageAcc64.length ? stageAcc64 : stageAcc64.subarray(0, w);
    const T = w === stageSrc64.length ? stageSrc64 : stageSrc64.subarray(0, w);
    stageAcc.set(srcs[0]!.subarray(offs[0]! + at, offs[0]! + at + n));
    for (let t = 1; t < count; t++) {
      stageSrc.set(srcs[t]!.subarray(offs[t]! + at, offs[t]! + at + n));
      x2(A, A, T, w);
    }
    // Written after every source block was read: dst may be exactly srcs[0] (accumulate form).
    dst.set(stageAcc.subarray(0, n), dOff + at);
  }
  const used = Math.min(STAGE_BLOCK, bytes);
  stageAcc.fill(0, 0, used);
  stageSrc.fill(0, 0, used);
  xorBytes(dst, dOff, srcs, offs, count, bytes, len);
}

/**
 * True when `buf[off..off+len)` is all zero; reads every byte (no early exit).
 * @param buf buffer to check
 * @param off offset in bytes
 * @param len length in bytes
 */
export function isAllZero(buf: Uint8Array, off: number, len: number): boolean {
  let acc = 0;
  for (let b = 0; b < len; b++) acc |= buf[off + b]!;
  return acc === 0;
}
