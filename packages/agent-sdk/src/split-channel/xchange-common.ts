/**
 * What every part of one Xchange group carries alike (the common iv and ciphertext, and the
 * group statement the receiver checked: xchange-part.ts), and the share buffer's check that a
 * new part agrees with the first buffered one.
 *
 * @module
 */
import type { Result } from 'xorida';
import { type XlinkErrorDetail, xlinkErr } from '../errors.js';
import { bytesEqual } from '../lib/binary.js';
import type { VerifiedStatement } from '../xchange-part.js';

/** The common data of an Xchange part. */
export interface XchangeCommon {
  readonly iv: Uint8Array;
  readonly ciphertext: Uint8Array;
  /** The verified statement and signature (none for a part restored from the share spool). */
  readonly verified?: VerifiedStatement | undefined;
}

/**
 * Bytes a buffered group keeps for its Xchange common data (counted in the sender's budget).
 * @param x the first part's common data
 */
export function xchangeCommonBytes(x: XchangeCommon | undefined): number {
  return x ? x.ciphertext.length + (x.verified?.statement.length ?? 0) : 0;
}

/**
 * Compares a new part's common data with the group's first part.
 * @param first the group's first part's common data
 * @param part the new part's
 * @returns `undefined` when they agree, else `INCONSISTENT_SHARES` with subCode
 *   `CIPHERTEXT_MISMATCH` (iv or ciphertext differ) or `STATEMENT_MISMATCH` (two different group
 *   statements, each verified: only the sender's key can make them)
 */
export function xchangeMismatch(
  first: XchangeCommon | undefined,
  part: XchangeCommon | undefined,
): Result<never, XlinkErrorDetail> | undefined {
  if (
    !first ||
    !part ||
    !bytesEqual(first.iv, part.iv) ||
    !bytesEqual(first.ciphertext, part.ciphertext)
  )
    return xlinkErr(
      'INCONSISTENT_SHARES',
      'Xchange parts of one group carry different ciphertexts',
      'The sender mixed parts of different messages under one groupId',
      { subCode: 'CIPHERTEXT_MISMATCH', field: 'ciphertext' },
    );
  const a = first.verified;
  const b = part.verified;
  if (a && b && !bytesEqual(a.statement, b.statement))
    return xlinkErr(
      'INCONSISTENT_SHARES',
      'Xchange parts of one group are signed under different group statements',
      'The sender signed two statements for one groupId; ask for a resend',
      { subCode: 'STATEMENT_MISMATCH', field: 'signature' },
    );
  return undefined;
}
