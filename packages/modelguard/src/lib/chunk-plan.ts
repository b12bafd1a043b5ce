/**
 * Chunk boundaries of a model and the byte offsets of each chunk's share inside a node blob.
 *
 * Pitfall: models and node blobs pass 4 GiB. All arithmetic here is plain `number` addition and
 * multiplication of integers below 2^53 (exact); never use bitwise operators or Uint32 storage
 * for offsets. `checkedAdd` refuses anything that would leave the exact range.
 *
 * @module
 */
import { SHARE_HEADER_LENGTH, SHARE_HEADER_LENGTH_RAMP, shareLength } from 'xorida';
import { keyShareLength, sealedLength } from './compact.js';

/** One chunk's place in the model, in bytes. */
export interface ChunkSpan {
  readonly offset: number;
  readonly length: number;
}

/** Length of the node blob header in bytes (docs/formats.md, "Node blob"). */
export const NODE_HEADER_LENGTH = 48;

/**
 * Adds two non-negative integers and checks that the sum is still exact.
 * @throws RangeError when the sum exceeds Number.MAX_SAFE_INTEGER (a bug or hostile input that
 *   the callers' bounds should have rejected first)
 */
export function checkedAdd(a: number, b: number): number {
  const s = a + b;
  if (!Number.isSafeInteger(s)) throw new RangeError(`offset ${a} + ${b} leaves the exact range`);
  return s;
}

/**
 * Splits `modelSize` bytes into chunks: an optional first chunk of `firstLength` bytes (the
 * safetensors header), then `chunkSize`-byte chunks, the last one shorter.
 * @param modelSize model length in bytes, 0..2^53-1
 * @param chunkSize chunk length in bytes, >= 1
 * @param firstLength length of a separate first chunk in bytes, or 0 for none
 * @returns the spans, in order; empty for an empty model
 */
export function planChunks(modelSize: number, chunkSize: number, firstLength = 0): ChunkSpan[] {
  const spans: ChunkSpan[] = [];
  let offset = 0;
  if (firstLength > 0 && firstLength <= modelSize) {
    spans.push({ offset: 0, length: firstLength });
    offset = firstLength;
  }
  while (offset < modelSize) {
    const length = Math.min(chunkSize, modelSize - offset);
    spans.push({ offset, length });
    offset = checkedAdd(offset, length);
  }
  return spans;
}

/**
 * Encoded length in bytes of one node's share of a chunk: IDA5 header plus padded payload.
 * @param chunkLength chunk length in bytes, >= 1
 * @param n number of nodes
 */
export function encodedShareLength(chunkLength: number, n: number): number {
  return SHARE_HEADER_LENGTH + shareLength(chunkLength, n);
}

/**
 * Byte offset of every chunk's share inside a node blob (the same for every node, because all
 * shares of a chunk have the same length), plus the total blob length as the last element.
 * @param lengths chunk lengths in bytes, in order
 * @param n number of nodes
 * @returns `lengths.length + 1` offsets; element i is where chunk i's share starts
 */
export function nodeBlobOffsets(lengths: readonly number[], n: number): number[] {
  const out = new Array<number>(lengths.length + 1);
  let at = NODE_HEADER_LENGTH;
  for (let i = 0; i < lengths.length; i++) {
    out[i] = at;
    at = checkedAdd(at, encodedShareLength(lengths[i]!, n));
  }
  out[lengths.length] = at;
  return out;
}

/**
 * How a model is stored: `ideal` (every chunk split k-of-n with xorida's threshold scheme;
 * information-theoretic, each share as large as the chunk) or `compact` (sealed with
 * AES-256-GCM and dispersed with the ramp scheme at L = k; each share about 1/k of the chunk;
 * computational). See compact.ts.
 */
export type GuardMode = 'ideal' | 'compact';

/** The parameters that fix a node blob's layout. */
export interface BlobShape {
  readonly n: number;
  readonly k: number;
  readonly mode: GuardMode;
}

/**
 * Encoded length in bytes of one node's share of a chunk in either mode: for `compact`, a
 * 35-byte ramp header plus `shareLength(length + 16, n, k)`.
 * @param chunkLength chunk length in bytes, >= 1
 * @param shape `{ n, k, mode }`
 */
export function chunkShareLength(chunkLength: number, shape: BlobShape): number {
  if (shape.mode === 'ideal') return encodedShareLength(chunkLength, shape.n);
  return SHARE_HEADER_LENGTH_RAMP + shareLength(sealedLength(chunkLength), shape.n, shape.k);
}

/**
 * Where the chunk shares start in a node blob: after the 48-byte header, and in compact mode
 * after the content key share too.
 * @param shape `{ n, k, mode }`
 * @returns bytes
 */
export function chunkSharesStart(shape: BlobShape): number {
  return shape.mode === 'ideal' ? NODE_HEADER_LENGTH : NODE_HEADER_LENGTH + keyShareLength(shape.n);
}

/**
 * `nodeBlobOffsets` for either mode.
 * @param lengths chunk lengths in bytes, in order
 * @param shape `{ n, k, mode }`
 * @returns `lengths.length + 1` offsets; the last is the blob length
 */
export function blobOffsets(lengths: readonly number[], shape: BlobShape): number[] {
  if (shape.mode === 'ideal') return nodeBlobOffsets(lengths, shape.n);
  const out = new Array<number>(lengths.length + 1);
  let at = chunkSharesStart(shape);
  for (let i = 0; i < lengths.length; i++) {
    out[i] = at;
    at = checkedAdd(at, chunkShareLength(lengths[i]!, shape));
  }
  out[lengths.length] = at;
  return out;
}
