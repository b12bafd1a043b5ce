/**
 * The durable-log line codec and error codes (the storage format of {@link DurableLog} in
 * durable-log.ts). Line format, spec and a known-answer vector in
 * docs/formats.md#durable-log-line-format:
 *   <length>:<crc32>:<json>\n
 * `length` is the byte length of the UTF-8 `json` in decimal (no leading zeros), `crc32` is the
 * CRC-32 (IEEE 802.3, as zlib) of those bytes as 8 lower-case hex digits, `json` is one JSON
 * value without raw newlines.
 *
 * @module
 */
import { crc32 } from 'node:zlib';
import { type ErrorDetail, err, ok, type Result } from 'xorida';
import { xlinkDocsUrl } from '../errors.js';

/** Error codes of the durable log. */
export type DurableLogErrorCode =
  | 'LOG_IO_FAILED'
  | 'LOG_CORRUPT'
  | 'LOG_RECORD_TOO_LARGE'
  | 'LOG_CLOSED'
  | 'LOG_INVALID_RECORD'
  | 'LOG_LOCKED';
/** Error detail of the durable log. */
export interface DurableLogErrorDetail extends ErrorDetail<DurableLogErrorCode> {}

/**
 * Builds a durable-log error result.
 * @param code stable error code
 * @param message what went wrong
 * @param hint what to do about it
 * @returns `{ ok: false, error }`
 */
export function logErr(
  code: DurableLogErrorCode,
  message: string,
  hint: string,
): { ok: false; error: DurableLogErrorDetail } {
  return err({ code, message, hint, docs: xlinkDocsUrl(code) });
}

const NL = Buffer.from('\n');

/** Default largest record (JSON bytes): 1 MiB. */
export const DEFAULT_MAX_LOG_RECORD_BYTES = 1024 * 1024;

/**
 * Encodes one record as a log line.
 * @param record any JSON-serialisable value
 * @param maxBytes largest JSON byte length accepted (default 1 MiB)
 * @returns the line including its trailing `\n`, or `LOG_RECORD_TOO_LARGE` /
 *   `LOG_INVALID_RECORD` (not JSON-serialisable)
 */
export function encodeLogLine(
  record: unknown,
  maxBytes = DEFAULT_MAX_LOG_RECORD_BYTES,
): Result<Buffer, DurableLogErrorDetail> {
  let json: string | undefined;
  try {
    json = JSON.stringify(record);
  } catch {
    json = undefined;
  }
  if (json === undefined)
    return logErr('LOG_INVALID_RECORD', 'record is not JSON-serialisable', 'Store plain data');
  const body = Buffer.from(json, 'utf8');
  if (body.length > maxBytes)
    return logErr(
      'LOG_RECORD_TOO_LARGE',
      `record is ${body.length} bytes, limit ${maxBytes}`,
      'Store smaller records or raise maxRecordBytes',
    );
  const crc = crc32(body).toString(16).padStart(8, '0');
  return ok(Buffer.concat([Buffer.from(`${body.length}:${crc}:`, 'latin1'), body, NL]));
}

/**
 * Decodes one line (without its `\n`).
 * @param line the line bytes
 * @param maxBytes largest JSON byte length accepted
 * @returns the record, or `undefined` when the line is invalid (length, CRC or JSON)
 */
export function decodeLogLine(
  line: Uint8Array,
  maxBytes = DEFAULT_MAX_LOG_RECORD_BYTES,
): { record: unknown } | undefined {
  const buf = Buffer.from(line.buffer, line.byteOffset, line.byteLength);
  const c1 = buf.indexOf(0x3a);
  if (c1 < 1 || c1 > 10) return undefined;
  const lenText = buf.toString('latin1', 0, c1);
  if (!/^(0|[1-9][0-9]*)$/.test(lenText)) return undefined;
  const len = Number(lenText);
  if (len > maxBytes) return undefined;
  if (buf.length !== c1 + 1 + 8 + 1 + len || buf[c1 + 9] !== 0x3a) return undefined;
  const crcText = buf.toString('latin1', c1 + 1, c1 + 9);
  if (!/^[0-9a-f]{8}$/.test(crcText)) return undefined;
  const body = buf.subarray(c1 + 10);
  if (crc32(body) !== Number.parseInt(crcText, 16)) return undefined;
  try {
    return { record: JSON.parse(body.toString('utf8')) };
  } catch {
    return undefined;
  }
}
