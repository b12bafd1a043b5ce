/**
 * Recognising a safetensors file and summarising its header (tensor names, dtypes, shapes,
 * data offsets) for the manifest. Layout: u64 little-endian header length N, then N bytes of
 * UTF-8 JSON, then the tensor data (https://github.com/huggingface/safetensors, "Format").
 *
 * Pitfall: the header is attacker-controlled when the file is; every field is checked and
 * anything unexpected makes the file "not safetensors" (it is then split as raw bytes, which
 * is always safe), never an exception. Headers above 16 MiB, dtypes over 16 chars and tensor
 * names over 1024 chars are not recorded (the manifest parser would refuse them).
 *
 * @module
 */

import type { SafetensorsInfo, SafetensorsTensor } from '../types.js';
import { MAX_SAFETENSORS_HEADER, MAX_TENSOR_NAME } from './limits.js';

/**
 * Reads the header length from the first 8 bytes.
 * @param first8 at least the first 8 bytes of the file
 * @param fileSize file length in bytes
 * @returns N (header JSON length in bytes) when plausible, else undefined
 */
export function safetensorsHeaderLength(first8: Uint8Array, fileSize: number): number | undefined {
  if (first8.length < 8 || fileSize < 10) return undefined;
  const v = new DataView(first8.buffer, first8.byteOffset, 8);
  const hi = v.getUint32(4, true);
  const n = v.getUint32(0, true);
  if (hi !== 0 || n < 2 || n > MAX_SAFETENSORS_HEADER || 8 + n > fileSize) return undefined;
  return n;
}

const isNat = (x: unknown): x is number =>
  typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

/**
 * Parses the header JSON.
 * @param header the N header bytes (file bytes [8, 8+N))
 * @param fileSize file length in bytes, to bound data offsets
 * @returns the summary, or undefined when the bytes are not a valid safetensors header
 */
export function parseSafetensorsHeader(
  header: Uint8Array,
  fileSize: number,
): SafetensorsInfo | undefined {
  if (header[0] !== 0x7b) return undefined; // '{'
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(header));
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const dataSize = fileSize - 8 - header.length;
  const tensors: SafetensorsTensor[] = [];
  let metadata: Record<string, string> | undefined;
  for (const [name, entry] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return undefined;
      metadata = {};
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v !== 'string') return undefined;
        metadata[k] = v;
      }
      continue;
    }
    if (typeof entry !== 'object' || entry === null) return undefined;
    if (name.length > MAX_TENSOR_NAME) return undefined; // the manifest would refuse it
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e.dtype !== 'string' || e.dtype.length > 16) return undefined;
    if (!Array.isArray(e.shape) || !e.shape.every(isNat)) return undefined;
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !isNat(off[0]) || !isNat(off[1]))
      return undefined;
    if (off[0] > off[1] || off[1] > dataSize) return undefined;
    tensors.push({
      name,
      dtype: e.dtype,
      shape: e.shape as number[],
      dataOffsets: [off[0], off[1]],
    });
  }
  return metadata
    ? { headerLength: header.length, tensors, metadata }
    : { headerLength: header.length, tensors };
}
