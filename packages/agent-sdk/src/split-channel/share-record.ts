/**
 * The plaintext of a split-channel share envelope (docs/formats.md#split-channel-share-envelopes):
 *
 *   0x03 (payload type "split-channel share") | u8 record version (1) | IDA5 share
 *
 * The IDA5 share (xorida codec, product type 0x0001) carries index, n, k, groupId, the secret
 * length and the share payload. The record travels ENCRYPTED inside an ordinary, signed
 * envelope, so the groupId and the share index are hidden from channel observers and bound to
 * the sender's signature.
 *
 * Pitfalls:
 * - The IDA5 header is not authenticated by itself; it is trusted only because the envelope
 *   around it was signed by the sender and decrypted with this agent's key.
 * - Parsing is strict: wrong type byte, unknown record version, other product types, malformed
 *   or trailing share bytes are all refused (`INCONSISTENT_SHARES:MALFORMED_SHARE`).
 *
 * @module
 */
import {
  type DecodedShare,
  decodeShare,
  encodeShare,
  encodeShareHeader,
  ok,
  type Result,
  type Share,
} from 'xorida';
import { type XlinkErrorDetail, xlinkErr } from '../errors.js';

/** Payload type byte of a share envelope's plaintext (0x01 JSON and 0x02 bytes are taken). */
export const SHARE_PAYLOAD_TYPE = 0x03;
/** Version of the share record. */
export const SHARE_RECORD_VERSION = 1;
/** IDA5 product type of agent-sdk split-channel and Xchange shares. */
export const SPLIT_CHANNEL_PRODUCT_TYPE = 0x0001;

/**
 * Encodes the plaintext of one share envelope.
 * @param share a share from `xorida.split`
 * @param room free bytes left before (`front`) and after (`back`) the record in its buffer, for
 *   sealing it in place (seal.ts `SEAL_ROOM`); default none
 * @returns `0x03 | 0x01 | IDA5(share, product type 0x0001)`
 * @throws RangeError only if `share` is malformed (programming error: it comes from `split`)
 */
export function encodeShareRecord(
  share: Share,
  room: { readonly front: number; readonly back: number } = { front: 0, back: 0 },
): Uint8Array {
  const enc = encodeShare(share, { productType: SPLIT_CHANNEL_PRODUCT_TYPE });
  if (!enc.ok) throw new RangeError(`cannot encode share: ${enc.error.message}`);
  const n = 2 + enc.value.length;
  const out = new Uint8Array(room.front + n + room.back).subarray(room.front, room.front + n);
  out[0] = SHARE_PAYLOAD_TYPE;
  out[1] = SHARE_RECORD_VERSION;
  out.set(enc.value, 2);
  enc.value.fill(0);
  return out;
}

/** Bytes of the record header in front of the IDA5 share (type byte, record version). */
export const SHARE_RECORD_HEAD = 2;

/**
 * Writes the record and IDA5 headers in front of a share payload already in place: `record` is
 * `SHARE_RECORD_HEAD + shareHeaderLength() + payload.length` bytes whose tail is
 * `share.payload`. The result is {@link encodeShareRecord}'s, without copying the payload.
 * @param record the record's bytes, the share payload at its end
 * @param share the share whose payload `record` ends with (threshold share: version 1 header)
 * @throws RangeError only if `share` is malformed or not laid out so (programming error)
 */
export function writeShareRecordHead(record: Uint8Array, share: Share): void {
  const head = encodeShareHeader(share, { productType: SPLIT_CHANNEL_PRODUCT_TYPE });
  if (!head.ok) throw new RangeError(`cannot encode share: ${head.error.message}`);
  if (record.length !== SHARE_RECORD_HEAD + head.value.length + share.payload.length)
    throw new RangeError('share record length does not match its share');
  record[0] = SHARE_PAYLOAD_TYPE;
  record[1] = SHARE_RECORD_VERSION;
  record.set(head.value, SHARE_RECORD_HEAD);
}

/** True when a decrypted envelope plaintext is a share record (type byte 0x03). */
export function isShareRecord(plaintext: Uint8Array): boolean {
  return plaintext.length > 0 && plaintext[0] === SHARE_PAYLOAD_TYPE;
}

/**
 * Decodes the plaintext of a share envelope strictly.
 * @param plaintext decrypted envelope plaintext starting with 0x03
 * @param view the share payload is a view of `plaintext` (the caller gives it up) instead of a
 *   copy (default false)
 * @returns the share, or `INCONSISTENT_SHARES` subCode `MALFORMED_SHARE` (field `share`)
 */
export function decodeShareRecord(
  plaintext: Uint8Array,
  view = false,
): Result<DecodedShare, XlinkErrorDetail> {
  const bad = (message: string) =>
    xlinkErr('INCONSISTENT_SHARES', message, 'The sender produced an invalid share record', {
      subCode: 'MALFORMED_SHARE',
      field: 'share',
    });
  if (plaintext.length < 2 || plaintext[0] !== SHARE_PAYLOAD_TYPE) return bad('not a share record');
  if (plaintext[1] !== SHARE_RECORD_VERSION)
    return bad(`unknown share record version ${plaintext[1]}`);
  const share = decodeShare(plaintext.subarray(2), { copy: !view });
  if (!share.ok) return bad(`share does not decode: ${share.error.code}:${share.error.subCode}`);
  if (share.value.productType !== SPLIT_CHANNEL_PRODUCT_TYPE)
    return bad(`share product type ${share.value.productType} is not 0x0001`);
  return ok(share.value);
}
