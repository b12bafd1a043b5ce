/**
 * Verification of an audit log by a third party holding only the billing server's public key:
 * well-formed lines, gap-free sequence, recomputed hashes, chained `prevHash`, signed heads,
 * and an independently obtained head. Format: docs/formats.md#xpass ("Audit log").
 *
 * @module
 */

import { backend } from '@xorida/agent-sdk/crypto';
import { hexToBytes, ok, type Result } from 'xorida';
import {
  type AuditEntry,
  auditEntryHash,
  auditHeadSigningInput,
  fail,
  GENESIS_HASH,
  MAX_AUDIT_LINE,
  parseEntry,
  parseHead,
  parseSignedHead,
  type SignedHead,
} from './audit-codec.js';
import { type XpassError, xpassErr } from './errors.js';

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
