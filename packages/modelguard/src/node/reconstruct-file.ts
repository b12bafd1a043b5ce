/**
 * `reconstructFile` and `verifyFile`: stream a model back from node blobs, checking every
 * chunk's tag before it is written and the whole-model SHA-256 at the end; or check every
 * node's shares without writing anything.
 *
 * Pitfalls:
 * - The output is written to `<outPath>.partial-<random>` (created with mode 0600: it holds the
 *   weights the split protected; widen it yourself if needed) and renamed into place only after
 *   the whole-model hash matched: a failed restore never leaves a plausible-looking file
 *   behind. With `fsync` (default) the file and then its directory are fsynced, so the rename
 *   survives a crash.
 * - Memory is bounded by bytes: a window holds at most workers + 1 chunks and at most 256 MiB
 *   of shares read and chunks recovered (but always one chunk: about (nodes read + 2) x
 *   chunk length; with many nodes choose smaller chunks, or `crossCheck: false`).
 * - Given more than k nodes, restore reads and checks all of them (`crossCheck`, default on),
 *   so a bad node is named even if k good ones would have sufficed; that costs the extra reads.
 *   With `crossCheck: false` it reads k nodes per chunk and only falls back to the others when a
 *   chunk fails; later chunks then prefer the remaining good nodes.
 * - Which node index a blob belongs to comes from its name `<modelId>.node<i>.mgs` and its
 *   header, neither authenticated. Several storage nodes may hold a blob named for the same
 *   index (a hostile node can carry blobs named for other indices): every such claim is kept and
 *   read, each share is checked against its digest in the manifest, and the first matching claim
 *   is used, so a forged claim cannot shadow a genuine one. Claims that fail while another
 *   claim of the index matches are reported in `rejectedClaims`, not as bad node indices.
 *
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { hexToBytes, ok, type Result } from 'xorida';
import { type ModelGuardError, mgErr } from '../errors.js';
import { encodedShareLength, NODE_HEADER_LENGTH, nodeBlobOffsets } from '../lib/chunk-plan.js';
import type { Candidate } from '../lib/recover-chunk.js';
import { checkManifest, verifyManifest } from '../manifest.js';
import { nodeBlobName, type StorageNode } from '../storage-node.js';
import type { ModelManifest } from '../types.js';
import {
  ChunkPool,
  defaultWorkers,
  inFlightChunks,
  isWorkerCount,
  MAX_WORKERS,
} from './chunk-pool.js';
import type { RecoverOutput, RecoverTask } from './chunk-work.js';
import { syncDir } from './durable.js';
import { decodeNodeHeader } from './node-blob.js';
import { type OnProgress, report } from './progress.js';

/** Options of `reconstructFile` and `verifyFile`. */
export interface RestoreOptions {
  /** Raw 32-byte Ed25519 key the manifest must be signed with. */
  readonly trustedPublicKey?: Uint8Array;
  /** Worker threads, an integer 0..16; 0 runs inline. Default: cores, 1..4. */
  readonly workers?: number;
  readonly onProgress?: OnProgress;
  /**
   * `reconstructFile` only: when more than k nodes are given, read and check every node's
   * share of every chunk so that bad nodes are named even when they were not needed (default
   * true). False reads only k nodes per chunk and falls back to the others on a failure.
   */
  readonly crossCheck?: boolean;
  /**
   * `reconstructFile` only: fsync the output before renaming it into place, and its directory
   * after (default true).
   */
  readonly fsync?: boolean;
}

/**
 * A blob claiming a node index that was not used: its header disagrees with the manifest, or
 * its shares failed their digests, while another claim of the same index was available.
 */
export interface RejectedClaim {
  /** The node index the blob claims (from its name). */
  readonly index: number;
  /** `id` of the StorageNode holding the blob. */
  readonly nodeId: string;
  /** Position of that StorageNode in the `nodes` argument. */
  readonly source: number;
  /** `HEADER_MISMATCH`: the blob header disagrees with the manifest; `DIGEST_MISMATCH`: shares failed. */
  readonly reason: 'HEADER_MISMATCH' | 'DIGEST_MISMATCH';
  /** How many chunks' shares from this blob failed their digests (0 for HEADER_MISMATCH). */
  readonly badChunks: number;
}

/** Output of `reconstructFile`. */
export interface RestoreReport {
  /** Bytes written. */
  readonly bytes: number;
  /** Node indices for which no supplied blob gave a good share of some chunk, ascending. */
  readonly badNodes: number[];
  /** Conflicting claims: blobs of an index that other storage nodes hold correctly. */
  readonly rejectedClaims: RejectedClaim[];
}

/** Per-node outcome of `verifyFile`. */
export interface NodeVerdict {
  readonly index: number;
  /**
   * The id of the StorageNode whose blob for this index was used (of the claims that passed,
   * the one with the fewest failed chunks; else the first claim), or undefined when no
   * supplied node holds this index's blob.
   */
  readonly id: string | undefined;
  /** ok: every chunk share passed; bad: at least one failed; missing: not supplied. */
  readonly state: 'ok' | 'bad' | 'missing';
  /** Chunks whose share from this node failed. */
  readonly badChunks: number[];
}

/** Output of `verifyFile`. */
export interface VerifyReport {
  /** True when every chunk was recovered and the whole-model hash matched. */
  readonly recoverable: boolean;
  readonly nodes: NodeVerdict[];
  readonly badNodes: number[];
  /** Chunks that could not be recovered (fewer than k shares matched their digests), with the reason. */
  readonly failedChunks: { chunkIndex: number; code: string; subCode?: string }[];
  readonly modelHashOk: boolean;
  /** Conflicting claims (see `RestoreReport.rejectedClaims`). */
  readonly rejectedClaims: RejectedClaim[];
}

/** One storage node's blob named for node index `index`. */
interface Claim {
  readonly index: number;
  readonly node: StorageNode;
  readonly source: number;
  headerOk: boolean;
  /** Chunks whose share from this claim failed its digest. */
  readonly badChunks: Set<number>;
  /** Whether a share of this claim ever matched its digest. */
  matched: boolean;
}

interface OpenedNodes {
  /** `claims[index]`: every blob named for that index, in `nodes` order. */
  readonly claims: Claim[][];
}

const BLOB_RE = /^([0-9a-f]{32})\.node(\d{1,3})\.mgs$/;

async function openNodes(
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
    } catch (e) {
      return mgErr(
        'STORAGE_FAILED',
        `cannot list node ${node.id}: ${(e as Error).message}`,
        'Check the node, or leave it out.',
      );
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
        h.blobLength !== blobLength
      );
    }
  }
  return ok({ claims });
}

function claimId(c: Claim): { index: number; nodeId: string; source: number } {
  return { index: c.index, nodeId: c.node.id, source: c.source };
}

/** The state one restore or verify run shares across chunks. */
class Session {
  readonly n: number;
  readonly k: number;
  readonly modelId: Uint8Array;
  readonly offsets: number[];
  readonly bad = new Map<number, Set<number>>();
  /** Node indices with at least one blob whose header matches, lowest index first. */
  readonly usable: number[];
  /** `live[index]`: the claims whose header matches the manifest. */
  readonly live: Claim[][];

  constructor(
    readonly manifest: ModelManifest,
    readonly opened: OpenedNodes,
    readonly pool: ChunkPool,
  ) {
    this.n = manifest.config.storageNodes;
    this.k = manifest.config.threshold;
    this.modelId = hexToBytes(manifest.id);
    this.offsets = nodeBlobOffsets(
      manifest.chunks.map((c) => c.length),
      this.n,
    );
    this.live = opened.claims.map((list) => list.filter((c) => c.headerOk));
    this.usable = [];
    for (let i = 0; i < this.n; i++) {
      if (this.live[i]!.length > 0) this.usable.push(i);
      else if (opened.claims[i]!.length > 0) this.markBad(i, -1); // only bad headers
    }
  }

  markBad(node: number, chunk: number): void {
    let s = this.bad.get(node);
    if (!s) {
      s = new Set();
      this.bad.set(node, s);
    }
    if (chunk >= 0) s.add(chunk);
  }

  /** Nodes to ask first: usable ones not yet seen bad, then the rest. */
  preferred(): number[] {
    const good = this.usable.filter((i) => !this.bad.has(i));
    const rest = this.usable.filter((i) => this.bad.has(i));
    return [...good, ...rest];
  }

  /**
   * Reads chunk `c`'s share from every live claim of each node index in `nodesToAsk`.
   * @returns `cand[index]`: one share, or an array of claims' shares when several storage nodes
   *   claim the index; `ids[index][j]`: the claim that `cand[index][j]` came from
   */
  async fetch(
    c: number,
    nodesToAsk: readonly number[],
  ): Promise<{ cand: Candidate[]; ids: Claim[][] }> {
    const chunk = this.manifest.chunks[c]!;
    const cand: Candidate[] = new Array(this.n).fill(undefined);
    const ids: Claim[][] = Array.from({ length: this.n }, () => []);
    const range = { offset: this.offsets[c]!, length: encodedShareLength(chunk.length, this.n) };
    await Promise.all(
      nodesToAsk.map(async (i) => {
        const got = await Promise.all(
          this.live[i]!.map(async (claim) => {
            try {
              let b = await claim.node.get(nodeBlobName(this.manifest.id, i), range);
              // Buffers are transferred to a worker: give each its own plain ArrayBuffer (a
              // pooled, shared or SharedArrayBuffer-backed one would be detached or refused).
              if (
                b instanceof Uint8Array &&
                (b.byteOffset !== 0 ||
                  b.byteLength !== b.buffer.byteLength ||
                  !(b.buffer instanceof ArrayBuffer))
              )
                b = new Uint8Array(b);
              return b instanceof Uint8Array && b.length === range.length ? b : undefined;
            } catch {
              return undefined; // unreadable or truncated blob: bad data from this claim
            }
          }),
        );
        const shares: Uint8Array[] = [];
        got.forEach((b, j) => {
          const claim = this.live[i]![j]!;
          if (b) {
            shares.push(b);
            ids[i]!.push(claim);
          } else claim.badChunks.add(c);
        });
        if (shares.length === 0) this.markBad(i, c);
        else cand[i] = shares.length === 1 ? shares[0] : shares;
      }),
    );
    return { cand, ids };
  }

  /** Records what a recovery learnt about claims and node indices. */
  learn(c: number, ids: Claim[][], r: RecoverOutput): void {
    if (r.ok) {
      for (const b of r.value.badNodes) this.markBad(b, c);
      for (const x of r.value.rejectedClaims) ids[x.node]?.[x.claim]?.badChunks.add(c);
      r.value.acceptedClaim.forEach((j, i) => {
        const claim = j >= 0 ? ids[i]?.[j] : undefined;
        if (claim) claim.matched = true;
      });
    } else for (const b of r.error.badNodes ?? []) this.markBad(b, c);
  }

  /** Claims not used although another claim of their index exists (conflicts). */
  rejectedClaims(): RejectedClaim[] {
    const out: RejectedClaim[] = [];
    for (const list of this.opened.claims) {
      if (list.length < 2) continue;
      for (const claim of list) {
        if (!claim.headerOk)
          out.push({ ...claimId(claim), reason: 'HEADER_MISMATCH', badChunks: 0 });
        else if (claim.badChunks.size > 0)
          out.push({
            ...claimId(claim),
            reason: 'DIGEST_MISMATCH',
            badChunks: claim.badChunks.size,
          });
      }
    }
    return out;
  }

  /**
   * The StorageNode id shown for node index `i`: the claim that matched with the fewest failed
   * chunks, else the first live claim, else the first claim.
   */
  nodeIdOf(i: number): string | undefined {
    const list = this.opened.claims[i]!;
    let best: Claim | undefined;
    for (const c of this.live[i]!)
      if (c.matched && (!best || c.badChunks.size < best.badChunks.size)) best = c;
    return (best ?? this.live[i]![0] ?? list[0])?.node.id;
  }

  /** Output buffers handed back after writing, reused for later chunks of the same size. */
  readonly freeOut: Uint8Array[] = [];

  recover(c: number, candidates: Candidate[], classifyAll: boolean): Promise<RecoverOutput> {
    const chunk = this.manifest.chunks[c]!;
    const task: RecoverTask = {
      kind: 'recover',
      modelId: this.modelId,
      k: this.k,
      n: this.n,
      index: c,
      offset: chunk.offset,
      length: chunk.length,
      groupId: chunk.groupId,
      tag: hexToBytes(chunk.tag),
      shareDigests: chunk.shareDigests.map(hexToBytes),
      candidates,
      classifyAll,
    };
    const outIdx = this.freeOut.findIndex((b) => b.length === chunk.length);
    const out = outIdx >= 0 ? this.freeOut.splice(outIdx, 1)[0] : undefined;
    const transfer = candidates
      .flatMap((x) => (x === undefined ? [] : x instanceof Uint8Array ? [x] : [...x]))
      .map((x) => x.buffer as ArrayBuffer);
    if (out)
      return this.pool.run<RecoverOutput>({ ...task, out }, [
        ...transfer,
        out.buffer as ArrayBuffer,
      ]);
    return this.pool.run<RecoverOutput>(task, transfer);
  }

  /**
   * `recover` that never rejects: a pool failure (worker crash, task that could not be posted)
   * becomes a `RECONSTRUCT_FAILED` result, so no promise of a window is left unhandled.
   */
  async safely(c: number, work: () => Promise<RecoverOutput>): Promise<RecoverOutput> {
    try {
      return await work();
    } catch (e) {
      return {
        ok: false,
        error: {
          code: 'RECONSTRUCT_FAILED',
          message: `chunk ${c}: worker pool failed: ${(e as Error)?.message ?? String(e)}`,
          hint: 'Run with workers: 0 to diagnose; retry.',
          docs: 'docs/errors.md#modelguard-reconstruct_failed',
          chunkIndex: c,
        },
      };
    }
  }

  /**
   * How many chunks a window may hold when each fetch reads `readsPerChunk` shares: bounded by
   * bytes (`IN_FLIGHT_BYTES`) for the largest chunk, and by the worker count.
   */
  windowSize(workers: number | undefined, readsPerChunk: number): number {
    const longest = this.manifest.chunks.reduce((m, c) => Math.max(m, c.length), 0);
    return inFlightChunks(
      workers ?? defaultWorkers(),
      2 * longest + readsPerChunk * encodedShareLength(Math.max(1, longest), this.n),
    );
  }

  /** Number of live claims over all node indices (what a full fetch reads per chunk). */
  liveClaims(): number {
    return this.live.reduce((sum, l) => sum + l.length, 0);
  }

  badNodes(): number[] {
    return [...this.bad.keys()].sort((a, b) => a - b);
  }
}

async function prepare(
  manifest: ModelManifest,
  nodes: readonly StorageNode[],
  options: RestoreOptions,
): Promise<Result<Session, ModelGuardError>> {
  const m = checkManifest(manifest);
  if (!m.ok) return m;
  if (options.trustedPublicKey !== undefined) {
    const v = await verifyManifest(manifest, options.trustedPublicKey);
    if (!v.ok) return v;
  }
  if (!Array.isArray(nodes))
    return mgErr(
      'INVALID_CONFIG',
      'nodes must be an array of StorageNode',
      'Pass the nodes to read from.',
      { field: 'nodes' },
    );
  if (!isWorkerCount(options.workers))
    return mgErr(
      'INVALID_CONFIG',
      `workers must be an integer 0..${MAX_WORKERS}, got ${String(options.workers)}`,
      'Omit it for the default, or pass 0 to run inline.',
      { field: 'workers' },
    );
  const offsets = nodeBlobOffsets(
    manifest.chunks.map((c) => c.length),
    manifest.config.storageNodes,
  );
  const opened = await openNodes(manifest, nodes, offsets[manifest.totalChunks]!);
  if (!opened.ok) return opened;
  let pool: ChunkPool | undefined;
  try {
    pool = new ChunkPool(options.workers ?? defaultWorkers());
    await pool.broadcast({ kind: 'groups', groups: manifest.chunks.map((c) => c.groupId) });
  } catch (e) {
    await pool?.close();
    return mgErr(
      'RECONSTRUCT_FAILED',
      `worker start failed: ${(e as Error)?.message ?? String(e)}`,
      'Run with workers: 0 to diagnose.',
    );
  }
  return ok(new Session(manifest, opened.value, pool));
}

/**
 * Restores a model file from the blobs of at least k nodes.
 * @param manifest the model's manifest
 * @param nodes storage nodes in any order (each is searched for `<id>.node<i>.mgs` blobs)
 * @param outPath where to write the model (replaced atomically on success)
 * @param options `{ trustedPublicKey, workers, onProgress }`
 * @returns `{ bytes, badNodes, rejectedClaims }`, or `MANIFEST_INVALID`, `INVALID_CONFIG`
 *   (e.g. `workers` not 0..16), `INTEGRITY_FAILED`, `INSUFFICIENT_SHARES`, `HMAC_FAILED`,
 *   `STORAGE_FAILED`, `FILE_FAILED`, `RECONSTRUCT_FAILED` (the worker pool failed)
 */
export async function reconstructFile(
  manifest: ModelManifest,
  nodes: readonly StorageNode[],
  outPath: string,
  options: RestoreOptions = {},
): Promise<Result<RestoreReport, ModelGuardError>> {
  const prep = await prepare(manifest, nodes, options);
  if (!prep.ok) return prep;
  const s = prep.value;
  const total = manifest.totalChunks;
  const tmp = `${outPath}.partial-${randomBytes(6).toString('hex')}`;
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  // Every promise in the window is settled before the pool closes (see chunk-pool.ts).
  const window: Promise<RecoverOutput>[] = [];
  try {
    if (total > 0 && s.usable.length < s.k) {
      return mgErr(
        'INSUFFICIENT_SHARES',
        `${s.usable.length} usable node blob(s) found, ${s.k} needed`,
        `Supply at least ${s.k} nodes holding blobs of model ${manifest.id}.`,
        { badNodes: s.badNodes() },
      );
    }
    try {
      // 0600: the restored weights are the secret the split protected.
      fh = await open(tmp, 'wx', 0o600);
    } catch (e) {
      return mgErr(
        'FILE_FAILED',
        `cannot create ${tmp}: ${(e as Error).message}`,
        'Check the output directory.',
        { field: 'outPath' },
      );
    }
    const hash = createHash('sha256');
    const crossCheck = options.crossCheck ?? true;
    const recoverOne = (c: number): Promise<RecoverOutput> => s.safely(c, () => recoverWork(c));
    const recoverWork = async (c: number): Promise<RecoverOutput> => {
      if (crossCheck && s.usable.length > s.k) {
        // More than k nodes given: read them all and check each, so bad ones are named.
        const f = await s.fetch(c, s.usable);
        const r = await s.recover(c, f.cand, true);
        s.learn(c, f.ids, r);
        return r;
      }
      const first = s.preferred().slice(0, s.k);
      const f1 = await s.fetch(c, first);
      const r1 = await s.recover(c, f1.cand, false);
      if (r1.ok && r1.value.badNodes.length === 0) {
        s.learn(c, f1.ids, r1);
        return r1;
      }
      // A failure or a bad share: ask every usable node; digests decide per share.
      const all = s.preferred();
      if (all.length <= first.length) {
        s.learn(c, f1.ids, r1);
        return r1;
      }
      const f2 = await s.fetch(c, all);
      const r2 = await s.recover(c, f2.cand, false);
      s.learn(c, f2.ids, r2);
      return r2;
    };
    // Cross-check reads every live claim; otherwise k shares (more only on a fallback).
    const maxInFlight = s.windowSize(
      options.workers,
      crossCheck && s.usable.length > s.k ? s.liveClaims() : s.k,
    );
    let next = 0;
    let bytesDone = 0;
    for (let c = 0; c < total; c++) {
      while (next < total && window.length < maxInFlight) window.push(recoverOne(next++));
      const r = await window.shift()!;
      if (!r.ok) {
        await Promise.allSettled(window);
        return mgErr(r.error.code, r.error.message, r.error.hint, {
          ...(r.error.subCode ? { subCode: r.error.subCode } : {}),
          chunkIndex: c,
          badNodes: [...new Set([...(r.error.badNodes ?? []), ...s.badNodes()])].sort(
            (a, b) => a - b,
          ),
        });
      }
      const chunk = manifest.chunks[c]!;
      const bytes = r.value.bytes;
      let done = 0;
      while (done < bytes.length) {
        const { bytesWritten } = await fh.write(
          bytes,
          done,
          bytes.length - done,
          chunk.offset + done,
        );
        done += bytesWritten;
      }
      hash.update(bytes);
      bytes.fill(0);
      if (s.freeOut.length < 4) s.freeOut.push(bytes);
      bytesDone += chunk.length;
      report(options.onProgress, {
        phase: 'restore',
        bytesDone,
        bytesTotal: manifest.modelSize,
        chunksDone: c + 1,
        chunksTotal: total,
      });
    }
    if (hash.digest('hex') !== manifest.modelHash) {
      return mgErr(
        'INTEGRITY_FAILED',
        'the restored model does not match the manifest SHA-256',
        'The manifest was modified (its modelHash or chunk list); check its signature or fetch it again.',
        { subCode: 'MODEL_HASH_MISMATCH', badNodes: s.badNodes() },
      );
    }
    if (options.fsync ?? true) await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, outPath);
    if (options.fsync ?? true) await syncDir(dirname(outPath));
    report(options.onProgress, {
      phase: 'restore',
      bytesDone: manifest.modelSize,
      bytesTotal: manifest.modelSize,
      chunksDone: total,
      chunksTotal: total,
    });
    return ok({
      bytes: manifest.modelSize,
      badNodes: s.badNodes(),
      rejectedClaims: s.rejectedClaims(),
    });
  } catch (e) {
    return mgErr(
      'FILE_FAILED',
      `writing ${outPath}: ${(e as Error).message}`,
      'Check free space and permissions of the output directory.',
      { field: 'outPath', badNodes: s.badNodes() },
    );
  } finally {
    await Promise.allSettled(window);
    if (fh) await fh.close().catch(() => {});
    await rm(tmp, { force: true }).catch(() => {});
    await s.pool.close();
  }
}

/**
 * Checks every supplied node's share of every chunk without writing the model, and names bad
 * nodes.
 * @param manifest the model's manifest
 * @param nodes storage nodes in any order
 * @param options `{ trustedPublicKey, workers, onProgress }`
 * @returns a `VerifyReport` (also when nodes are bad or chunks unrecoverable: read
 *   `recoverable`), or `MANIFEST_INVALID`, `INVALID_CONFIG`, `INTEGRITY_FAILED` (signature),
 *   `STORAGE_FAILED`, `RECONSTRUCT_FAILED` (the worker pool failed)
 */
export async function verifyFile(
  manifest: ModelManifest,
  nodes: readonly StorageNode[],
  options: RestoreOptions = {},
): Promise<Result<VerifyReport, ModelGuardError>> {
  const prep = await prepare(manifest, nodes, options);
  if (!prep.ok) return prep;
  const s = prep.value;
  const total = manifest.totalChunks;
  const failedChunks: VerifyReport['failedChunks'] = [];
  const hash = createHash('sha256');
  const window: Promise<RecoverOutput>[] = [];
  try {
    const maxInFlight = s.windowSize(options.workers, s.liveClaims());
    let next = 0;
    let bytesDone = 0;
    const all = s.usable;
    const start = (c: number) =>
      s.safely(c, async () => {
        const f = await s.fetch(c, all);
        const r = await s.recover(c, f.cand, true);
        s.learn(c, f.ids, r);
        return r;
      });
    for (let c = 0; c < total; c++) {
      while (next < total && window.length < maxInFlight) window.push(start(next++));
      const r = await window.shift()!;
      if (!r.ok && r.error.code === 'RECONSTRUCT_FAILED')
        return mgErr(r.error.code, r.error.message, r.error.hint, { chunkIndex: c });
      if (r.ok) {
        if (failedChunks.length === 0) hash.update(r.value.bytes);
        r.value.bytes.fill(0);
        if (s.freeOut.length < 4) s.freeOut.push(r.value.bytes);
      } else {
        failedChunks.push({
          chunkIndex: c,
          code: r.error.code,
          ...(r.error.subCode ? { subCode: r.error.subCode } : {}),
        });
      }
      bytesDone += manifest.chunks[c]!.length;
      report(options.onProgress, {
        phase: 'verify',
        bytesDone,
        bytesTotal: manifest.modelSize,
        chunksDone: c + 1,
        chunksTotal: total,
      });
    }
  } catch (e) {
    return mgErr(
      'RECONSTRUCT_FAILED',
      `verify failed: ${(e as Error)?.message ?? String(e)}`,
      'Run with workers: 0 to diagnose; retry.',
    );
  } finally {
    await Promise.allSettled(window);
    await s.pool.close();
  }
  const modelHashOk = failedChunks.length === 0 && hash.digest('hex') === manifest.modelHash;
  const verdicts: NodeVerdict[] = [];
  for (let i = 0; i < s.n; i++) {
    const id = s.nodeIdOf(i);
    const badChunks = [...(s.bad.get(i) ?? [])].sort((a, b) => a - b);
    verdicts.push({
      index: i,
      id,
      state: id === undefined ? 'missing' : s.bad.has(i) ? 'bad' : 'ok',
      badChunks,
    });
  }
  if (total === 0 && s.usable.length < s.k)
    failedChunks.push({ chunkIndex: -1, code: 'INSUFFICIENT_SHARES' });
  return ok({
    recoverable: failedChunks.length === 0 && modelHashOk,
    nodes: verdicts,
    badNodes: s.badNodes(),
    failedChunks,
    modelHashOk,
    rejectedClaims: s.rejectedClaims(),
  });
}
