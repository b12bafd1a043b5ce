/**
 * Test oracle: the Gauss-Jordan schedule derivation of xorida-scheme.md section 3.3, written
 * independently of the ring method used in src/, with rows as Uint32Array bitsets over
 * [A | I]. Only for small systems (tests).
 */
import { randomPieceIndex } from '../../src/lib/dealer.js';

export function eliminationSchedule(k: number, p: number, T: readonly number[]): number[][] {
  const NR = (k - 1) * p - 1;
  const cols = k * p - 2;
  const rows = k * (p - 1);
  const width = cols + rows;
  const W = (width + 31) >>> 5;
  const mat = Array.from({ length: rows }, () => new Uint32Array(W));
  const set = (r: Uint32Array, b: number) => {
    r[b >>> 5] = r[b >>> 5]! ^ (1 << (b & 31));
  };
  const has = (r: Uint32Array, b: number) => ((r[b >>> 5]! >>> (b & 31)) & 1) === 1;
  for (let t = 0; t < k; t++) {
    const i = T[t]!;
    for (let j = 0; j <= p - 2; j++) {
      const q = t * (p - 1) + j;
      const row = mat[q]!;
      for (let h = 0; h <= k - 2; h++) set(row, randomPieceIndex(h, (h * i + j) % p, p));
      const m = (((j - i) % p) + p) % p;
      if (m !== 0) set(row, NR + m - 1);
      set(row, cols + q);
    }
  }
  const used = new Uint8Array(rows);
  const pivot = new Int32Array(cols).fill(-1);
  for (let c = 0; c < cols; c++) {
    let r = -1;
    for (let x = 0; x < rows; x++) {
      if (!used[x] && has(mat[x]!, c)) {
        r = x;
        break;
      }
    }
    if (r < 0) continue;
    used[r] = 1;
    pivot[c] = r;
    for (let x = 0; x < rows; x++) {
      if (x !== r && has(mat[x]!, c))
        for (let w = 0; w < W; w++) mat[x]![w] = mat[x]![w]! ^ mat[r]![w]!;
    }
  }
  const schedule: number[][] = [[]];
  for (let m = 1; m <= p - 1; m++) {
    const c = NR + m - 1;
    const r = pivot[c]!;
    if (r < 0) throw new Error(`no pivot for s_${m}`);
    const row = mat[r]!;
    for (let b = 0; b < cols; b++)
      if (has(row, b) !== (b === c)) throw new Error(`row for s_${m} is not e(s_${m})`);
    const list: number[] = [];
    for (let q = 0; q < rows; q++) if (has(row, cols + q)) list.push(q);
    schedule.push(list);
  }
  return schedule;
}

/** All k-subsets of 0..n-1, in lexicographic order. */
export function* subsets(n: number, k: number): Generator<number[]> {
  const idx = Array.from({ length: k }, (_, i) => i);
  while (true) {
    yield [...idx];
    let i = k - 1;
    while (i >= 0 && idx[i] === n - k + i) i--;
    if (i < 0) return;
    idx[i]!++;
    for (let j = i + 1; j < k; j++) idx[j] = idx[j - 1]! + 1;
  }
}
