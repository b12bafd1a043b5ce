/**
 * End-to-end integrity of a split-channel message, checked AFTER reconstruction
 * (docs/formats.md#split-channel-share-envelopes). The secret that xorida splits is
 *
 *   secret = r (32 random bytes) | tag (32) | plaintext (payload type byte | data)
 *   K      = HKDF-SHA256(ikm = r, salt = "xlink-split-channel-v1", info = "xlink/split-channel/tag-key", L = 32)
 *   tag    = HMAC-SHA256(K, "XLINK-SPLIT-TAG-V1" | u8 k | u8 n | b16 sender DID | b16 recipient DID
 *                           | b16 scope | b32 plaintext)
 *
 * Why this shape (architecture.md, "what the seeds get wrong"): the MAC key is derived from
 * material that exists only after k shares are combined, so nobody holding fewer than k shares
 * (one channel, one share) can recompute or forge the tag; and the tag itself is inside the
 * split, so a single share reveals nothing about it either. k, n, both DIDs and the scope are
 * bound, so shares cannot be replayed into another context.
 *
 * Pitfalls:
 * - This does not replace the per-envelope signatures: it catches shares of different messages
 *   being combined and any corruption the layers below missed.
 * - Compare tags in constant time; wipe r, K and the secret after use.
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import { backend } from '#crypto';
import { type XlinkErrorDetail, xlinkErr } from '../errors.js';
import { ByteWriter, utf8 } from '../lib/binary.js';

/** HKDF/HMAC labels of the split-channel integrity tag and share nonces. */
export const SPLIT_TAG_LABELS = {
  salt: 'xlink-split-channel-v1',
  keyInfo: 'xlink/split-channel/tag-key',
  tagContext: 'XLINK-SPLIT-TAG-V1',
  nonceInfo: 'xlink/split-channel/nonce',
} as const;

/**
 * The envelope nonces of the n share envelopes of one message:
 * `nonce_i = HKDF-SHA256(ikm = r, salt = "xlink-split-channel-v1",
 * info = "xlink/split-channel/nonce" | u8 i, L = 16)`. Unpredictable and unlinkable without r
 * (which only k shares reveal), unique per message (r is fresh), and computable by the receiver
 * after reconstruction, so it can recognise the remaining (late) shares of a delivered message
 * by their cleartext nonce and skip decrypting them.
 * @param r the 32-byte r of the secret
 * @param n share count
 * @returns n nonces of 16 bytes
 */
export function splitShareNonces(r: Uint8Array, n: number): Uint8Array[] {
  const salt = utf8(SPLIT_TAG_LABELS.salt);
  const label = utf8(SPLIT_TAG_LABELS.nonceInfo);
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const info = new Uint8Array(label.length + 1);
    info.set(label, 0);
    info[label.length] = i;
    out.push(backend.hkdfSha256(r, salt, info, 16));
  }
  return out;
}

/** Bytes the secret adds in front of the plaintext (r and tag). */
export const SPLIT_SECRET_OVERHEAD = 64;

/** The context a tag binds. */
export interface TagContext {
  readonly k: number;
  readonly n: number;
  readonly sender: string;
  readonly recipient: string;
  readonly scope: string;
}

/** The tag input in front of the plaintext: context, k, n, DIDs, scope, plaintext length. */
function tagHead(ctx: TagContext, length: number): Uint8Array {
  return new ByteWriter(64 + 200)
    .bytes(utf8(SPLIT_TAG_LABELS.tagContext))
    .u8(ctx.k)
    .u8(ctx.n)
    .bytes16(utf8(ctx.sender))
    .bytes16(utf8(ctx.recipient))
    .bytes16(utf8(ctx.scope))
    .u32(length)
    .finish();
}

/**
 * Computes the integrity tag (see module doc).
 * @param r 32 random bytes from the secret
 * @param ctx k, n, sender DID, recipient DID, scope
 * @param plaintext the encoded payload (type byte | data)
 * @param room the bytes in front of `plaintext` in its buffer are the caller's scratch: the rest
 *   of the MAC input is written (and wiped) there when it fits, so a large plaintext is not
 *   copied (default false: a copy)
 * @returns the 32-byte tag
 */
export function splitTag(
  r: Uint8Array,
  ctx: TagContext,
  plaintext: Uint8Array,
  room = false,
): Uint8Array {
  const key = backend.hkdfSha256(
    r,
    utf8(SPLIT_TAG_LABELS.salt),
    utf8(SPLIT_TAG_LABELS.keyInfo),
    32,
  );
  const head = tagHead(ctx, plaintext.length);
  const inPlace = room && plaintext.byteOffset >= head.length;
  const input = inPlace
    ? new Uint8Array(
        plaintext.buffer,
        plaintext.byteOffset - head.length,
        head.length + plaintext.length,
      )
    : new Uint8Array(head.length + plaintext.length);
  input.set(head, 0);
  if (!inPlace) input.set(plaintext, head.length);
  const tag = backend.hmacSha256(key, input);
  key.fill(0);
  input.fill(0, 0, inPlace ? head.length : input.length);
  return tag;
}

/**
 * Builds the secret to split: `r | tag | plaintext`.
 * @param plaintext encoded payload
 * @param ctx the tag context
 * @param r 32 bytes (tests inject it; default fresh randomness)
 * @param inPlace the caller gives `plaintext` up and the bytes in front of it in its buffer
 *   are free (send.ts: encoded with seal.ts `SEAL_ROOM`): the secret is then built around it,
 *   a view of the same buffer, instead of a copy (default false)
 * @returns the secret (caller wipes it)
 */
export function buildSplitSecret(
  plaintext: Uint8Array,
  ctx: TagContext,
  r?: Uint8Array,
  inPlace = false,
): Uint8Array {
  const rand = r ?? backend.randomBytes(32);
  const room = inPlace && plaintext.byteOffset >= SPLIT_SECRET_OVERHEAD;
  const tag = splitTag(rand, ctx, plaintext, room);
  const secret = room
    ? new Uint8Array(
        plaintext.buffer,
        plaintext.byteOffset - SPLIT_SECRET_OVERHEAD,
        SPLIT_SECRET_OVERHEAD + plaintext.length,
      )
    : new Uint8Array(SPLIT_SECRET_OVERHEAD + plaintext.length);
  secret.set(rand, 0);
  secret.set(tag, 32);
  if (!room) secret.set(plaintext, SPLIT_SECRET_OVERHEAD);
  if (r === undefined) rand.fill(0);
  tag.fill(0);
  return secret;
}

/**
 * Checks a reconstructed secret and returns its plaintext.
 * @param secret reconstructed `r | tag | plaintext`
 * @param ctx the tag context (from the share envelopes)
 * @param inPlace the caller gives `secret` up, and the bytes in front of it in its buffer are
 *   free: the tag is computed without copying the plaintext (r and tag are lost), and the
 *   plaintext returned is a view of `secret` (default false: a copy, `secret` untouched)
 * @returns the plaintext, or `HMAC_VERIFICATION_FAILED` (subCode `TAG_MISMATCH` or
 *   `TOO_SHORT`)
 */
export function openSplitSecret(
  secret: Uint8Array,
  ctx: TagContext,
  inPlace = false,
): Result<Uint8Array, XlinkErrorDetail> {
  const fail = (subCode: string, message: string) =>
    xlinkErr(
      'HMAC_VERIFICATION_FAILED',
      message,
      'Shares of different messages were combined or a share was altered; ask for a resend',
      { subCode, field: 'shares' },
    );
  if (secret.length <= SPLIT_SECRET_OVERHEAD)
    return fail('TOO_SHORT', 'reconstructed secret is too short');
  const plaintext = secret.subarray(SPLIT_SECRET_OVERHEAD);
  // copied out first: in place, the tag input's head is written over them
  const r = secret.slice(0, 32);
  const got = secret.slice(32, SPLIT_SECRET_OVERHEAD);
  const expected = splitTag(r, ctx, plaintext, inPlace);
  let diff = 0;
  for (let i = 0; i < 32; i++) diff |= expected[i]! ^ got[i]!;
  expected.fill(0);
  r.fill(0);
  got.fill(0);
  if (diff !== 0)
    return fail('TAG_MISMATCH', 'integrity tag of the reconstructed message does not match');
  return ok(inPlace ? plaintext : plaintext.slice());
}
