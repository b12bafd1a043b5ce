/**
 * Reconstructing a large split-channel secret over one of its own shares (receive.ts): the
 * secret is written into the first share's payload, so no full-size buffer is allocated next to
 * the k received shares (test/delivery/memory.test.ts).
 *
 * Why this is exact: xorida's scheme XORs whole pieces at equal offsets (xorida-scheme.md
 * section 2: share and secret are p-1 pieces of d bytes, every term a piece), so bytes
 * [x, x+c) of every piece form a split of their own: the same k, n, index and groupId, pieces
 * of c bytes. Each such column is gathered from the k shares into small buffers, reconstructed
 * with xorida's `reconstructInto`, and written back over the first share's column, which
 * nothing reads afterwards.
 *
 * Pitfalls:
 * - The first share's payload is lost (it becomes the secret): the caller must not wipe it as
 *   a share afterwards.
 * - Any inconsistency (parameters, lengths, indices) is left to xorida's full `reconstruct`
 *   (`undefined` here), which names it; the padding check is done here on the whole result.
 *
 * @module
 */
import { choosePrime, ok, type Result, reconstructInto, type Share } from 'xorida';
import { type XlinkErrorDetail, xlinkErr } from '../errors.js';

/** Column width, bytes per piece (k + 1 buffers of (p-1) columns: small next to the shares). */
const COLUMN = 64 * 1024;

/**
 * The secret of `shares` reconstructed over the payload of the share with the smallest index.
 * @param shares k or more decoded shares of one split (threshold scheme)
 * @returns the secret (a view of that share's payload, `originalLength` bytes) and the index
 *   of the share it overwrote; `HMAC_VERIFICATION_FAILED:PADDING_NONZERO` (the shares are not
 *   of one secret; that payload is wiped); or `undefined` when the shares are not k consistent
 *   ones (nothing written: let `reconstruct` report it)
 */
export function reconstructOverShare(
  shares: readonly Share[],
): Result<{ secret: Uint8Array; overwritten: number }, XlinkErrorDetail> | undefined {
  const sorted = [...shares].sort((a, b) => a.index - b.index);
  const first = sorted[0];
  if (!first || sorted.length < first.k) return undefined;
  const { k, n, groupId, originalLength } = first;
  const used = sorted.slice(0, k);
  const padded = first.payload.length;
  const pieces = choosePrime(n) - 1;
  const d = padded / pieces;
  if (!Number.isInteger(d) || originalLength > padded || originalLength <= padded - pieces)
    return undefined;
  for (let t = 0; t < k; t++) {
    const s = used[t]!;
    if (s.k !== k || s.n !== n || s.originalLength !== originalLength) return undefined;
    if (s.payload.length !== padded || (t > 0 && s.index === used[t - 1]!.index)) return undefined;
    if (s.groupId.length !== groupId.length || s.groupId.some((b, i) => b !== groupId[i]))
      return undefined;
  }
  const minis = used.map(() => new Uint8Array(pieces * COLUMN));
  const out = new Uint8Array(pieces * COLUMN);
  const target = first.payload;
  try {
    for (let x = 0; x < d; x += COLUMN) {
      const c = Math.min(COLUMN, d - x);
      const column: Share[] = used.map((s, t) => {
        const mini = minis[t]!.subarray(0, pieces * c);
        for (let j = 0; j < pieces; j++)
          mini.set(s.payload.subarray(j * d + x, j * d + x + c), j * c);
        return { index: s.index, k, n, groupId, originalLength: pieces * c, payload: mini };
      });
      const r = reconstructInto(column, out);
      // consistent shares were checked above: a failure here is a bug, still reported
      if (!r.ok) {
        target.fill(0);
        return xlinkErr(
          'INCONSISTENT_SHARES',
          `shares do not reconstruct: ${r.error.message}`,
          'Ask for a resend',
          {
            subCode: r.error.subCode ?? r.error.code,
            field: 'shares',
          },
        );
      }
      for (let j = 0; j < pieces; j++) target.set(out.subarray(j * c, (j + 1) * c), j * d + x);
    }
  } finally {
    for (const m of minis) m.fill(0);
    out.fill(0);
  }
  for (let b = originalLength; b < padded; b++)
    if (target[b] !== 0) {
      target.fill(0);
      return xlinkErr(
        'HMAC_VERIFICATION_FAILED',
        'shares do not reconstruct: the recovered padding is not zero',
        'Ask for a resend',
        { subCode: 'PADDING_NONZERO', field: 'shares' },
      );
    }
  return ok({ secret: target.subarray(0, originalLength), overwritten: first.index });
}
