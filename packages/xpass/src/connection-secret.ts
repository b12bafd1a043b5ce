/**
 * Reconstructing an epoch's connection secret from the two shares, and the per-message AEAD
 * under the key derived from it.
 *
 * Message ciphertext (docs/formats.md#xpass, "Message ciphertext"):
 *
 *   off size field
 *     0    1 version (1)
 *     1    4 epoch (uint32 BE)
 *     5   12 AES-GCM IV (random per message)
 *    17    - AES-256-GCM ciphertext || 16-byte tag
 *   AAD = "xpass/message/v1" || connectionId (32 bytes) || bytes[0..17)
 *   key = messageKey of deriveEpochKeys(secret, connectionId, epoch)
 *
 * Pitfalls:
 * - `reconstructSecret` does not verify the server signatures (it has no server key): holders
 *   verify each share once on receipt with `verifyShareSignature`. What it does check on every
 *   call is that the shares agree and that the commitment keyed by the recovered secret matches,
 *   which no one holding only one share can forge.
 * - The returned secret is plain memory; call `wipeConnectionSecret` when done. JavaScript cannot
 *   guarantee that copies (GC moves, engine internals) are gone.
 *
 * @module
 */

import { backend } from '@xorida/agent-sdk/crypto';
import { hexToBytes, ok, type Result, reconstruct, utf8ToBytes, wipe } from 'xorida';
import { checkEpochWindow, type EpochWindow } from './epoch.js';
import { type XpassError, xpassErr } from './errors.js';
import {
  computeCommitment,
  deriveEpochKeys,
  SHARE_ENVELOPE_LENGTH,
  tagsEqual,
  type XpassShare,
} from './share-envelope.js';

/** Largest plaintext `encryptWithConnectionSecret` accepts: 16 MiB. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** Message header length in bytes (version, epoch, IV). */
export const MESSAGE_HEADER_LENGTH = 17;
const MESSAGE_VERSION = 1;
const AAD_LABEL = utf8ToBytes('xpass/message/v1');

/** A reconstructed epoch secret and what it belongs to. */
export interface ConnectionSecret {
  readonly connectionId: string;
  readonly epoch: number;
  /** The 32-byte connection secret. */
  readonly secret: Uint8Array;
  /** When the secret's shares are valid (Unix ms). */
  readonly window: EpochWindow;
}

/** Progress events of `reconstructSecret` / `decryptWithShares` (the original API's stages). */
export interface ReconstructProgress {
  readonly stage: 'hmac_verify' | 'reconstructing' | 'decrypting' | 'complete';
  /** 1 or 2 for `hmac_verify` (the share whose fields are being checked). */
  readonly shareIndex?: number;
  /** 0..100 */
  readonly progress?: number;
}

/** Options of `reconstructSecret` and `decryptWithShares`. */
export interface ReconstructOptions {
  /** Current Unix time in ms for the epoch-window check; default `Date.now()`. */
  readonly now?: number;
  /** Called synchronously at each stage. */
  readonly onProgress?: (event: ReconstructProgress) => void;
}

/** Derived per-secret material: the message key and the connection id bytes (for the AAD). */
interface Derived {
  readonly messageKey: Uint8Array;
  readonly cid: Uint8Array;
}
const derived = new WeakMap<ConnectionSecret, Derived>();
/** decryptWithShares' cache: share object -> the peer share object and their verified secret. */
let pairCache = new WeakMap<
  XpassShare,
  { readonly peer: XpassShare; readonly secret: ConnectionSecret; readonly d: Derived }
>();

function looksLikeShare(s: unknown): s is XpassShare {
  const x = s as XpassShare;
  return (
    typeof x === 'object' &&
    x !== null &&
    x.bytes instanceof Uint8Array &&
    x.bytes.length === SHARE_ENVELOPE_LENGTH &&
    typeof x.share === 'object' &&
    x.share !== null &&
    x.splitId instanceof Uint8Array &&
    x.commitment instanceof Uint8Array &&
    typeof x.connectionId === 'string'
  );
}

function derivedOf(secret: ConnectionSecret): Derived {
  let d = derived.get(secret);
  if (d === undefined) {
    const cid = hexToBytes(secret.connectionId);
    d = { messageKey: deriveEpochKeys(secret.secret, cid, secret.epoch).messageKey, cid };
    derived.set(secret, d);
  }
  return d;
}

/**
 * Reconstructs the connection secret from the two shares of one split (either order) and checks
 * the commitment. Fail-closed: no secret unless every check passes.
 * @param share1 one decoded share envelope
 * @param share2 the other
 * @param options `{ now?, onProgress? }` (`now` in Unix ms)
 * @returns the secret with its connection, epoch and window, or
 *   `INSUFFICIENT_SHARES` (missing or same index), `SHARE_INVALID` (not a decoded envelope),
 *   `RECONSTRUCTION_FAILED` (sub-code `CONNECTION_MISMATCH`, `SPLIT_MISMATCH`,
 *   `COMMITMENT_MISMATCH`), `EPOCH_MISMATCH`, `EPOCH_EXPIRED` or `EPOCH_NOT_READY`
 * @see docs/formats.md#xpass (commitment)
 */
export function reconstructSecret(
  share1: XpassShare,
  share2: XpassShare,
  options: ReconstructOptions = {},
): Result<ConnectionSecret, XpassError> {
  const r = reconstructKeyed(share1, share2, options);
  if (!r.ok) return r;
  derived.set(r.value.secret, r.value.d);
  return ok(r.value.secret);
}

/** `reconstructSecret`, returning the derived material instead of registering it. */
function reconstructKeyed(
  share1: XpassShare,
  share2: XpassShare,
  options: ReconstructOptions,
): Result<{ readonly secret: ConnectionSecret; readonly d: Derived }, XpassError> {
  const progress = options.onProgress;
  if (share1 === undefined || share1 === null || share2 === undefined || share2 === null)
    return xpassErr('INSUFFICIENT_SHARES', 'both shares of the connection are needed (2-of-2)');
  progress?.({ stage: 'hmac_verify', shareIndex: 1 });
  if (!looksLikeShare(share1))
    return xpassErr('SHARE_INVALID', 'share1 is not a decoded share envelope', {
      subCode: 'BAD_TYPE',
      field: 'share1',
    });
  progress?.({ stage: 'hmac_verify', shareIndex: 2 });
  if (!looksLikeShare(share2))
    return xpassErr('SHARE_INVALID', 'share2 is not a decoded share envelope', {
      subCode: 'BAD_TYPE',
      field: 'share2',
    });
  if (share1.index === share2.index)
    return xpassErr(
      'INSUFFICIENT_SHARES',
      `both shares have index ${share1.index}; one of each index is needed`,
    );
  if (share1.connectionId !== share2.connectionId)
    return xpassErr('RECONSTRUCTION_FAILED', 'the shares belong to different connections', {
      subCode: 'CONNECTION_MISMATCH',
    });
  if (
    share1.epoch !== share2.epoch ||
    share1.epochMs !== share2.epochMs ||
    share1.overlapMs !== share2.overlapMs
  )
    return xpassErr(
      'EPOCH_MISMATCH',
      `the shares belong to epochs ${share1.epoch} and ${share2.epoch}`,
      {
        metadata: { epoch: share1.epoch, otherEpoch: share2.epoch },
      },
    );
  if (
    !tagsEqual(share1.splitId, share2.splitId) ||
    !tagsEqual(share1.commitment, share2.commitment)
  )
    return xpassErr('RECONSTRUCTION_FAILED', 'the shares come from different splits', {
      subCode: 'SPLIT_MISMATCH',
    });
  const w = checkEpochWindow(share1.epoch, share1, options.now ?? Date.now());
  if (!w.ok) return w;
  progress?.({ stage: 'reconstructing', progress: 0 });
  const r = reconstruct([share1.share, share2.share]);
  if (!r.ok || r.value.length !== 32)
    return xpassErr(
      'RECONSTRUCTION_FAILED',
      `xorida reconstruction failed: ${r.ok ? 'wrong length' : r.error.code}`,
      { subCode: 'XORIDA' },
    );
  const secret = r.value;
  const cid = share1.bytes.slice(79, 111);
  const keys = deriveEpochKeys(secret, cid, share1.epoch);
  const expected = computeCommitment(keys.commitKey, cid, share1.epoch, share1.splitId);
  if (!tagsEqual(expected, share1.commitment)) {
    wipe(secret, keys.commitKey, keys.messageKey);
    return xpassErr(
      'RECONSTRUCTION_FAILED',
      'the reconstructed secret does not match the commitment (tampered or mixed shares)',
      {
        subCode: 'COMMITMENT_MISMATCH',
      },
    );
  }
  keys.commitKey.fill(0);
  const out: ConnectionSecret = {
    connectionId: share1.connectionId,
    epoch: share1.epoch,
    secret,
    window: w.value,
  };
  progress?.({ stage: 'reconstructing', progress: 100 });
  return ok({ secret: out, d: { messageKey: keys.messageKey, cid } });
}

/**
 * Overwrites a reconstructed secret and its derived message key with zeros.
 * @param secret the value from `reconstructSecret`
 */
export function wipeConnectionSecret(secret: ConnectionSecret): void {
  const d = derived.get(secret);
  if (d) d.messageKey.fill(0);
  derived.delete(secret);
  secret.secret.fill(0);
}

/**
 * AES-256-GCM encryption under the epoch's message key, fresh random 12-byte IV.
 * @param secret from `reconstructSecret`
 * @param plaintext 0..16 MiB
 * @returns `version || epoch || IV || ciphertext || tag` (17 + plaintext + 16 bytes), or
 *   `INVALID_INPUT` (field `secret` / `plaintext`)
 * @see NIST SP 800-38D; docs/formats.md#xpass ("Message ciphertext")
 */
export function encryptWithConnectionSecret(
  secret: ConnectionSecret,
  plaintext: Uint8Array,
): Result<Uint8Array, XpassError> {
  const bad = checkConnectionSecret(secret);
  if (bad) return bad;
  if (!(plaintext instanceof Uint8Array) || plaintext.length > MAX_MESSAGE_BYTES)
    return xpassErr(
      'INVALID_INPUT',
      `plaintext must be a Uint8Array of at most ${MAX_MESSAGE_BYTES} bytes`,
      { field: 'plaintext' },
    );
  const header = new Uint8Array(MESSAGE_HEADER_LENGTH);
  header[0] = MESSAGE_VERSION;
  new DataView(header.buffer).setUint32(1, secret.epoch);
  header.set(backend.randomBytes(12), 5);
  const d = derivedOf(secret);
  const sealed = backend.aes256GcmSealSync(
    d.messageKey,
    header.subarray(5),
    plaintext,
    aadOf(d.cid, header),
  );
  const out = new Uint8Array(MESSAGE_HEADER_LENGTH + sealed.length);
  out.set(header, 0);
  out.set(sealed, MESSAGE_HEADER_LENGTH);
  return ok(out);
}

/** The shape check both message functions run on a caller's `ConnectionSecret`. */
function checkConnectionSecret(secret: ConnectionSecret): Result<never, XpassError> | undefined {
  if (
    !(secret?.secret instanceof Uint8Array) ||
    secret.secret.length !== 32 ||
    typeof secret.connectionId !== 'string' ||
    secret.connectionId.length !== 64
  )
    return xpassErr('INVALID_INPUT', 'secret must be a ConnectionSecret from reconstructSecret', {
      field: 'secret',
    });
  return undefined;
}

/** The AAD in one module buffer: public bytes, consumed before the sync seal/open returns. */
function aadOf(cid: Uint8Array, header: Uint8Array): Uint8Array {
  const aad = AAD_SCRATCH;
  aad.set(cid, AAD_LABEL.length);
  aad.set(header.subarray(0, MESSAGE_HEADER_LENGTH), AAD_LABEL.length + 32);
  return aad;
}
const AAD_SCRATCH = new Uint8Array(AAD_LABEL.length + 32 + MESSAGE_HEADER_LENGTH);
AAD_SCRATCH.set(AAD_LABEL, 0);

/**
 * Decrypts a message ciphertext with a reconstructed secret.
 * @param secret from `reconstructSecret`
 * @param ciphertext from `encryptWithConnectionSecret` (33 .. 16 MiB + 33 bytes)
 * @returns the plaintext, or `SHARE_INVALID` (sub-code `BAD_CIPHERTEXT`: malformed),
 *   `EPOCH_MISMATCH` (encrypted in another epoch), `HMAC_VERIFICATION_FAILED` (sub-code
 *   `CIPHERTEXT_AUTH`: GCM tag wrong, other connection or tampered), `INVALID_INPUT`
 */
export function decryptWithConnectionSecret(
  secret: ConnectionSecret,
  ciphertext: Uint8Array,
): Result<Uint8Array, XpassError> {
  return (
    checkConnectionSecret(secret) ??
    checkMessage(ciphertext, secret.epoch) ??
    openMessage(derivedOf(secret), ciphertext)
  );
}

/** The shape and epoch checks of a message ciphertext: an error, or `undefined` when fine. */
function checkMessage(
  ciphertext: Uint8Array,
  secretEpoch: number,
): Result<never, XpassError> | undefined {
  if (
    !(ciphertext instanceof Uint8Array) ||
    ciphertext.length < MESSAGE_HEADER_LENGTH + 16 ||
    ciphertext.length > MAX_MESSAGE_BYTES + MESSAGE_HEADER_LENGTH + 16
  )
    return xpassErr('SHARE_INVALID', 'ciphertext is not an xpass message (wrong length)', {
      subCode: 'BAD_CIPHERTEXT',
      field: 'ciphertext',
    });
  if (ciphertext[0] !== MESSAGE_VERSION)
    return xpassErr('SHARE_INVALID', `message version ${ciphertext[0]} is not supported`, {
      subCode: 'BAD_CIPHERTEXT',
      field: 'ciphertext',
    });
  const c = ciphertext; // uint32 BE at offset 1, read without a DataView per message
  const epoch = ((c[1]! << 24) | (c[2]! << 16) | (c[3]! << 8) | c[4]!) >>> 0;
  if (epoch !== secretEpoch)
    return xpassErr(
      'EPOCH_MISMATCH',
      `message is from epoch ${epoch}, the secret from epoch ${secretEpoch}`,
      {
        metadata: { epoch: secretEpoch, messageEpoch: epoch },
      },
    );
  return undefined;
}

/** AES-256-GCM open of a checked message under the derived message key. */
function openMessage(d: Derived, ciphertext: Uint8Array): Result<Uint8Array, XpassError> {
  const pt = backend.aes256GcmOpenSync(
    d.messageKey,
    ciphertext.subarray(5, MESSAGE_HEADER_LENGTH),
    ciphertext.subarray(MESSAGE_HEADER_LENGTH),
    aadOf(d.cid, ciphertext),
  );
  if (pt === null)
    return xpassErr(
      'HMAC_VERIFICATION_FAILED',
      'message authentication failed (tampered, or another connection)',
      { subCode: 'CIPHERTEXT_AUTH' },
    );
  return ok(pt);
}

/**
 * The full receive pipeline: check and reconstruct the shares, decrypt.
 *
 * The first call for a pair of share objects does everything `reconstructSecret` does; the
 * verified secret is then cached for as long as both share OBJECTS are alive (a WeakMap keyed by
 * object identity), so later messages with the same pair only re-check the epoch window and
 * decrypt. The cache holds nothing the holder of both shares could not recompute; drop the share
 * objects, or call `clearDecryptCache`, to forget it.
 * @param share1 one decoded share envelope
 * @param share2 the other
 * @param ciphertext from `encryptWithConnectionSecret`
 * @param options `{ now?, onProgress? }`
 * @returns the plaintext, or any error of `reconstructSecret` / `decryptWithConnectionSecret`
 */
export function decryptWithShares(
  share1: XpassShare,
  share2: XpassShare,
  ciphertext: Uint8Array,
  options: ReconstructOptions = {},
): Result<Uint8Array, XpassError> {
  let keyed: { readonly secret: ConnectionSecret; readonly d: Derived };
  const hit = typeof share1 === 'object' && share1 !== null ? pairCache.get(share1) : undefined;
  if (hit !== undefined && hit.peer === share2) {
    const w = checkEpochWindow(hit.secret.epoch, share1, options.now ?? Date.now());
    if (!w.ok) return w;
    keyed = hit;
  } else {
    // The secret never leaves this function, so its keys go to the pair cache, not `derived`.
    const s = reconstructKeyed(share1, share2, options);
    if (!s.ok) return s;
    keyed = s.value;
    pairCache.set(share1, { peer: share2, secret: keyed.secret, d: keyed.d });
  }
  options.onProgress?.({ stage: 'decrypting' });
  const out = checkMessage(ciphertext, keyed.secret.epoch) ?? openMessage(keyed.d, ciphertext);
  if (out.ok) options.onProgress?.({ stage: 'complete', progress: 100 });
  return out;
}

/** Forgets every secret cached by `decryptWithShares`. */
export function clearDecryptCache(): void {
  pairCache = new WeakMap();
}
