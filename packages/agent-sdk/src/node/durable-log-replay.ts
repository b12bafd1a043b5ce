/**
 * Replay of a durable log's bytes on open (the recovery rules of {@link DurableLog} in
 * durable-log.ts): every valid line is a record; invalid bytes at the TAIL are a torn last write
 * and are dropped; an invalid line FOLLOWED by valid lines is corruption, not a torn write, and
 * fails with `LOG_CORRUPT` unless `repair` is set (then the bad lines are dropped and the file
 * must be rewritten).
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import { type DurableLogErrorDetail, decodeLogLine, logErr } from './durable-log-line.js';

/** What {@link replayLogBytes} found. */
export interface LogReplay {
  /** Valid records, in file order. */
  readonly records: unknown[];
  /**
   * Byte length to keep (the end of the last valid line; shorter than the input when the tail
   * is torn), or -1 when `repair` dropped lines mid-file and the file must be rewritten.
   */
  readonly keepBytes: number;
  /** Invalid lines dropped mid-file (only with `repair`). */
  readonly droppedCorruptLines: number;
}

/**
 * Parses a whole log file.
 * @param content the file bytes
 * @param maxRecordBytes largest JSON byte length of one record
 * @param repair drop invalid lines mid-file instead of failing
 * @returns the replay, or `LOG_CORRUPT` (an invalid line before valid ones, without `repair`)
 */
export function replayLogBytes(
  content: Buffer,
  maxRecordBytes: number,
  repair: boolean,
): Result<LogReplay, DurableLogErrorDetail> {
  const records: unknown[] = [];
  let pos = 0;
  let good = 0; // end of the last valid line
  let firstBad = -1;
  let droppedCorrupt = 0;
  while (pos < content.length) {
    const nl = content.indexOf(0x0a, pos);
    if (nl === -1) break; // partial last line: torn tail
    const rec = decodeLogLine(content.subarray(pos, nl), maxRecordBytes);
    if (rec) {
      if (firstBad !== -1) {
        if (!repair)
          return logErr(
            'LOG_CORRUPT',
            `invalid line at byte ${firstBad} is followed by valid records`,
            'The file was edited or damaged; restore from backup or reopen with repair: true',
          );
        droppedCorrupt++;
        firstBad = -1;
      }
      records.push(rec.record);
      good = nl + 1;
    } else if (firstBad === -1) firstBad = pos;
    pos = nl + 1;
  }
  return ok({
    records,
    keepBytes: repair && droppedCorrupt > 0 ? -1 : good,
    droppedCorruptLines: droppedCorrupt,
  });
}
