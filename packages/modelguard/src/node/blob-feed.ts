/**
 * A bounded byte queue that turns "push the next share" calls into the `AsyncIterable` a
 * `StorageNode.put` consumes. `push` waits while more than `limit` bytes are queued, so a slow
 * node slows the pipeline instead of growing memory.
 *
 * Pitfall: if the consumer stops (its `put` rejected), pushes would wait forever; `fail`
 * releases every waiter with the error.
 *
 * @module
 */

/** A single-consumer bounded queue of byte chunks. */
export class BlobFeed implements AsyncIterable<Uint8Array> {
  private readonly items: Uint8Array[] = [];
  private queued = 0;
  private ended = false;
  private error: unknown;
  private wakeConsumer: (() => void) | undefined;
  private wakeProducers: (() => void)[] = [];

  /**
   * @param limit bytes queued before `push` waits
   * @param release called with each chunk once the consumer asks for the next one (or ends),
   *   i.e. when the `StorageNode.put` contract says it no longer uses it; lets the caller
   *   reuse the buffer instead of leaving it to the garbage collector
   */
  constructor(
    private readonly limit: number,
    private readonly release?: (bytes: Uint8Array) => void,
  ) {}

  /** Queues `bytes`; resolves when there is room again. Rejects after `fail`. */
  async push(bytes: Uint8Array): Promise<void> {
    if (this.error !== undefined) throw this.error;
    this.items.push(bytes);
    this.queued += bytes.length;
    this.wakeConsumer?.();
    while (this.queued > this.limit && this.error === undefined) {
      await new Promise<void>((r) => this.wakeProducers.push(r));
    }
    if (this.error !== undefined) throw this.error;
  }

  /** Marks the end of the data. */
  end(): void {
    this.ended = true;
    this.wakeConsumer?.();
  }

  /** Aborts: the consumer's iteration throws `error`, waiting producers reject. */
  fail(error: unknown): void {
    this.error = error ?? new Error('feed failed');
    this.wakeConsumer?.();
    for (const w of this.wakeProducers.splice(0)) w();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    while (true) {
      if (this.error !== undefined) throw this.error;
      const next = this.items.shift();
      if (next) {
        this.queued -= next.length;
        if (this.queued <= this.limit) for (const w of this.wakeProducers.splice(0)) w();
        yield next;
        this.release?.(next);
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((r) => {
        this.wakeConsumer = r;
      });
      this.wakeConsumer = undefined;
    }
  }
}
