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
