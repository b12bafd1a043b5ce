/**
 * Restore step 2, select: list every storage node, keep every blob named for a node index of the
 * model (a hostile node may hold blobs named for other indices, so every claim is kept), and
 * check each blob's header against the manifest. Blob layout: docs/formats.md#modelguard.
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import type { ModelGuardError } from '../errors.js';
import { NODE_HEADER_LENGTH } from '../lib/chunk-plan.js';
import { manifestMode } from '../lib/manifest-mode.js';
import { nodeBlobName, type StorageNode } from '../storage-node.js';
import type { ModelManifest } from '../types.js';
import { decodeNodeHeader } from './node-blob.js';

/** One storage node's blob named for node index `index`. */
export interface Claim {
  readonly index: number;
  readonly node: StorageNode;
  readonly source: number;
  headerOk: boolean;
  /** Chunks whose share from this claim failed its digest. */
  readonly badChunks: Set<number>;
  /** Whether a share of this claim ever matched its digest. */
  matched: boolean;
}

/** Every blob found for the model, grouped by the node index its name claims. */
export interface OpenedNodes {
  /** `claims[index]`: every blob named for that index, in `nodes` order. */
  readonly claims: Claim[][];
}

const BLOB_RE = /^([0-9a-f]{32})\.node(\d{1,3})\.mgs$/;

/**
 * Finds every claim of every node index and checks its header.
 * @param manifest the (checked) manifest
 * @param nodes storage nodes in any order
 * @param blobLength expected blob length in bytes
 * @returns the claims (header checked); a node that cannot be listed contributes none
 */
export async function openNodes(
  manifest: ModelManifest,
  nodes: readonly StorageNode[],
  blobLength: number,
): Promise<Result<OpenedNodes, ModelGuardError>> {
  const { storageNodes: n, threshold: k } = manifest.config;
  const claims: Claim[][] = Array.from({ length: n }, () => []);
  for (let source = 0; source < nodes.length; source++) {
    const node = nodes[source]!;
    let names: string[];
    try {
      names = await node.list();
    } catch {
      // An unreachable node is routed around like a missing one; with fewer than k usable
      // nodes left the restore fails with INSUFFICIENT_SHARES.
      continue;
    }
    for (const name of names) {
      const m = BLOB_RE.exec(name);
      if (!m || m[1] !== manifest.id) continue;
      const index = Number(m[2]);
      // Keep every claim (a hostile node may hold blobs named for other indices); the same
      // StorageNode passed twice is one claim.
      if (index < n && !claims[index]!.some((c) => c.node === node))
        claims[index]!.push({
          index,
          node,
          source,
          headerOk: false,
          badChunks: new Set(),
          matched: false,
        });
    }
  }
  for (const list of claims) {
    for (const claim of list) {
      let bytes: Uint8Array | undefined;
      try {
        bytes = await claim.node.get(nodeBlobName(manifest.id, claim.index), {
          offset: 0,
          length: NODE_HEADER_LENGTH,
        });
      } catch {
        bytes = undefined;
      }
      const h = bytes ? decodeNodeHeader(bytes) : 'unreadable';
      claim.headerOk = !(
        typeof h === 'string' ||
        h.nodeIndex !== claim.index ||
        h.n !== n ||
        h.k !== k ||
        h.modelId !== manifest.id ||
        h.chunkCount !== manifest.totalChunks ||
        h.modelSize !== manifest.modelSize ||
        h.blobLength !== blobLength ||
        (h.mode ?? 'ideal') !== manifestMode(manifest)
      );
    }
  }
  return ok({ claims });
}

/** The identifying fields of a claim, as reported in `RejectedClaim`. */
export function claimId(c: Claim): { index: number; nodeId: string; source: number } {
  return { index: c.index, nodeId: c.node.id, source: c.source };
}
