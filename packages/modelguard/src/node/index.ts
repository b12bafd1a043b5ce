/**
 * @xorida/modelguard/node: the Node-only half of modelguard. Streaming `guardFile`,
 * `reconstructFile` and `verifyFile` over `StorageNode`s, a local-directory node, and the
 * `node:crypto` SHA-256 (`nodeSha256`, the crypto backend's `sha256Parts`). The `modelguard` CLI is built from `cli.ts`.
 *
 * @module
 */

import { backend } from '@xorida/agent-sdk/crypto';

export { type CliIo, runCli } from './cli-program.js';
export { createDirectoryNode, type DirectoryNodeOptions } from './directory-node.js';
export { type GuardFileOptions, type GuardFileResult, guardFile } from './guard-file.js';
export {
  createHttpStorageNode,
  type HttpStorageNodeOptions,
  isNodeUrl,
} from './http-node.js';
export { decodeNodeHeader, encodeNodeHeader, type NodeBlobHeader } from './node-blob.js';
export { createNodeServer, MAX_PART_BYTES, type NodeServerOptions } from './node-server.js';
export type { OnProgress, Progress } from './progress.js';
export {
  type NodeVerdict,
  type RejectedClaim,
  type RestoreOptions,
  type RestoreReport,
  reconstructFile,
  type VerifyReport,
  verifyFile,
} from './reconstruct-file.js';

/**
 * SHA-256 (FIPS 180-4) of the concatenation of `parts`, streaming, through `node:crypto` (the
 * `@xorida/agent-sdk/crypto` backend's `sha256Parts`).
 * @param parts byte arrays, hashed in order
 * @returns 32 bytes
 */
export const nodeSha256: (parts: readonly Uint8Array[]) => Uint8Array = backend.sha256Parts;
