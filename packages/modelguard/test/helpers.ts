import { decodeShare, reconstructInto, SHARE_HEADER_LENGTH, type Share } from 'xorida';
import type { ModelMetadata, ModelWeightShare } from '../src/index.js';

/** Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
export function bytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function meta(size: number, name = 'test-model'): ModelMetadata {
  return {
    name,
    version: '1.0.0',
    architecture: 'mlp',
    parameterCount: Math.floor(size / 4),
    modelSize: size,
  };
}

/** Per-node share lists, as a node would return them. */
export function byNode(
  shares: ModelWeightShare[][],
  nodes: readonly number[],
): ModelWeightShare[][] {
  return nodes.map((node) => shares.map((row) => row[node]!));
}

/** All k-subsets of 0..n-1. */
export function subsets(n: number, k: number): number[][] {
  const out: number[][] = [];
  const rec = (start: number, acc: number[]) => {
    if (acc.length === k) {
      out.push(acc.slice());
      return;
    }
    for (let i = start; i < n; i++) rec(i + 1, [...acc, i]);
  };
  rec(0, []);
  return out;
}

/**
 * The blame attack on linear shares (k = 3): nodes `a` and `b` alter their shares of chunk
 * `chunk` so that the subset {a, b, honest} still reconstructs the right chunk, while subsets
 * with another honest node do not. Solves R_S(d_a, d_b, 0) = 0 over GF(2) by Gaussian
 * elimination, using reconstructInto as a black box (chunk length a multiple of p-1, so no
 * padding check interferes).
 * @returns the forged encoded shares of `a` and `b`
 */
export function forgeColluding(
  row: readonly ModelWeightShare[],
  a: number,
  b: number,
  honest: number,
): { a: Uint8Array; b: Uint8Array } {
  const dec = (i: number): Share => {
    const d = decodeShare(row[i]!.data);
    if (!d.ok) throw new Error(d.error.message);
    return d.value;
  };
  const sa = dec(a);
  const sb = dec(b);
  const sh = dec(honest);
  const len = sa.payload.length;
  if (len !== sa.originalLength) throw new Error('pick a chunk length that is a multiple of p-1');
  const bits = len * 8;
  const zero = new Uint8Array(len);
  const unit = (j: number) => {
    const u = new Uint8Array(len);
    u[j >> 3] = 1 << (j & 7);
    return u;
  };
  const image = (pa: Uint8Array, pb: Uint8Array): Uint8Array => {
    const out = new Uint8Array(len);
    const r = reconstructInto(
      [
        { ...sa, payload: pa },
        { ...sb, payload: pb },
        { ...sh, payload: zero },
      ],
      out,
    );
    if (!r.ok) throw new Error(r.error.message);
    return out;
  };
  const bit = (v: Uint8Array, i: number) => (v[i >> 3]! >> (i & 7)) & 1;
  const da = unit(0);
  const target = image(da, zero);
  // Rows of the augmented system M x = target, M's column j = image(0, e_j).
  const cols = Array.from({ length: bits }, (_, j) => image(zero, unit(j)));
  const rows = Array.from({ length: bits }, (_, i) => {
    const r = new Uint8Array(bits + 1);
    for (let j = 0; j < bits; j++) r[j] = bit(cols[j]!, i);
    r[bits] = bit(target, i);
    return r;
  });
  const pivotCol: number[] = [];
  let rank = 0;
  for (let j = 0; j < bits && rank < bits; j++) {
    const p = rows.findIndex((r, i) => i >= rank && r[j] === 1);
    if (p < 0) continue;
    [rows[rank], rows[p]] = [rows[p]!, rows[rank]!];
    for (let i = 0; i < bits; i++)
      if (i !== rank && rows[i]![j] === 1)
        for (let c = j; c <= bits; c++) rows[i]![c]! ^= rows[rank]![c]!;
    pivotCol.push(j);
    rank++;
  }
  for (let i = rank; i < bits; i++) if (rows[i]![bits] === 1) throw new Error('no solution');
  const db = new Uint8Array(len);
  for (let i = 0; i < rank; i++)
    if (rows[i]![bits]) db[pivotCol[i]! >> 3]! |= 1 << (pivotCol[i]! & 7);
  const forge = (s: ModelWeightShare, d: Uint8Array) => {
    const out = s.data.slice();
    for (let i = 0; i < len; i++) out[SHARE_HEADER_LENGTH + i]! ^= d[i]!;
    return out;
  };
  return { a: forge(row[a]!, da), b: forge(row[b]!, db) };
}
