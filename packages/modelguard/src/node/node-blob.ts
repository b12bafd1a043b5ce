/**
 * The node blob header: 48 bytes in front of one node's concatenated chunk shares
 * (docs/formats.md, "Node blob"). Big-endian.
 *
 *   offset size field
 *        0    4 magic "MGN1" (0x4d474e31)
 *        4    1 version (1: ideal mode; 2: compact mode, the content key share follows)
 *        5    1 node index (0..n-1)
 *        6    1 n
 *        7    1 k
 *        8   16 model id
 *       24    4 chunk count
 *       28    4 reserved, zero
 *       32    8 model size in bytes
 *       40    8 blob length in bytes (header included)
 *
 * Pitfall: the header is not authenticated. It only lets us reject a blob that obviously
 * belongs elsewhere before reading it; the share digests and chunk tags of the manifest decide.
 *
 * @module
 */
import { bytesToHex, hexToBytes } from 'xorida';
import { readU64, writeU64 } from '../lib/byte-order.js';
import { NODE_HEADER_LENGTH } from '../lib/chunk-plan.js';

const MAGIC = 0x4d474e31;

/** Decoded node blob header. */
export interface NodeBlobHeader {
  readonly nodeIndex: number;
  readonly n: number;
  readonly k: number;
  /** 32 hex chars. */
  readonly modelId: string;
  readonly chunkCount: number;
  /** Bytes. */
  readonly modelSize: number;
  /** Bytes, header included. */
  readonly blobLength: number;
  /**
   * `compact` writes header version 2 (a content key share follows the header); `ideal` or
   * absent writes version 1.
   */
  readonly mode?: 'ideal' | 'compact';
}

/**
 * Encodes a node blob header.
 * @returns `NODE_HEADER_LENGTH` (48) bytes
 */
export function encodeNodeHeader(h: NodeBlobHeader): Uint8Array {
  const out = new Uint8Array(NODE_HEADER_LENGTH);
  const v = new DataView(out.buffer);
  v.setUint32(0, MAGIC);
  v.setUint8(4, h.mode === 'compact' ? 2 : 1);
  v.setUint8(5, h.nodeIndex);
  v.setUint8(6, h.n);
  v.setUint8(7, h.k);
  out.set(hexToBytes(h.modelId), 8);
  v.setUint32(24, h.chunkCount);
  writeU64(v, 32, h.modelSize);
  writeU64(v, 40, h.blobLength);
  return out;
}

/**
 * Decodes a node blob header strictly.
 * @param bytes exactly 48 bytes
 * @returns the header, or a string saying what is wrong
 */
export function decodeNodeHeader(bytes: Uint8Array): NodeBlobHeader | string {
  if (bytes.length !== NODE_HEADER_LENGTH) return `header is ${bytes.length} bytes, expected 48`;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(0) !== MAGIC) return 'bad magic (not a modelguard node blob)';
  const version = v.getUint8(4);
  if (version !== 1 && version !== 2) return `unsupported version ${version}`;
  if (v.getUint32(28) !== 0) return 'reserved bytes are not zero';
  const modelSize = readU64(v, 32);
  const blobLength = readU64(v, 40);
  if (modelSize < 0 || blobLength < 0) return 'size above 2^53';
  return {
    nodeIndex: v.getUint8(5),
    n: v.getUint8(6),
    k: v.getUint8(7),
    modelId: bytesToHex(bytes.subarray(8, 24)),
    chunkCount: v.getUint32(24),
    modelSize,
    blobLength,
    ...(version === 2 ? { mode: 'compact' as const } : {}),
  };
}
