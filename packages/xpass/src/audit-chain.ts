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

import { backend } from '@xorida/agent-sdk/crypto';
import { bytesToHex, hexToBytes, ok, type Result, utf8ToBytes } from 'xorida';
import { type XpassError, xpassErr } from './errors.js';

/** Event types of the chain. */
export type AuditEventType =
  | 'create'
  | 'issue_share'
  | 'rotate'
  | 'activate'
  | 'suspend'
  | 'grace'
  | 'revoke'
  | 'reactivate';
const EVENT_TYPES: readonly string[] = [
  'create',
  'issue_share',
  'rotate',
  'activate',
  'suspend',
  'grace',
  'revoke',
  'reactivate',
];

/** One chained entry. */
export interface AuditEntry {
  readonly kind: 'entry';
  readonly v: 1;
  /** 0, 1, 2, ... without gaps. */
  readonly seq: number;
  /** Unix ms. */
  readonly ts: number;
  readonly type: AuditEventType;
  readonly connectionId: string;
  readonly epoch: number | null;
  /** Who caused it (a DID, `admin`, `system`), or null. */
  readonly actor: string | null;
  /** Free text (reason), <= 512 chars, or null. */
  readonly detail: string | null;
  /** 64 hex: hash of entry seq-1, zeros for seq 0. */
  readonly prevHash: string;
  /** 64 hex: this entry's hash. */
  readonly hash: string;
}

/** A signed chain head. */
export interface SignedHead {
  readonly kind: 'head';
  readonly v: 1;
  /** seq of the last entry covered. */
  readonly seq: number;
  /** hash of that entry. */
  readonly hash: string;
  /** Unix ms of signing. */
  readonly ts: number;
  /** 128 hex: Ed25519 signature. */
  readonly signature: string;
}

/** An event to append. */
export interface AuditEvent {
  readonly type: AuditEventType;
  readonly connectionId: string;
  readonly epoch?: number | null;
  readonly actor?: string | null;
  readonly detail?: string | null;
}

/** Hash of the empty chain (prevHash of entry 0). */
export const GENESIS_HASH = '0'.repeat(64);
/** Longest accepted log line, in characters. */
export const MAX_AUDIT_LINE = 4096;
const MAX_DETAIL = 512;
const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;

/**
 * The hash of an entry's fields.
 * @returns 64 hex chars (docs/formats.md#xpass)
 */
export function auditEntryHash(e: Omit<AuditEntry, 'hash' | 'kind'>): string {
  const text = `xpass/audit-entry/v1\n${JSON.stringify([e.v, e.seq, e.ts, e.type, e.connectionId, e.epoch, e.actor, e.detail, e.prevHash])}`;
  return bytesToHex(backend.sha256(utf8ToBytes(text)));
}

/**
 * The bytes a head signature covers.
 * @returns UTF-8 of `"xpass/audit-head/v1\n" + JSON.stringify([v, seq, hash, ts])`
 */
export function auditHeadSigningInput(
  h: Pick<SignedHead, 'v' | 'seq' | 'hash' | 'ts'>,
): Uint8Array {
  return utf8ToBytes(`xpass/audit-head/v1\n${JSON.stringify([h.v, h.seq, h.hash, h.ts])}`);
}

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

/** What a successful verification established. */
export interface AuditVerification {
  readonly entries: readonly AuditEntry[];
  readonly heads: readonly SignedHead[];
  /** seq of the last entry covered by a valid signed head, or -1. */
  readonly signedThrough: number;
  /** Entries after the last signed head (chained, not signed). */
  readonly unsignedTail: number;
}

/** Options of {@link verifyAuditLog}. */
export interface VerifyAuditOptions {
  /** The billing server's 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** A head obtained independently (e.g. `GET /audit/head`): the log must contain it. */
  readonly expectedHead?: SignedHead;
  /** Fail when entries follow the last signed head (default false). */
  readonly requireSignedTail?: boolean;
}

function fail(subCode: string, message: string, line?: number): Result<never, XpassError> {
  return xpassErr(
    'AUDIT_VERIFICATION_FAILED',
    line === undefined ? message : `line ${line}: ${message}`,
    {
      subCode,
      ...(line === undefined ? {} : { metadata: { line } }),
    },
  );
}

function isInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function parseEntry(o: Record<string, unknown>): AuditEntry | null {
  const keys = Object.keys(o);
  if (keys.length !== 11) return null;
  if (
    o.v !== 1 ||
    !isInt(o.seq) ||
    !isInt(o.ts) ||
    typeof o.type !== 'string' ||
    !EVENT_TYPES.includes(o.type)
  )
    return null;
  if (typeof o.connectionId !== 'string' || o.connectionId.length > 128) return null;
  if (!(o.epoch === null || isInt(o.epoch))) return null;
  if (!(o.actor === null || (typeof o.actor === 'string' && o.actor.length <= 512))) return null;
  if (!(o.detail === null || (typeof o.detail === 'string' && o.detail.length <= MAX_DETAIL)))
    return null;
  if (
    typeof o.prevHash !== 'string' ||
    !HEX64.test(o.prevHash) ||
    typeof o.hash !== 'string' ||
    !HEX64.test(o.hash)
  )
    return null;
  return o as unknown as AuditEntry;
}

function parseHead(o: Record<string, unknown>): SignedHead | null {
  if (Object.keys(o).length !== 6) return null;
  if (o.v !== 1 || !isInt(o.seq) || !isInt(o.ts)) return null;
  if (
    typeof o.hash !== 'string' ||
    !HEX64.test(o.hash) ||
    typeof o.signature !== 'string' ||
    !HEX128.test(o.signature)
  )
    return null;
  return o as unknown as SignedHead;
}

/**
 * Parses one signed head (e.g. the JSON body of `GET /audit/head`).
 * @returns the head or `AUDIT_VERIFICATION_FAILED:MALFORMED`
 */
export function parseSignedHead(value: unknown): Result<SignedHead, XpassError> {
  let o = value;
  if (typeof o === 'string') {
    if (o.length > MAX_AUDIT_LINE) return fail('MALFORMED', 'head is too long');
    try {
      o = JSON.parse(o);
    } catch {
      return fail('MALFORMED', 'head is not JSON');
    }
  }
  const h =
    typeof o === 'object' && o !== null && (o as { kind?: unknown }).kind === 'head'
      ? parseHead(o as Record<string, unknown>)
      : null;
  return h ? ok(h) : fail('MALFORMED', 'not a signed audit head');
}

/**
 * Verifies an audit log (JSONL text or its lines): every line well-formed, seq 0..n-1 without
 * gaps, every hash recomputed, every `prevHash` the previous hash, every head signed by
 * `publicKey` and equal to the entry it names, heads in increasing order, and `expectedHead`
 * (if given) present.
 * @param log JSONL text (`\n`-separated; a trailing newline is fine) or an array of lines
 * @param options `{ publicKey, expectedHead?, requireSignedTail? }`
 * @returns what was verified, or `AUDIT_VERIFICATION_FAILED` with sub-code `MALFORMED`,
 *   `SEQ_GAP`, `HASH_MISMATCH`, `CHAIN_BROKEN`, `HEAD_SIGNATURE_INVALID`, `HEAD_MISMATCH`,
 *   `TRUNCATED`, `UNSIGNED_TAIL` (with `metadata.line`, 1-based, where known), or `INVALID_INPUT`
 */
export function verifyAuditLog(
  log: string | readonly string[],
  options: VerifyAuditOptions,
): Result<AuditVerification, XpassError> {
  if (!(options?.publicKey instanceof Uint8Array) || options.publicKey.length !== 32)
    return xpassErr('INVALID_INPUT', 'publicKey must be a 32-byte Ed25519 key', {
      field: 'publicKey',
    });
  const lines = typeof log === 'string' ? log.split('\n') : [...log];
  if (typeof log === 'string' && lines[lines.length - 1] === '') lines.pop();
  const entries: AuditEntry[] = [];
  const heads: SignedHead[] = [];
  let signedThrough = -1;
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const line = lines[i]!;
    if (typeof line !== 'string' || line.length === 0 || line.length > MAX_AUDIT_LINE)
      return fail('MALFORMED', 'empty, oversize or non-text line', n);
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch {
      return fail('MALFORMED', 'not JSON', n);
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o))
      return fail('MALFORMED', 'not a JSON object', n);
    const kind = (o as { kind?: unknown }).kind;
    if (kind === 'entry') {
      const e = parseEntry(o as Record<string, unknown>);
      if (!e) return fail('MALFORMED', 'entry fields are missing, extra or of the wrong type', n);
      if (e.seq !== entries.length)
        return fail('SEQ_GAP', `expected seq ${entries.length}, found ${e.seq}`, n);
      const prev = entries[entries.length - 1];
      if (e.prevHash !== (prev ? prev.hash : GENESIS_HASH))
        return fail(
          'CHAIN_BROKEN',
          `prevHash of seq ${e.seq} is not the hash of seq ${e.seq - 1}`,
          n,
        );
      if (auditEntryHash(e) !== e.hash)
        return fail(
          'HASH_MISMATCH',
          `entry ${e.seq} was modified (hash does not match its fields)`,
          n,
        );
      entries.push(e);
    } else if (kind === 'head') {
      const h = parseHead(o as Record<string, unknown>);
      if (!h) return fail('MALFORMED', 'head fields are missing, extra or of the wrong type', n);
      if (h.seq >= entries.length)
        return fail(
          'TRUNCATED',
          `head signs seq ${h.seq} but only ${entries.length} entries precede it`,
          n,
        );
      if (entries[h.seq]!.hash !== h.hash)
        return fail('HEAD_MISMATCH', `head hash differs from entry ${h.seq}`, n);
      if (h.seq < signedThrough) return fail('HEAD_MISMATCH', 'heads are out of order', n);
      if (
        !backend.ed25519Verify(options.publicKey, auditHeadSigningInput(h), hexToBytes(h.signature))
      )
        return fail(
          'HEAD_SIGNATURE_INVALID',
          `head for seq ${h.seq} is not signed by the given key`,
          n,
        );
      heads.push(h);
      signedThrough = h.seq;
    } else {
      return fail('MALFORMED', 'kind must be "entry" or "head"', n);
    }
  }
  if (options.expectedHead !== undefined) {
    const parsed = parseSignedHead(options.expectedHead);
    if (!parsed.ok) return parsed;
    const x = parsed.value;
    if (
      !backend.ed25519Verify(options.publicKey, auditHeadSigningInput(x), hexToBytes(x.signature))
    )
      return fail('HEAD_SIGNATURE_INVALID', 'the expected head is not signed by the given key');
    if (x.seq >= entries.length)
      return fail(
        'TRUNCATED',
        `the expected head signs seq ${x.seq} but the log has ${entries.length} entries`,
      );
    if (entries[x.seq]!.hash !== x.hash)
      return fail('HEAD_MISMATCH', `entry ${x.seq} differs from the expected head`);
  }
  const unsignedTail = entries.length - 1 - signedThrough;
  if (options.requireSignedTail && unsignedTail > 0)
    return fail('UNSIGNED_TAIL', `${unsignedTail} entries follow the last signed head`);
  return ok({ entries, heads, signedThrough, unsignedTail });
}
