/**
 * The receive loop behind `agent.listen()`: polls (or long-polls) the agent's relay mailbox,
 * runs `agent.receive()` on every message, calls `onMessage`, and acks after the handler
 * succeeds. Stops when `signal` aborts.
 *
 * Delivery semantics (at-least-once, deduplicated):
 * - handler succeeded -> ack; handler threw -> no ack, the relay delivers it again and the
 *   already verified message is handed to the handler again (cached in memory, because the
 *   nonce is already recorded and `receive()` would now say REPLAY_DETECTED);
 * - `receive()` refused it for good (bad signature, replay, revoked sender, expired, ...) ->
 *   `onError` and ack WITH its code (delivery-disposition.ts): the relay deletes it and keeps the
 *   code in the mailbox's dead-letter list for the TTL;
 * - transient failures (`LOOKUP_FAILED`, `NETWORK_ERROR`, `NONCE_STORE_FULL`, ...) -> not acked,
 *   left queued and retried.
 * - The relay's deposit receipt goes to `receive()` (`relayReceipt`): an agent whose `delivery`
 *   option trusts that relay accepts the envelope for the relay TTL, not just the direct window.
 *
 * Pitfalls:
 * - A buffered split-channel share is acked once `receive()` buffered it: give the agent a
 *   `shareSpool` (node: `FileShareSpool`) or an exit before its group completes loses it.
 * - A handler that failed, then a process restart: the redelivered envelope is a replay for a
 *   persistent nonce store and is dropped with `onError(REPLAY_DETECTED)`. Make handlers
 *   idempotent and let them succeed, or persist work before returning.
 * - Without a trusted relay key (`delivery.trustedRelays`), messages sitting in a relay longer
 *   than the receiver's `timestampWindowMs` (default 30 s) fail with TIMESTAMP_EXPIRED.
 *
 * @module
 */

import { LRUCache } from 'lru-cache';
import type { Result } from 'xorida';
import {
  type AgentMessage,
  isPendingShares,
  type ReceiveOptions,
  type ReceiveResult,
} from './agent-types.js';
import { dispositionOf, rejectionOf } from './delivery-disposition.js';
import type { XlinkErrorDetail } from './errors.js';
import { abortableSleep } from './lib/abortable-sleep.js';
import { releaseDeferred } from './lib/deferred-text.js';
import type { RelayClient, RelayMessage, RelayRejection } from './relay-client.js';

/** Options of `agent.listen()`. */
export interface ListenOptions {
  /** The relay: a base URL (signed as this agent) or a {@link RelayClient}. */
  readonly relay: string | RelayClient;
  /**
   * Called for every verified message; throw (or reject) to have it redelivered. `meta.envelope`
   * is the envelope as pulled, except a ciphertext of 1 MiB or more: decoded and decrypted in
   * place, it reads `''` (a maximum-size message is never held twice; the payload is in
   * `message`).
   */
  readonly onMessage: (message: AgentMessage, meta: RelayMessage) => void | Promise<void>;
  /** Called for refused envelopes, handler failures and relay errors (never throws back). */
  readonly onError?: (error: XlinkErrorDetail | Error, meta?: RelayMessage) => void;
  /** Stops the loop. */
  readonly signal?: AbortSignal;
  /** Pause between empty polls, ms (default 500). */
  readonly intervalMs?: number;
  /** Long-poll: ask the relay to hold an empty pull up to this long, ms (default 0, max 25 000). */
  readonly waitMs?: number;
  /** Messages per pull (default 50). */
  readonly batch?: number;
  /** Passed to `receive()` (e.g. `allowCleartext`). */
  readonly receiveOptions?: ReceiveOptions;
}

/**
 * Runs the loop until `signal` aborts.
 * @param receive the agent's receive function
 * @param client relay client signed as the agent
 * @param options {@link ListenOptions}
 * @param takeExpired expired split groups since the last call (`INSUFFICIENT_SHARES`), reported
 *   through `onError` after every pull
 * @returns resolves when stopped
 */
export async function runListenLoop(
  receive: (input: unknown, o?: ReceiveOptions) => Promise<Result<ReceiveResult, XlinkErrorDetail>>,
  client: RelayClient,
  options: ListenOptions,
  takeExpired: () => readonly XlinkErrorDetail[] = () => [],
): Promise<void> {
  const { signal, onMessage } = options;
  const report = (e: XlinkErrorDetail | Error, meta?: RelayMessage) => {
    try {
      options.onError?.(e, meta);
    } catch {
      // a throwing error callback must not stop the loop
    }
  };
  const interval = options.intervalMs ?? 500;
  const batch = options.batch ?? 50;
  // Verified messages whose handler failed, by relay id; bounded, least recently used evicted.
  const verified = new LRUCache<string, AgentMessage>({ max: 10_000 });
  let failures = 0;
  while (!signal?.aborted) {
    const pulled = await client.pull({
      limit: batch,
      waitMs: options.waitMs ?? 0,
      ...(signal ? { signal } : {}),
    });
    if (signal?.aborted) break;
    if (!pulled.ok) {
      report(pulled.error);
      failures++;
      await abortableSleep(Math.min(30_000, interval * 2 ** Math.min(failures, 6)), signal);
      continue;
    }
    failures = 0;
    for (const e of takeExpired()) report(e);
    const toAck: string[] = [];
    const rejected: RelayRejection[] = [];
    for (const meta of pulled.value) {
      if (signal?.aborted) break;
      let msg = verified.get(meta.id);
      if (!msg) {
        // the envelope is this loop's: a large ciphertext is decoded and decrypted in place
        // (lib/deferred-text.ts), and reads '' in `meta` from then on (issue 14)
        releaseDeferred(meta.envelope);
        const r = await receive(meta.envelope, {
          ...options.receiveOptions,
          ...(meta.receipt !== undefined ? { relayReceipt: meta.receipt } : {}),
        });
        if (!r.ok) {
          report(r.error, meta);
          if (dispositionOf(r.error) === 'reject') rejected.push(rejectionOf(meta, r.error));
          continue;
        }
        if (isPendingShares(r.value)) {
          // A split-channel share was verified and buffered; the message arrives with the share
          // that completes its group. Ack now: the agent holds it from here, durably when it
          // has a share spool (split-channel/share-spool.ts), else in memory only.
          toAck.push(meta.id);
          continue;
        }
        msg = r.value;
      }
      try {
        await onMessage(msg, meta);
        verified.delete(meta.id);
        toAck.push(meta.id);
      } catch (e) {
        verified.set(meta.id, msg);
        report(e instanceof Error ? e : new Error(String(e)), meta);
      }
    }
    if (toAck.length > 0 || rejected.length > 0) {
      const a = await client.ack(toAck, undefined, rejected);
      if (!a.ok) report(a.error);
    }
    if (pulled.value.length < batch && !signal?.aborted && !(options.waitMs && options.waitMs > 0))
      await abortableSleep(interval, signal);
  }
}
