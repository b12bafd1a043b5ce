/**
 * Audit log codec: the entry and signed-head shapes, the entry hash and head signing input, and
 * strict parsers of log lines. Format and vectors: docs/formats.md#xpass ("Audit log"); the
 * chain itself is audit-chain.ts, verification audit-verify.ts.
 *
 * @module
 */

import { backend } from '@xorida/agent-sdk/crypto';
import { bytesToHex, ok, type Result, utf8ToBytes } from 'xorida';
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
  | 'reactivate'
  /** A payment-provider event that changed nothing (redelivered, or not legal from the status). */
  | 'provider_event';
const EVENT_TYPES: readonly string[] = [
  'create',
  'issue_share',
  'rotate',
  'activate',
  'suspend',
  'grace',
  'revoke',
  'reactivate',
  'provider_event',
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
/** Longest accepted `detail`, in characters (longer details are cut on append). */
export const MAX_DETAIL = 512;
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

/**
 * An `AUDIT_VERIFICATION_FAILED` error with a sub-code, and the 1-based line when known.
 * @returns always the error
 */
export function fail(subCode: string, message: string, line?: number): Result<never, XpassError> {
  return xpassErr(
    'AUDIT_VERIFICATION_FAILED',
    line === undefined ? message : `line ${line}: ${message}`,
    {
      subCode,
      ...(line === undefined ? {} : { metadata: { line } }),
    },
  );
}

/** Whether `x` is a non-negative safe integer. */
export function isInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/** Parses an entry object strictly (exactly its 11 fields). @returns the entry, or null */
export function parseEntry(o: Record<string, unknown>): AuditEntry | null {
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

/** Parses a head object strictly (exactly its 6 fields). @returns the head, or null */
export function parseHead(o: Record<string, unknown>): SignedHead | null {
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
