/**
 * The dealer: computes every share payload from a secret and the canonical random stream
 * (xorida-scheme.md section 2; the (k, L, n) ramp form of section 9.2). Randomness is an input here so the known-answer tests of
 * section 4 can supply it; the public `split` draws it from the CSPRNG.
 *
 * Pitfalls: never call this twice with the same random stream (two splits with equal `r` leak
 * the XOR of the secrets); `r[0][p-1]` is never referenced and never drawn; the secret is
 * zero-padded to `L*(p-1)*d` bytes and the padded copy is wiped.
 *
 * @module
 */
import type { Layout } from './params.js';
import { EMPTY, termScratch } from './terms.js';
import { xorSources } from './xor.js';

/**
 * Offset in the random stream, in pieces, of `r[h][l]`: `l` for h = 0 (l <= p-2),
 * `(p-1) + (h-1)*p + l` otherwise.
 */
export function randomPieceIndex(h: number, l: number, p: number): number {
  return h === 0 ? l : p - 1 + (h - 1) * p + l;
}

/**
 * Byte offset in the padded secret of the piece that share `i` takes at position `j` from slot
 * `u` (xorida-scheme.md section 9.2), or -1 when that is a virtual zero piece or `u` is a random
 * slot. Slot 0 is secret vector 0 (`s0[(j-i) mod p]`, virtual zero at position 0), slots
 * 1..k-L are the random vectors and slots k-L+1..k-1 hold secret vectors 1..L-1 at
 * `s_g[((u-1)*i + j) mod p]`; their virtual zero is at position 0, except in slot 1 (only when
 * L = k), whose position p-1 is never stored by any share and so holds the zero instead.
 */
export function secretPieceOffset(layout: Layout, u: number, i: number, j: number): number {
  const { k, L, p, d } = layout;
  if (u === 0) {
    const m = (j - i + p) % p; // i <= n-1 <= p-1, so the sum is positive
    return m === 0 ? -1 : (m - 1) * d;
  }
  if (u <= k - L) return -1;
  const l = ((u - 1) * i + j) % p;
  const m = u === 1 ? (l + 1) % p : l;
  return m === 0 ? -1 : ((u - k + L) * (p - 1) + m - 1) * d;
}

/**
 * Writes every share payload: `w[i][j]` is the XOR over the k slots of xorida-scheme.md
 * section 9.2. With L = 1 that is section 2's `s[(j-i) mod p] ^ XOR_h r[h][(h*i+j) mod p]`.
 * @param layout sizes of this split (see `layoutOf`)
 * @param secret the secret, `layout.length` bytes
 * @param random holds the canonical random stream, `layout.randomPieces * layout.d` bytes
 * @param payloads `layout.n` buffers of `layout.padded` bytes each; overwritten
 * @param randomOffset where the stream starts in `random`, in bytes (default 0)
 */
export function deal(
  layout: Layout,
  secret: Uint8Array,
  random: Uint8Array,
  payloads: readonly Uint8Array[],
  randomOffset = 0,
): void {
  const { k, L, length, padded } = layout;
  let s = secret;
  if (length !== L * padded) {
    s = new Uint8Array(L * padded);
    s.set(secret);
  }
  const { srcs, offs } = termScratch(k);
  try {
    dealPieces(layout, s, random, randomOffset, payloads, srcs, offs);
  } finally {
    if (s !== secret) s.fill(0);
    srcs.fill(EMPTY); // drop the references to the secret and the randomness
  }
}

/**
 * Writes share `index`'s payload alone (threshold scheme, L = 1), the same bytes `deal` writes
 * for it, without padding a copy of the secret: bytes past `layout.length` are read as zeros
 * (the XOR of the last piece is cut in two), so dealing a large secret share by share holds
 * no second full-size secret.
 * @param layout sizes of this split (L = 1)
 * @param secret the secret, `layout.length` bytes
 * @param random holds the canonical random stream at `randomOffset`
 * @param randomOffset where the stream starts in `random`, in bytes
 * @param index share index, 0..n-1
 * @param out `layout.padded` bytes, overlapping neither `secret` nor `random`; overwritten
 */
export function dealShare(
  layout: Layout,
  secret: Uint8Array,
  random: Uint8Array,
  randomOffset: number,
  index: number,
  out: Uint8Array,
): void {
  const { k, p, d, length } = layout;
  const { srcs, offs } = termScratch(k);
  try {
    for (let j = 0; j <= p - 2; j++) {
      // slots 1..k-1 (random) first, the secret term (slot 0) last: it is the one cut short
      let c = 0;
      for (let h = 0; h < k - 1; h++) {
        srcs[c] = random;
        offs[c] = randomOffset + randomPieceIndex(h, (h * index + j) % p, p) * d;
        c++;
      }
      const off = secretPieceOffset(layout, 0, index, j);
      const avail = off < 0 ? 0 : Math.max(0, Math.min(d, length - off));
      if (avail > 0) {
        srcs[c] = secret;
        offs[c] = off;
        xorSources(out, j * d, srcs, offs, c + 1, avail);
      }
      // c >= 1: k >= 2, so r[0][j] is a term of every piece
      xorSources(out, j * d + avail, srcs, offsAfter(offs, c, avail), c, d - avail);
    }
  } finally {
    srcs.fill(EMPTY); // drop the references to the secret and the randomness
  }
}

/**
 * k = 2 only: share `index` is the random stream (laid out as one payload) XOR the secret's
 * pieces rotated by `index` (xorida-scheme.md section 2 with one random vector, r[0][j] at
 * piece j), so XORing that rotation into the stream's own bytes turns them into share `index`'s
 * payload, and doing it again turns them back. Bytes past `layout.length` read as zeros.
 * @param layout sizes of this split (k = 2, L = 1)
 * @param secret the secret, `layout.length` bytes
 * @param buf `layout.padded` bytes: the random stream, or share `index` made from it
 * @param index share index, 0..n-1
 */
export function toggleShare(
  layout: Layout,
  secret: Uint8Array,
  buf: Uint8Array,
  index: number,
): void {
  const { p, d, length } = layout;
  const { srcs, offs } = termScratch(2);
  try {
    for (let j = 0; j <= p - 2; j++) {
      const off = secretPieceOffset(layout, 0, index, j);
      const avail = off < 0 ? 0 : Math.max(0, Math.min(d, length - off));
      if (avail === 0) continue;
      // the one alias xorSources allows: dst is exactly srcs[0] at offs[0]
      srcs[0] = buf;
      offs[0] = j * d;
      srcs[1] = secret;
      offs[1] = off;
      xorSources(buf, j * d, srcs, offs, 2, avail);
    }
  } finally {
    srcs.fill(EMPTY);
  }
}

/** `offs` with its first `c` entries advanced by `by` bytes (in place: they are rewritten per piece). */
function offsAfter(offs: Float64Array, c: number, by: number): Float64Array {
  for (let t = 0; t < c; t++) offs[t] = offs[t]! + by;
  return offs;
}

function dealPieces(
  layout: Layout,
  s: Uint8Array,
  random: Uint8Array,
  randomOffset: number,
  payloads: readonly Uint8Array[],
  srcs: Uint8Array[],
  offs: Float64Array,
): void {
  const { k, L, n, p, d } = layout;
  for (let i = 0; i < n; i++) {
    const out = payloads[i]!;
    for (let j = 0; j <= p - 2; j++) {
      let c = 0;
      for (let u = 0; u < k; u++) {
        if (u >= 1 && u <= k - L) {
          const h = u - 1;
          srcs[c] = random;
          offs[c] = randomOffset + randomPieceIndex(h, (h * i + j) % p, p) * d;
          c++;
          continue;
        }
        const off = secretPieceOffset(layout, u, i, j);
        if (off < 0) continue;
        srcs[c] = s;
        offs[c] = off;
        c++;
      }
      // c >= 1: slot 1 (r[0][j], or secret vector 1 when L = k) is real at every j <= p-2.
      xorSources(out, j * d, srcs, offs, c, d);
    }
  }
}
