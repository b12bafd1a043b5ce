/**
 * Test oracle: the Gauss-Jordan schedule derivation of xorida-scheme.md section 3.3 (and its
 * (k, L, n) ramp form, section 9.3), written independently of the ring method used in src/,
 * with rows as Uint32Array bitsets over [A | I]. The share formula is spelled out here from the
 * spec text, not taken from src/lib/dealer.ts. Only for small systems (tests).
 */

/** Column of random piece r[h][l] (section 2's canonical order). */
const randomColumn = (h: number, l: number, p: number) => (h === 0 ? l : p - 1 + (h - 1) * p + l);

/**
 * The columns (unknowns) observation w[i][j] XORs, per section 9.2: random pieces first
 * (`(k-L)*p - 1` of them), then secret piece o = g*(p-1) + m - 1 at column NR + o.
 */
export function observationColumns(k: number, L: number, p: number, i: number, j: number) {
  const NR = k > L ? (k - L) * p - 1 : 0;
  const cols: number[] = [];
  const mod = (a: number) => ((a % p) + p) % p;
  // slot 0: secret vector 0 at s0[(j - i) mod p], s0_0 = 0
  if (mod(j - i) !== 0) cols.push(NR + mod(j - i) - 1);
  // slots 1..k-L: r[h][(h*i + j) mod p], h = slot - 1
  for (let h = 0; h < k - L; h++) cols.push(randomColumn(h, mod(h * i + j), p));
  // slots k-L+g, g = 1..L-1: s_g[((slot-1)*i + j) mod p]; slot 1 (L = k) keeps its zero at p-1
  for (let g = 1; g < L; g++) {
    const slot = k - L + g;
    const l = mod((slot - 1) * i + j);
    const m = slot === 1 ? mod(l + 1) : l;
    if (m !== 0) cols.push(NR + g * (p - 1) + m - 1);
  }
  return { NR, cols };
}

export function eliminationSchedule(k: number, p: number, T: readonly number[], L = 1): number[][] {
  const NR = k > L ? (k - L) * p - 1 : 0;
  const cols = NR + L * (p - 1);
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
      for (const c of observationColumns(k, L, p, i, j).cols) set(row, c);
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
  for (let m = 1; m <= L * (p - 1); m++) {
    const c = NR + m - 1;
    const r = pivot[c]!;
    if (r < 0) throw new Error(`no pivot for secret piece ${m - 1}`);
    const row = mat[r]!;
    for (let b = 0; b < cols; b++)
      if (has(row, b) !== (b === c)) throw new Error(`row for piece ${m - 1} is not a unit vector`);
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
