/**
 * The relay's mailbox storage contract, shared by the file store (embedded default) and the
 * Redis store (several relay nodes). Messages are opaque, already validated envelope JSON
 * objects; the relay never decrypts them.
 *
 * Semantics every store implements:
 * - `put` resolves ok only when the message is durable (file: fsync; Redis: as durable as Redis).
 * - `pull` returns the oldest unexpired, unacked messages of ONE mailbox without removing them
 *   (at-least-once: an unacked message is handed out again on the next pull).
 * - `ack` removes only ids of that mailbox (an id of another mailbox is ignored).
 * - Messages expire `ttlMs` after they were stored (default 7 days).
 *
 * @module
 */
import type { ErrorDetail, Result } from 'xorida';
import { err } from 'xorida';
import { xlinkDocsUrl } from '../errors.js';

/** Default message lifetime: 7 days, ms. */
export const DEFAULT_RELAY_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** Default cap of unacked messages per mailbox. */
export const DEFAULT_MAX_MAILBOX_MESSAGES = 10_000;

/** A stored message. */
export interface StoredRelayMessage {
  /** Relay-assigned id: 22 base64url characters (16 random bytes). */
  readonly id: string;
  /** Recipient DID (mailbox). */
  readonly to: string;
  /** The envelope JSON form (validated structure, not decrypted). */
  readonly envelope: unknown;
  /** ms since the Unix epoch. */
  readonly receivedAt: number;
  /** ms since the Unix epoch. */
  readonly expiresAt: number;
  /** Times handed out by `pull` (this one included). Best effort: the file store counts in memory. */
  readonly deliveries: number;
}

/** Relay store error codes. */
export type RelayStoreErrorCode = 'MAILBOX_FULL' | 'STORAGE_FAILED';
/** Relay store error detail. */
export interface RelayStoreErrorDetail extends ErrorDetail<RelayStoreErrorCode> {}

/** @internal builds a relay store error. */
export function relayStoreErr(code: RelayStoreErrorCode, message: string, hint: string) {
  return err<RelayStoreErrorDetail>({ code, message, hint, docs: xlinkDocsUrl(code) });
}

/** Counts for `/health`. */
export interface RelayStoreStats {
  readonly messages: number;
  readonly mailboxes: number;
}

/** Mailbox storage. */
export interface RelayStore {
  /** Backend name for `/health` (`file`, `redis`). */
  readonly kind: string;
  /**
   * Stores a message for `to`.
   * @param to recipient DID
   * @param envelope validated envelope JSON object
   * @param now ms (tests)
   * @returns id and expiry, or `MAILBOX_FULL`, `STORAGE_FAILED`
   */
  put(
    to: string,
    envelope: unknown,
    now?: number,
  ): Promise<Result<{ id: string; expiresAt: number }, RelayStoreErrorDetail>>;
  /**
   * Oldest unacked, unexpired messages of `to`, without removing them.
   * @param limit 1..500
   */
  pull(
    to: string,
    limit: number,
    now?: number,
  ): Promise<Result<StoredRelayMessage[], RelayStoreErrorDetail>>;
  /**
   * Removes delivered messages of `to`.
   * @returns how many ids were removed
   */
  ack(to: string, ids: readonly string[]): Promise<Result<number, RelayStoreErrorDetail>>;
  /** Counts (may be approximate for Redis). */
  stats(): Promise<RelayStoreStats>;
  /** Flushes and releases resources. */
  close(): Promise<void>;
}
