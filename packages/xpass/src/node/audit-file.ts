/**
 * Verifying an audit log file (JSONL) with the billing server's public key: the work behind
 * `xpass audit verify <file>`.
 *
 * Accepts plain JSONL and the durable-log framing written by `xpass serve`.
 *
 * Pitfall: the file is read whole (bounded by `MAX_AUDIT_FILE_BYTES`, 256 MiB); split larger logs.
 *
 * @module
 */
import { readFile, stat } from 'node:fs/promises';
import { parseDidKey } from '@xorida/agent-sdk';
import { decodeLogLine } from '@xorida/agent-sdk/node';
import { hexToBytes, ok, type Result } from 'xorida';
import {
  type AuditVerification,
  parseSignedHead,
  type SignedHead,
  verifyAuditLog,
} from '../audit-chain.js';
import { type XpassError, xpassErr } from '../errors.js';

/** Largest audit file `verifyAuditFile` reads, in bytes. */
export const MAX_AUDIT_FILE_BYTES = 256 * 1024 * 1024;

/**
 * Parses a billing-server public key given as 64 hex chars or as an Ed25519 `did:key`.
 * @returns the 32-byte key or `INVALID_INPUT` (field `publicKey`)
 */
export function parsePublicKey(text: string): Result<Uint8Array, XpassError> {
  if (typeof text === 'string' && /^[0-9a-fA-F]{64}$/.test(text)) return ok(hexToBytes(text));
  if (typeof text === 'string' && text.startsWith('did:key:')) {
    const k = parseDidKey(text);
    if (k.ok) return ok(k.value);
  }
  return xpassErr('INVALID_INPUT', 'public key must be 64 hex characters or an Ed25519 did:key', {
    field: 'publicKey',
  });
}

/**
 * Reads and verifies an audit log file.
 * @param path the JSONL file
 * @param options `{ publicKey (32 bytes), expectedHead?, requireSignedTail? }`
 * @returns the verification, or `AUDIT_VERIFICATION_FAILED` (sub-codes of `verifyAuditLog`, or
 *   `UNREADABLE`), `INVALID_INPUT`
 */
export async function verifyAuditFile(
  path: string,
  options: { publicKey: Uint8Array; expectedHead?: SignedHead; requireSignedTail?: boolean },
): Promise<Result<AuditVerification, XpassError>> {
  let text: string;
  try {
    const st = await stat(path);
    if (st.size > MAX_AUDIT_FILE_BYTES)
      return xpassErr(
        'AUDIT_VERIFICATION_FAILED',
        `${path} is larger than ${MAX_AUDIT_FILE_BYTES} bytes`,
        { subCode: 'UNREADABLE' },
      );
    text = await readFile(path, 'utf8');
  } catch (e) {
    return xpassErr('AUDIT_VERIFICATION_FAILED', `cannot read ${path}: ${(e as Error).message}`, {
      subCode: 'UNREADABLE',
    });
  }
  return verifyAuditLog(auditLines(text), options);
}

const FRAMED = /^(0|[1-9][0-9]*):[0-9a-f]{8}:/;

/**
 * Splits an audit file into plain JSON lines. Accepts plain JSONL and the agent-sdk durable-log
 * framing (`<length>:<crc32>:<json>`, what `xpass serve` writes); a framed line whose length or
 * CRC is wrong is kept as-is, so verification reports it as `MALFORMED`.
 * @param text the file contents
 * @returns one JSON text per record
 */
export function auditLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line) => {
    if (!FRAMED.test(line)) return line;
    const record = decodeLogLine(Buffer.from(line, 'utf8'));
    return record === undefined ? line : JSON.stringify(record.record);
  });
}

/**
 * Reads a signed head from a JSON file (e.g. a saved `GET /audit/head` body).
 * @returns the head or `AUDIT_VERIFICATION_FAILED` (`MALFORMED`, `UNREADABLE`)
 */
export async function readSignedHead(path: string): Promise<Result<SignedHead, XpassError>> {
  try {
    const text = await readFile(path, 'utf8');
    return parseSignedHead(text.trim());
  } catch (e) {
    return xpassErr('AUDIT_VERIFICATION_FAILED', `cannot read ${path}: ${(e as Error).message}`, {
      subCode: 'UNREADABLE',
    });
  }
}
