export type { StorageNode as StorageNodeLike } from '../src/index.js';
export { createDirectoryNode, guardFile, reconstructFile, verifyFile } from '../src/node/index.js';
