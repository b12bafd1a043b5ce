/**
 * Transports deliver envelopes (JSON form) to a recipient DID. The interface is what HTTP,
 * relay and multi-channel transports implement; `LoopbackTransport` keeps everything in
 * process (tests, demos, benchmarks).
 *
 * Pitfalls:
 * - Transports are untrusted: everything security-relevant is checked by `agent.receive()`.
 * - `LoopbackTransport.outbox` keeps the last `maxOutbox` envelopes only (default 10 000),
 *   so long-running loops do not grow memory without bound.
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import type { EnvelopeJson } from './envelope.js';
import type { XlinkErrorDetail } from './errors.js';

/** Handler for incoming envelopes. */
export type EnvelopeHandler = (envelope: EnvelopeJson, to: string) => void;

/** A delivery mechanism. */
export interface TransportAdapter {
  /**
   * Delivers one envelope.
   * @param envelope JSON form
   * @param to recipient DID
   * @returns `ok` once accepted, or `SEND_FAILED` / `NETWORK_ERROR`
   */
  send(envelope: EnvelopeJson, to: string): Promise<Result<void, XlinkErrorDetail>>;
  /**
   * True when `send` keeps neither the envelope object nor its bytes once its promise settles
   * (it serialised them, e.g. uploaded them): the caller may then reuse the ciphertext's buffer.
   * Large 2-of-n split-channel messages are then sent from one share buffer (a third less
   * memory, split-channel/send-overlay.ts). Default false.
   */
  readonly releasesEnvelope?: boolean;
  /** Registers a handler for envelopes this transport receives (optional). */
  onReceive?(handler: EnvelopeHandler): void;
  /** Releases resources (optional). */
  dispose?(): void;
}

/** In-process transport: records envelopes in `outbox` and calls registered handlers. */
export class LoopbackTransport implements TransportAdapter {
  /** Sent envelopes, oldest first. */
  readonly outbox: EnvelopeJson[] = [];
  /** Recipient DID of each `outbox` entry, same order. */
  readonly recipients: string[] = [];
  readonly maxOutbox: number;
  private handlers: EnvelopeHandler[] = [];

  /** @param options `maxOutbox` (default 10 000) */
  constructor(options: { maxOutbox?: number } = {}) {
    this.maxOutbox = options.maxOutbox ?? 10_000;
  }

  /** See {@link TransportAdapter.send}. Never fails. */
  async send(envelope: EnvelopeJson, to: string): Promise<Result<void, XlinkErrorDetail>> {
    this.outbox.push(envelope);
    this.recipients.push(to);
    if (this.outbox.length > this.maxOutbox) {
      this.outbox.shift();
      this.recipients.shift();
    }
    for (const h of this.handlers) h(envelope, to);
    return ok(undefined);
  }

  /** See {@link TransportAdapter.onReceive}. */
  onReceive(handler: EnvelopeHandler): void {
    this.handlers.push(handler);
  }

  /** Drops handlers and recorded envelopes. */
  dispose(): void {
    this.handlers = [];
    this.outbox.length = 0;
    this.recipients.length = 0;
  }
}
