/**
 * @xorida/modelguard/node: the Node-only half of modelguard. Streaming `guardFile`,
 * `reconstructFile` and `verifyFile` over `StorageNode`s, a local-directory node, and the
 * `node:crypto` SHA-256 backend. The `modelguard` CLI is built from `cli.ts`.
 *
 * @module
 */

export { runCli } from './cli-program.js';
export { createDirectoryNode, type DirectoryNodeOptions } from './directory-node.js';
export { type GuardFileOptions, type GuardFileResult, guardFile } from './guard-file.js';
export { decodeNodeHeader, encodeNodeHeader, type NodeBlobHeader } from './node-blob.js';
export { nodeSha256 } from './node-sha256.js';
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
