/**
 * Explaining a share that failed its check from its (unauthenticated) IDA5 header: malformed,
 * another chunk of this model (misplaced), another model (foreign), or a fitting header whose
 * bytes are wrong.
 *
 * @module
 */
import { bytesToHex } from 'xorida';
import { sealedLength } from './compact.js';
import { PRODUCT_TYPE_MODELGUARD } from './limits.js';
import { viewShare } from './share-view.js';

/** Why a share is bad; `TAG_MISMATCH` when its header fits the chunk. */
export type Reason = 'MALFORMED_SHARE' | 'CHUNK_MISPLACED' | 'FOREIGN_SHARE' | 'TAG_MISMATCH';

/** What the header of a share of this chunk must say. */
export interface ShareExpectation {
  readonly k: number;
  readonly n: number;
  readonly length: number;
  /** Hex group id of the chunk. */
  readonly groupId: string;
  /** Compact mode: present (shares are ramp shares, L = k, of the sealed chunk). */
  readonly key?: Uint8Array;
  readonly knownGroup?: (groupIdHex: string) => boolean;
}

/**
 * Reads a share's header and says how it differs from what node `node`'s share of this chunk
 * must be.
 * @param job what the header must say
 * @param node the node index the share was supplied for
 * @param data the encoded share
 * @returns the reason; `TAG_MISMATCH` when the header fits (the bytes decide)
 */
export function explainShare(job: ShareExpectation, node: number, data: Uint8Array): Reason {
  const d = viewShare(data);
  if (
    !d ||
    d.productType !== PRODUCT_TYPE_MODELGUARD ||
    d.k !== job.k ||
    d.n !== job.n ||
    d.index !== node ||
    (d.L ?? 1) !== (job.key ? job.k : 1) ||
    d.originalLength !== (job.key ? sealedLength(job.length) : job.length)
  )
    return 'MALFORMED_SHARE';
  const g = bytesToHex(d.groupId);
  if (g !== job.groupId) return job.knownGroup?.(g) ? 'CHUNK_MISPLACED' : 'FOREIGN_SHARE';
  return 'TAG_MISMATCH';
}
