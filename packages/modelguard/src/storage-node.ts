/**
 * The `StorageNode` interface: where one node's blobs live. Small on purpose (put, get with a
 * byte range, list, delete) so that S3-compatible stores plug in: `put` maps to a multipart
 * upload of the async iterable, `get` with a range to a ranged GET.
 *
 * Pitfall: implementations signal I/O failures by rejecting; the library turns rejections into
 * `STORAGE_FAILED` results naming the node. Blob names are restricted to `[A-Za-z0-9._-]`
 * (`isBlobName`) so that no implementation has to defend against path traversal itself.
 *
 * @module
 */

/** A byte range of a blob: `length` bytes starting at `offset` (both in bytes). */
export interface ByteRange {
  readonly offset: number;
  readonly length: number;
}

/** One storage node holding named blobs. */
export interface StorageNode {
  /** Human-readable identity for messages (a directory path, a bucket URL). */
  readonly id: string;
  /**
   * Whether `put` accepts chunks that are views of a SharedArrayBuffer (guardFile then shares
   * memory with its worker threads instead of moving buffers, which is faster). Set it only if
   * `put` copies or writes the bytes itself: APIs such as `fetch` refuse shared memory. Default
   * false.
   */
  readonly acceptsShared?: boolean;
  /**
   * Stores a blob from a stream of byte chunks, replacing any blob of that name once complete
   * (a reader never sees a half-written blob). Contract: once the implementation asks the
   * iterator for the next chunk it no longer uses the previous one (copy it if you buffer,
   * e.g. for multipart parts); the caller reuses those buffers.
   */
  put(name: string, data: AsyncIterable<Uint8Array>): Promise<void>;
  /**
   * Reads a blob, or a range of it.
   * @param into optional buffer of exactly `range.length` bytes the caller owns: an
   *   implementation may read into it and return it (saves a fresh allocation per read; restore
   *   recycles its share buffers this way), or ignore it and return new bytes
   * @returns the bytes (exactly `range.length` bytes when a range is given), or undefined when
   *   the blob does not exist; rejects when the range runs past the end
   */
  get(name: string, range?: ByteRange, into?: Uint8Array): Promise<Uint8Array | undefined>;
  /** Names of all blobs, any order. */
  list(): Promise<string[]>;
  /** Removes a blob; no error when it does not exist. */
  delete(name: string): Promise<void>;
}

/**
 * Whether `name` is an acceptable blob name: 1..200 chars of `[A-Za-z0-9._-]`, not starting
 * with a dot.
 */
export function isBlobName(name: string): boolean {
  return typeof name === 'string' && /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/.test(name);
}

/**
 * Name of node `index`'s blob for a model: `<modelId>.node<index>.mgs`.
 * @param modelId the manifest id (32 hex chars)
 * @param index node index 0..254
 */
export function nodeBlobName(modelId: string, index: number): string {
  return `${modelId}.node${index}.mgs`;
}
