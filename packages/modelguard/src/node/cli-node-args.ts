/**
 * Argument parsers the modelguard CLI shares across commands for storage modes and node specs,
 * kept out of cli-program.ts so that command modules can import them.
 *
 * @module
 */
import { didFromEd25519PublicKey, type RequestSigner } from '@xorida/agent-sdk';
import { backend } from '@xorida/agent-sdk/crypto';
import { InvalidArgumentError } from 'commander';
import type { StorageNode } from '../storage-node.js';
import { loadSigningSeed } from './cli-keys.js';
import { createDirectoryNode } from './directory-node.js';
import { createHttpStorageNode, isNodeUrl } from './http-node.js';

let signer: RequestSigner | undefined;

/**
 * The identity HTTP node requests are signed with: the Ed25519 key named by the environment
 * variable `MODELGUARD_NODE_KEY` (a PKCS#8 PEM or 64-hex seed file), else a fresh key for this
 * process (fine for nodes that accept any signer).
 * @returns a request signer (did:key + sign)
 * @throws Error when `MODELGUARD_NODE_KEY` names an unreadable or malformed key
 */
export function nodeRequestSigner(): RequestSigner {
  if (signer) return signer;
  const path = process.env.MODELGUARD_NODE_KEY;
  const seed = path ? loadSigningSeed(path) : backend.randomBytes(32);
  const key = backend.ed25519Signer(seed);
  seed.fill(0);
  signer = { did: didFromEd25519PublicKey(key.publicKey), sign: (m) => key.sign(m) };
  return signer;
}

/**
 * Opens one `--nodes` entry: an `http://` / `https://` URL gives an `HttpStorageNode`, anything
 * else a directory node.
 * @param spec the entry
 * @param o `{ fsync }` for directory nodes (default true)
 * @returns the storage node
 */
export function openNodeSpec(spec: string, o: { fsync?: boolean } = {}): StorageNode {
  return isNodeUrl(spec)
    ? createHttpStorageNode(spec, { signer: nodeRequestSigner() })
    : createDirectoryNode(spec, o.fsync === undefined ? {} : { fsync: o.fsync });
}

/**
 * Parses `--mode`.
 * @param v `ideal` or `compact`
 * @returns the mode
 * @throws InvalidArgumentError (commander prints it, exit 2) for anything else
 */
export function parseMode(v: string): 'ideal' | 'compact' {
  if (v !== 'ideal' && v !== 'compact') throw new InvalidArgumentError('expected ideal or compact');
  return v;
}
