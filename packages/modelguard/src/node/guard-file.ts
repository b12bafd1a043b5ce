/**
 * `guardFile`: stream a model file into one blob per storage node, in bounded memory, using
 * worker threads for splitting and tagging while this thread reads the file.
 *
 * Node blob layout (docs/formats.md, "Node blob"): a 48-byte header, then every chunk's IDA5
 * share in chunk order. Each node is written sequentially, once.
 *
 * Pitfalls:
 * - Memory is bounded by bytes: the window holds at most workers + 1 chunks and 256 MiB of
 *   chunks plus shares (always one chunk), node queues 4 MiB each (64 MiB in all) plus the
 *   share being written, recycled buffers 64 MiB. One chunk takes about (n + 1) x chunkSize
 *   (n = 255, 4 MiB chunks: about 1 GiB): with many nodes, choose smaller chunks.
 * - If any node (or signing) fails, nothing is committed: blobs already in place are deleted
 *   (best effort), STORAGE_FAILED names the node. Bad seeds are refused before any write.
 * - A file that changes while it is read yields a manifest of whatever was read.
 * @module
 */
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { bytesToHex, ok, type Result } from 'xorida';
import { type ModelGuardError, mgErr } from '../errors.js';
import { describeInput } from '../guard-model.js';
import { type BlobShape, blobOffsets, chunkShareLength, planChunks } from '../lib/chunk-plan.js';
import { CONTENT_KEY_LENGTH } from '../lib/compact.js';
import { checkConfig, checkFinalMetadata, checkMetadataInput } from '../lib/config-check.js';
import { splitContentKey } from '../lib/content-key.js';
import { SHARE_TAG_KEY_LENGTH } from '../lib/ideal-share-tag.js';
import { buildManifest } from '../lib/manifest-build.js';
import { safetensorsHeaderLength } from '../lib/safetensors.js';
import { signManifest } from '../manifest.js';
import { nodeBlobName, type StorageNode } from '../storage-node.js';
import type { ManifestChunk, ModelManifest, ModelMetadata } from '../types.js';
import { BlobFeed } from './blob-feed.js';
import {
  ChunkPool,
  defaultWorkers,
  inFlightChunks,
  isWorkerCount,
  MAX_WORKERS,
  PoolError,
} from './chunk-pool.js';
import type { SplitOutput } from './chunk-work.js';
import { readExact } from './file-read.js';
import { GuardBuffers, type Taken } from './guard-buffers.js';
import { isStorageNode, loadTfjs } from './guard-input.js';
import { encodeNodeHeader } from './node-blob.js';
import { type OnProgress, report } from './progress.js';

/** Options of `guardFile`. */
export interface GuardFileOptions {
  /** One storage node per share; n = nodes.length (2..255). Node i gets share index i. */
  readonly nodes: readonly StorageNode[];
  /** k, 2..n. */
  readonly threshold: number;
  /** Chunk length in bytes; default 4 MiB. */
  readonly chunkSize?: number;
  /**
   * `'ideal'` (default) or `'compact'` (AES-256-GCM under a per-model key, dispersed at about
   * n/k times the model; see `ModelGuardConfig.mode` and docs/formats.md "Compact mode").
   */
  readonly mode?: 'ideal' | 'compact';
  /** Metadata; `name` defaults to the file name, `modelSize` is filled in. */
  readonly metadata?: Partial<Omit<ModelMetadata, 'modelSize'>>;
  /** TF.js weights manifest JSON (parsed value, or a path to the .json file). */
  readonly tfjsWeightsManifest?: unknown;
  /** Ed25519 seed (exactly 32 bytes) to sign the manifest with; checked before any write. */
  readonly signingSeed?: Uint8Array;
  /** Worker threads, an integer 0..16; 0 runs inline. Default: cores, 1..4. */
  readonly workers?: number;
  readonly onProgress?: OnProgress;
}

/** Output of `guardFile`. */
export interface GuardFileResult {
  readonly manifest: ModelManifest;
  /** Blob name written on node i, per node. */
  readonly blobs: string[];
}

/** Bytes queued per node before a push waits: 4 MiB, less with many nodes (64 MiB in all). */
function feedLimit(n: number): number {
  return Math.max(64 * 1024, Math.min(4 * 1024 * 1024, Math.floor((64 * 1024 * 1024) / n)));
}

/**
 * Splits a model file K-of-N into one blob per node, streaming.
 * @param path the model file (1 to 2^53-1 bytes; safetensors detected)
 * @param options `{ nodes, threshold, chunkSize = 4 MiB, metadata, tfjsWeightsManifest,
 *   signingSeed, workers, onProgress }`
 * @returns `{ manifest, blobs }`, or `INVALID_CONFIG` (including an empty file, `workers` not
 *   0..16, `signingSeed` not 32 bytes, signing failed), `FILE_FAILED` (cannot read the input), `STORAGE_FAILED` (a node rejected a write;
 *   `badNodes` names it), `SPLIT_FAILED` (a split or the worker pool failed)
 * @see docs/formats.md#modelguard
 */
export async function guardFile(
  path: string,
  options: GuardFileOptions,
): Promise<Result<GuardFileResult, ModelGuardError>> {
  const nodes = options?.nodes;
  if (!Array.isArray(nodes) || !nodes.every(isStorageNode))
    return mgErr(
      'INVALID_CONFIG',
      'nodes must be an array of StorageNode',
      'Create nodes with createDirectoryNode(dir).',
      { field: 'nodes' },
    );
  const cfg = checkConfig({
    storageNodes: nodes.length,
    threshold: options.threshold,
    chunkSize: options.chunkSize,
    mode: options.mode,
  });
  if (!cfg.ok) return cfg;
  const { storageNodes: n, threshold: k, chunkSize, mode } = cfg.value;
  const shape: BlobShape = { n, k, mode };
  if (!isWorkerCount(options.workers))
    return mgErr(
      'INVALID_CONFIG',
      `workers must be an integer 0..${MAX_WORKERS}, got ${String(options.workers)}`,
      'Omit it for the default, or pass 0 to run inline.',
      { field: 'workers' },
    );
  // Checked before anything is written: a bad seed must not leave blobs behind.
  if (
    options.signingSeed !== undefined &&
    (!(options.signingSeed instanceof Uint8Array) || options.signingSeed.length !== 32)
  )
    return mgErr(
      'INVALID_CONFIG',
      'signingSeed must be 32 bytes',
      'Pass the raw 32-byte Ed25519 seed (the CLI reads a PKCS#8 PEM or a hex seed file).',
      { field: 'signingSeed' },
    );
  let tfjs: unknown;
  if (options.tfjsWeightsManifest !== undefined) {
    const t = await loadTfjs(options.tfjsWeightsManifest);
    if (!t.ok) return t;
    tfjs = t.value;
  }
  let fh: Awaited<ReturnType<typeof open>>;
  let size: number;
  try {
    fh = await open(path, 'r');
    const st = await fh.stat();
    if (!st.isFile() || st.size === 0) {
      await fh.close();
      // As guardModel: an empty model's manifest would restore nothing and prove nothing.
      return st.isFile()
        ? mgErr('INVALID_CONFIG', `${path} is empty`, 'Pass a model of at least 1 byte.', {
            field: 'path',
          })
        : mgErr('FILE_FAILED', `${path} is not a regular file`, 'Pass a model file.', {
            field: 'path',
          });
    }
    size = st.size;
  } catch (e) {
    return mgErr(
      'FILE_FAILED',
      `cannot open ${path}: ${(e as Error).message}`,
      'Check the path and permissions.',
      { field: 'path' },
    );
  }
  let pool: ChunkPool;
  try {
    pool = new ChunkPool(options.workers ?? defaultWorkers());
  } catch (e) {
    await fh.close().catch(() => {});
    return mgErr(
      'SPLIT_FAILED',
      `worker start failed: ${(e as Error)?.message ?? String(e)}`,
      'Run with workers: 0 to diagnose.',
    );
  }
  // Buffer reuse: chunk read buffers come back from the workers, share buffers from the node
  // feeds once written (guard-buffers.ts). Without it the garbage collector lags by 100+ MiB.
  // Shared slots (ideal mode; compact measured no faster with them, and larger): the window's
  // chunks plus up to two per node queue (feedLimit).
  const maxWindow = inFlightChunks(
    options.workers ?? defaultWorkers(),
    chunkSize + n * chunkShareLength(chunkSize, shape),
  );
  const buffers = new GuardBuffers(
    chunkSize,
    shape,
    mode === 'ideal' && nodes.every((node) => node.acceptsShared === true) ? maxWindow + 2 : 0,
  );
  const feeds = nodes.map(() => new BlobFeed(feedLimit(n), buffers.release));
  let storageError: { node: number; error: unknown } | undefined;
  let aborting = false;
  let puts: Promise<void>[] = [];
  const modelId = globalThis.crypto.getRandomValues(new Uint8Array(16));
  const id = bytesToHex(modelId);
  const blobs = nodes.map((_, i) => nodeBlobName(id, i));
  // Compact mode: one content key per model, split k-of-n, one key share per node blob.
  const key =
    mode === 'compact'
      ? globalThis.crypto.getRandomValues(new Uint8Array(CONTENT_KEY_LENGTH))
      : undefined;
  // Ideal mode (manifest version 5): a fresh share tag key, recorded in the manifest.
  const tagKey =
    mode === 'ideal'
      ? globalThis.crypto.getRandomValues(new Uint8Array(SHARE_TAG_KEY_LENGTH))
      : undefined;
  // Every promise in the window is settled before the pool closes (see chunk-pool.ts).
  const window: Promise<SplitOutput>[] = [];
  const taken: Taken[] = []; // the buffers of each window entry
  const track = (p: Promise<SplitOutput>) => {
    p.catch(() => {}); // handled when drained, or settled in the catch below
    window.push(p);
  };
  try {
    const first8 = size >= 8 ? await readExact(fh, 0, 8) : new Uint8Array(0);
    const headerLen = safetensorsHeaderLength(first8, size);
    const header = headerLen === undefined ? undefined : await readExact(fh, 8, headerLen);
    const baseMeta: ModelMetadata = {
      name: basename(path),
      version: '0',
      architecture: 'unknown',
      parameterCount: 0,
      ...options.metadata,
      ...(tfjs !== undefined ? { format: 'tfjs' as const, tfjs: { weightsManifest: tfjs } } : {}),
      modelSize: size,
    };
    const meta = checkMetadataInput(baseMeta, size);
    if (!meta.ok) return meta;
    const described = describeInput(baseMeta, first8, size, () => header);
    const final = checkFinalMetadata(baseMeta, described.metadata, described.safetensors, size);
    if (!final.ok) return final;
    const spans = planChunks(size, chunkSize, described.firstChunk);
    const offsets = blobOffsets(
      spans.map((s) => s.length),
      shape,
    );
    const splitKey = key ? splitContentKey(key, modelId, k, n) : undefined;
    if (buffers.shared.length > 0) await pool.broadcast({ kind: 'slots', buffers: buffers.shared });
    const blobLength = offsets[spans.length]!;
    puts = nodes.map((node, i) =>
      node.put(blobs[i]!, feeds[i]!).catch((error) => {
        // A put that rejects because we aborted the feeds is not the node's fault.
        if (!aborting) storageError ??= { node: i, error };
        for (const f of feeds) f.fail(error);
        buffers.fail(error);
      }),
    );
    for (let i = 0; i < n; i++)
      await feeds[i]!.push(
        encodeNodeHeader({
          nodeIndex: i,
          n,
          k,
          modelId: id,
          chunkCount: spans.length,
          modelSize: size,
          blobLength,
          mode,
        }),
      );
    if (splitKey) for (let i = 0; i < n; i++) await feeds[i]!.push(splitKey.shares[i]!);
    const chunks: ManifestChunk[] = [];
    // Each in-flight chunk holds its bytes and n shares of about the same size.
    const longest = spans.reduce((m, sp) => Math.max(m, sp.length), 0);
    const maxInFlight = inFlightChunks(
      options.workers ?? defaultWorkers(),
      longest + n * chunkShareLength(Math.max(1, longest), shape),
    );
    let bytesDone = 0;
    const drain = async () => {
      const out = await window.shift()!;
      const shares = buffers.sharesOf(taken.shift()!, out);
      const c = chunks.length;
      const span = spans[c]!;
      for (let i = 0; i < n; i++) {
        if (shares[i]!.length !== chunkShareLength(span.length, shape))
          throw new Error('internal: share length');
        await feeds[i]!.push(shares[i]!);
      }
      chunks.push({
        index: c,
        offset: span.offset,
        length: span.length,
        groupId: bytesToHex(out.groupId),
        tag: bytesToHex(out.tag),
        shareTags: out.digests.map((d) => bytesToHex(d)),
      });
      bytesDone += span.length;
      report(options.onProgress, {
        phase: 'guard',
        bytesDone,
        bytesTotal: size,
        chunksDone: c + 1,
        chunksTotal: spans.length,
      });
    };
    for (let c = 0; c < spans.length; c++) {
      const { offset, length } = spans[c]!;
      // A shared slot frees up only once every node wrote its share: drain meanwhile.
      while (buffers.usesSlot(length) && !buffers.hasFreeSlot())
        await (window.length > 0 ? drain() : buffers.slotReleased());
      const t = buffers.take(length, key !== undefined);
      const chunk = await readExact(fh, offset, length, t.chunk);
      const slot = buffers.ref(t);
      const { outputs } = t;
      const task = {
        kind: 'split',
        modelId,
        k,
        n,
        index: c,
        offset,
        chunk,
        ...(key ? { key } : {}),
        ...(tagKey ? { tagKey } : {}),
      } as const;
      taken.push(t);
      track(
        slot
          ? pool.run<SplitOutput>({ ...task, chunk: new Uint8Array(0), slot })
          : outputs
            ? pool.run<SplitOutput>({ ...task, outputs }, [
                chunk.buffer as ArrayBuffer,
                ...outputs.map((b) => b.buffer as ArrayBuffer),
              ])
            : pool.run<SplitOutput>(task, [chunk.buffer as ArrayBuffer]),
      );
      if (window.length >= maxInFlight) await drain();
    }
    while (window.length > 0) await drain();
    for (const f of feeds) f.end();
    await Promise.all(puts);
    if (storageError) throw storageError.error;
    report(options.onProgress, {
      phase: 'guard',
      bytesDone: size,
      bytesTotal: size,
      chunksDone: spans.length,
      chunksTotal: spans.length,
    });
    let manifest = buildManifest({
      id,
      metadata: described.metadata,
      config: { storageNodes: n, threshold: k, chunkSize },
      modelSize: size,
      chunks,
      mode,
      ...(splitKey
        ? { contentKey: { groupId: splitKey.groupId, shareDigests: splitKey.shareDigests } }
        : {}),
      ...(tagKey ? { shareTagKey: bytesToHex(tagKey) } : {}),
    });
    if (options.signingSeed !== undefined) {
      const s = await signManifest(manifest, options.signingSeed);
      if (!s.ok) {
        // Nothing is committed without the signature the caller asked for.
        await Promise.allSettled(nodes.map((node, i) => node.delete(blobs[i]!)));
        return s;
      }
      manifest = s.value;
    }
    return ok({ manifest, blobs });
  } catch (e) {
    await Promise.allSettled(window);
    aborting = true;
    for (const f of feeds) f.fail(e);
    await Promise.allSettled(puts);
    await Promise.allSettled(nodes.map((node, i) => node.delete(blobs[i]!)));
    if (storageError)
      return mgErr(
        'STORAGE_FAILED',
        `node ${storageError.node} (${nodes[storageError.node]!.id}) failed: ${(storageError.error as Error)?.message ?? String(storageError.error)}`,
        'Check that node and run guardFile again; nothing was committed.',
        { badNodes: [storageError.node] },
      );
    const msg = (e as Error)?.message ?? String(e);
    if (e instanceof PoolError)
      return mgErr(
        'SPLIT_FAILED',
        `worker pool failed: ${msg}`,
        'Run with workers: 0 to diagnose; retry.',
      );
    return /file ended|EIO|ENOENT|EACCES/.test(msg)
      ? mgErr(
          'FILE_FAILED',
          `reading ${path}: ${msg}`,
          'Do not modify the file while it is guarded.',
          { field: 'path' },
        )
      : mgErr('SPLIT_FAILED', msg, 'An internal step failed; retry, and report it if it persists.');
  } finally {
    key?.fill(0);
    await fh.close().catch(() => {});
    await pool.close();
    buffers.wipe();
  }
}
