/**
 * The audit chain: every billing event appends an entry whose `prevHash` is the previous entry's
 * SHA-256 hash, and the billing server periodically signs the chain head with its Ed25519 key.
 * A third party holding only the public key can verify order, completeness up to a signed head,
 * and detect edits and truncation. Format and vectors: docs/formats.md#xpass ("Audit log").
 *
 * Log file: JSON Lines, one object per line, either an entry
 *   {"kind":"entry","v":1,"seq":0,"ts":..,"type":"create","connectionId":"..","epoch":null,
 *    "actor":"..","detail":"..","prevHash":"00..00","hash":".."}
 * or a signed head
 *   {"kind":"head","v":1,"seq":N,"hash":"<hash of entry N>","ts":..,"signature":"<128 hex>"}
 *
 *   hash      = SHA-256(UTF-8("xpass/audit-entry/v1\n" + JSON.stringify([v, seq, ts, type,
 *               connectionId, epoch, actor, detail, prevHash])))
 *   signature = Ed25519(UTF-8("xpass/audit-head/v1\n" + JSON.stringify([v, seq, hash, ts])))
 *   prevHash of seq 0 = 64 zeros
 *
 * Pitfalls:
 * - Entries after the last signed head are chained but not signed: someone who can write the
 *   file can drop or rewrite them undetected. Sign often (`headEvery`) and fetch the head from
 *   the server (`GET /audit/head`); pass it as `expectedHead` to catch a file cut back to an
 *   older head.
 * - The chain proves what the server logged, not that the server logged everything it did.
 *
 * @module
 */
import { bytesToHex } from 'xorida';
import {
  type AuditEntry,
  type AuditEvent,
  auditEntryHash,
  auditHeadSigningInput,
  GENESIS_HASH,
  MAX_DETAIL,
  type SignedHead,
} from './audit-codec.js';

export {
  type AuditEntry,
  type AuditEvent,
  type AuditEventType,
  auditEntryHash,
  auditHeadSigningInput,
  GENESIS_HASH,
  MAX_AUDIT_LINE,
  parseSignedHead,
  type SignedHead,
} from './audit-codec.js';
export { type AuditVerification, type VerifyAuditOptions, verifyAuditLog } from './audit-verify.js';

/** Options of {@link AuditChain}. */
export interface AuditChainOptions {
  /** Ed25519 signing function of the billing server (64-byte signatures). */
  readonly sign: (message: Uint8Array) => Uint8Array;
  /** Sign a head automatically after this many new entries (default 16; 1 = every entry). */
  readonly headEvery?: number;
  /** Receives every line (entry or head) as it is produced, e.g. to append it to a file. */
  readonly sink?: (line: string) => void;
  /** Clock, Unix ms; default `Date.now`. */
  readonly now?: () => number;
}

/**
 * An append-only, hash-chained, periodically signed audit log held in memory (and streamed to
 * `sink`).
 */
export class AuditChain {
  private readonly entries: AuditEntry[] = [];
  private readonly allLines: string[] = [];
  private head: SignedHead | null = null;
  private sinceHead = 0;
  private readonly headEvery: number;
  private readonly now: () => number;

  /**
   * @param options `{ sign, headEvery?, sink?, now? }`
   * @param restored lines of an earlier log, already verified with {@link verifyAuditLog}
   */
  constructor(
    private readonly options: AuditChainOptions,
    restored: { entries: readonly AuditEntry[]; heads: readonly SignedHead[] } = {
      entries: [],
      heads: [],
    },
  ) {
    this.headEvery = Math.max(1, Math.floor(options.headEvery ?? 16));
    this.now = options.now ?? Date.now;
    for (const e of restored.entries) this.entries.push(e);
    const lastHead = restored.heads[restored.heads.length - 1];
    this.head = lastHead ?? null;
    this.sinceHead = this.entries.length - (lastHead ? lastHead.seq + 1 : 0);
  }

  /** Number of entries. */
  get length(): number {
    return this.entries.length;
  }

  /** The latest signed head, or null before the first. */
  get latestHead(): SignedHead | null {
    return this.head;
  }

  /** The lines produced by this instance (not the restored ones), in order. */
  get lines(): readonly string[] {
    return this.allLines;
  }

  /** Every entry, restored ones included. */
  get allEntries(): readonly AuditEntry[] {
    return this.entries;
  }

  /**
   * Appends an event; signs a head when `headEvery` entries are unsigned.
   * @param event type, connectionId, optional epoch / actor / detail (detail cut to 512 chars)
   * @returns the new entry
   */
  append(event: AuditEvent): AuditEntry {
    const prev = this.entries[this.entries.length - 1];
    const body = {
      v: 1 as const,
      seq: this.entries.length,
      ts: this.now(),
      type: event.type,
      connectionId: event.connectionId,
      epoch: event.epoch ?? null,
      actor: event.actor ?? null,
      detail: event.detail == null ? null : String(event.detail).slice(0, MAX_DETAIL),
      prevHash: prev ? prev.hash : GENESIS_HASH,
    };
    const entry: AuditEntry = { kind: 'entry', ...body, hash: auditEntryHash(body) };
    this.entries.push(entry);
    this.emit(JSON.stringify(entry));
    this.sinceHead++;
    if (this.sinceHead >= this.headEvery) this.signHead();
    return entry;
  }

  /**
   * Signs the current head (no-op returning the last head when nothing is new).
   * @returns the signed head, or null when the chain is empty
   */
  signHead(): SignedHead | null {
    const last = this.entries[this.entries.length - 1];
    if (!last) return null;
    if (this.head && this.head.seq === last.seq) return this.head;
    const body = { v: 1 as const, seq: last.seq, hash: last.hash, ts: this.now() };
    const head: SignedHead = {
      kind: 'head',
      ...body,
      signature: bytesToHex(this.options.sign(auditHeadSigningInput(body))),
    };
    this.head = head;
    this.sinceHead = 0;
    this.emit(JSON.stringify(head));
    return head;
  }

  private emit(line: string): void {
    this.allLines.push(line);
    this.options.sink?.(line);
  }
}
