/**
 * Sending a split-channel message: the encoded payload (behind a random r and the integrity
 * tag, see integrity.ts) is split with xorida into n shares, and each share travels in its OWN
 * envelope of the negotiated version (v3 when both sides have ML-DSA-65, else v2/v1): its own
 * nonce, its own KEM encapsulation and AES-256-GCM key, its own signature(s).
 *
 * Pitfalls:
 * - Cost grows linearly with n: n encapsulations and n signatures (v3: n ML-DSA-65 signatures,
 *   several ms each in pure JS).
 * - The split is information-theoretic only against someone who sees fewer than k share
 *   envelopes AND breaks the envelope encryption; against a network observer the per-share
 *   encryption already hides everything. What the split adds is that one compromised channel
 *   (or one leaked per-share key) reveals nothing.
 * - Every intermediate copy of the secret (r, tag, shares) is zeroed after use.
 * - Share envelope nonces are derived from r (integrity.ts `splitShareNonces`) instead of drawn
 *   at random, so the receiver can drop the late shares of a delivered message cheaply.
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import { backend } from '#crypto';
import { type EnvelopeJson, envelopeToJson } from '../envelope.js';
import type { XlinkErrorDetail } from '../errors.js';
import type { AgentIdentity } from '../identity.js';
import type { EnvelopeVersion, KeyDocument } from '../key-document.js';
import { base64urlEncode } from '../lib/codec.js';
import type { TransportAdapter } from '../transport.js';
import { type Dealing, openDealing } from './dealing.js';
import { splitShareNonces } from './integrity.js';
import { dispatchShares, type ShareDeliveryFailure } from './routing.js';
import { overlayFits, sealShare, sendOneAtATime } from './send-large.js';

/** Inputs of {@link sendSplitChannel}. */
export interface SplitChannelSendInput {
  readonly identity: AgentIdentity;
  /** Recipient's verified key document. */
  readonly recipient: KeyDocument;
  readonly version: EnvelopeVersion;
  readonly scope: string;
  /** Encoded payload (type byte | data). */
  plaintext: Uint8Array;
  /**
   * The caller gives `plaintext` up, encoded with seal.ts `SEAL_ROOM`: the secret is built
   * around it (integrity.ts `buildSplitSecret`), the property is set to an empty array (so the
   * buffer can be collected once the last share is dealt) and the bytes are wiped. Default
   * false: untouched.
   */
  readonly plaintextInPlace?: boolean;
  readonly k: number;
  readonly n: number;
  readonly transports: readonly TransportAdapter[];
  /**
   * A fixed timestamp for every share, ms since the epoch (tests). Default: each share envelope
   * reads `now()` after its encryption (seal.ts).
   */
  readonly timestamp?: number;
  /** The sender's clock, ms since the epoch (default `Date.now`; tests inject one). */
  readonly now?: () => number;
  /**
   * Send-side freshness check of an envelope timestamp: called once every share is sealed,
   * before any is sent, with the oldest; for messages of 1 MiB or more (sent share by share)
   * before each share is sent, with its own.
   */
  readonly checkSealed?: (timestamp: number) => Result<void, XlinkErrorDetail>;
  /** Tests only: the 32-byte r of the integrity tag. */
  readonly r?: Uint8Array;
  readonly onSplitting?: () => void | Promise<void>;
  readonly onSending?: (current: number, total: number) => void | Promise<void>;
}

/** What a split send produced (`SendReceipt.split`). */
export interface SplitSendResult {
  readonly mode: 'split-channel' | 'xchange';
  /** base64url groupId of the split. */
  readonly groupId: string;
  readonly k: number;
  readonly n: number;
  /**
   * Every share envelope in share-index order (JSON form). Messages of 1 MiB or more are dealt,
   * sealed and sent one at a time and not kept: their `ciphertext` reads `''` here.
   */
  readonly envelopes: EnvelopeJson[];
  /** Share indices accepted by their transports. */
  readonly delivered: number[];
  /** Shares their transports refused (fewer than n - k + 1, else the send failed). */
  readonly failed: ShareDeliveryFailure[];
}

/** Plaintexts at least this long are dealt, sealed and sent share by share (send-large.ts). */
const ONE_AT_A_TIME_BYTES = 1024 * 1024;

/**
 * Splits, seals, signs and routes one message (see module doc).
 * @param input identity, recipient document, version, scope, plaintext, k, n, transports
 * @returns the split result, or the errors of `createEnvelope` (`KEM_FAILED`, `ECDH_FAILED`,
 *   ...), `INVALID_OPTIONS` (bad k/n), `TIMESTAMP_EXPIRED:STALE_AT_SEND` (via `checkSealed`),
 *   `SEND_FAILED:BELOW_THRESHOLD`
 */
export async function sendSplitChannel(
  input: SplitChannelSendInput,
): Promise<Result<SplitSendResult, XlinkErrorDetail>> {
  if (input.onSplitting) await input.onSplitting();
  const r = input.r ?? backend.randomBytes(32);
  const nonces = splitShareNonces(r, input.n);
  // every share is about as long as the secret (xorida: the secret padded to p-1 pieces)
  const large = input.plaintext.length >= ONE_AT_A_TIME_BYTES;
  const dealing = openDealing(input, r, large && overlayFits(input));
  if (input.r === undefined) r.fill(0);
  try {
    // each share envelope is stamped after its encryption (seal.ts), so neither splitting nor
    // encryption counts against the window
    return large
      ? await sendOneAtATime(input, dealing, nonces)
      : await sendAllAtOnce(input, dealing, nonces);
  } finally {
    dealing.end();
  }
}

/**
 * Small shares: every share sealed, the freshness checked once, then all handed to their
 * transports in parallel; the receipt keeps every envelope.
 */
async function sendAllAtOnce(
  input: SplitChannelSendInput,
  dealing: Dealing,
  nonces: Uint8Array[],
): Promise<Result<SplitSendResult, XlinkErrorDetail>> {
  const envelopes: EnvelopeJson[] = [];
  for (let i = 0; i < dealing.n; i++) {
    const record = dealing.deal(i);
    if (i === dealing.n - 1) dealing.end();
    const env = await sealShare(input, record, nonces[i]!);
    if (!env.ok) return env;
    envelopes.push(envelopeToJson(env.value));
  }
  // the first share's stamp is the oldest
  const fresh = input.checkSealed?.(envelopes[0]!.timestamp);
  if (fresh && !fresh.ok) return fresh;
  const { k, n } = dealing;
  const sent = await dispatchShares(
    input.transports,
    envelopes,
    input.recipient.did,
    k,
    input.onSending,
  );
  if (!sent.ok) return sent;
  const groupId = base64urlEncode(dealing.groupId);
  return ok({ mode: 'split-channel', groupId, k, n, envelopes, ...sent.value });
}
