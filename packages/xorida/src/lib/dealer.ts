/**
 * The dealer: computes every share payload from a secret and the canonical random stream
 * (xorida-scheme.md section 2). Randomness is an input here so the known-answer tests of
 * section 4 can supply it; the public `split` draws it from the CSPRNG.
 *
 * Pitfalls: never call this twice with the same random stream (two splits with equal `r` leak
 * the XOR of the secrets); `r[0][p-1]` is never referenced and never drawn; the secret is
 * zero-padded to `(p-1)*d` bytes and the padded copy is wiped.
 *
 * @module
 */
import type { Layout } from './params.js';
import { xorSources } from './xor.js';

/**
 * Offset in the random stream, in pieces, of `r[h][l]`: `l` for h = 0 (l <= p-2),
 * `(p-1) + (h-1)*p + l` otherwise.
 */
export function randomPieceIndex(h: number, l: number, p: number): number {
  return h === 0 ? l : p - 1 + (h - 1) * p + l;
}

/**
 * Writes `w[i][j] = s[(j-i) mod p] ^ XOR_h r[h][(h*i+j) mod p]` for every share and piece.
 * @param layout sizes of this split (see `layoutOf`)
 * @param secret the secret, `layout.length` bytes
 * @param random the canonical random stream, `layout.randomPieces * layout.d` bytes
 * @param payloads `layout.n` buffers of `layout.padded` bytes each; overwritten
 */
export function deal(
  layout: Layout,
  secret: Uint8Array,
  random: Uint8Array,
  payloads: readonly Uint8Array[],
): void {
  const { k, length, padded } = layout;
  let s = secret;
  if (length !== padded) {
    s = new Uint8Array(padded);
    s.set(secret);
  }
  const srcs: Uint8Array[] = new Array(k);
  const offs = new Float64Array(k); // byte offsets exceed 2^31 for multi-GiB random streams
  try {
    dealPieces(layout, s, random, payloads, srcs, offs);
  } finally {
    if (s !== secret) s.fill(0);
  }
}

function dealPieces(
  layout: Layout,
  s: Uint8Array,
  random: Uint8Array,
  payloads: readonly Uint8Array[],
  srcs: Uint8Array[],
  offs: Float64Array,
): void {
  const { k, n, p, d } = layout;
  for (let i = 0; i < n; i++) {
    const out = payloads[i]!;
    for (let j = 0; j <= p - 2; j++) {
      let c = 0;
      const m = (j - i + p) % p; // i <= n-1 <= p-1, so the sum is positive
      if (m !== 0) {
        srcs[c] = s;
        offs[c] = (m - 1) * d;
        c++;
      }
      for (let h = 0; h <= k - 2; h++) {
        srcs[c] = random;
        offs[c] = randomPieceIndex(h, (h * i + j) % p, p) * d;
        c++;
      }
      xorSources(out, j * d, srcs, offs, c, d);
    }
  }
}
