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
import { ok, type Result, type Share, split } from 'xorida';
import { backend } from '#crypto';
import { type EnvelopeJson, envelopeToJson } from '../envelope.js';
import type { XlinkErrorDetail } from '../errors.js';
import type { AgentIdentity } from '../identity.js';
import type { EnvelopeVersion, KeyDocument } from '../key-document.js';
import { base64urlEncode } from '../lib/codec.js';
import { createEnvelope, SEAL_ROOM } from '../seal.js';
import type { TransportAdapter } from '../transport.js';
import { buildSplitSecret, splitShareNonces } from './integrity.js';
import { dispatchShares, type ShareDeliveryFailure } from './routing.js';
import { encodeShareRecord } from './share-record.js';

/** Inputs of {@link sendSplitChannel}. */
export interface SplitChannelSendInput {
  readonly identity: AgentIdentity;
  /** Recipient's verified key document. */
  readonly recipient: KeyDocument;
  readonly version: EnvelopeVersion;
  readonly scope: string;
  /** Encoded payload (type byte | data). */
  readonly plaintext: Uint8Array;
  readonly k: number;
  readonly n: number;
  readonly transports: readonly TransportAdapter[];
  /** ms since the epoch; default `now()` once the secret is split, right before sealing. */
  readonly timestamp?: number;
  /** The sender's clock, ms since the epoch (default `Date.now`; tests inject one). */
  readonly now?: () => number;
  /** Called once every share is sealed, before any is sent (send-side freshness check). */
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
  /** Every share envelope in share-index order (JSON form). */
  readonly envelopes: EnvelopeJson[];
  /** Share indices accepted by their transports. */
  readonly delivered: number[];
  /** Shares their transports refused (fewer than n - k + 1, else the send failed). */
  readonly failed: ShareDeliveryFailure[];
}

/** The n shares of `r | tag | plaintext`; the secret is wiped and dropped before returning. */
function splitSecret(input: SplitChannelSendInput, r: Uint8Array): (Share | undefined)[] {
  const { identity, recipient, scope, k, n } = input;
  const secret = buildSplitSecret(
    input.plaintext,
    { k, n, sender: identity.did, recipient: recipient.did, scope },
    r,
  );
  const shares = split(secret, { threshold: k, shares: n });
  secret.fill(0);
  if (!shares.ok) throw new RangeError(`split failed: ${shares.error.message}`);
  return [...shares.value];
}

/**
 * Splits, seals, signs and routes one message (see module doc).
 * @param input identity, recipient document, version, scope, plaintext, k, n, transports
 * @returns the split result, or the errors of `createEnvelope` (`KEM_FAILED`, `ECDH_FAILED`,
 *   ...), `INVALID_OPTIONS` (bad k/n), `SEND_FAILED:BELOW_THRESHOLD`
 */
export async function sendSplitChannel(
  input: SplitChannelSendInput,
): Promise<Result<SplitSendResult, XlinkErrorDetail>> {
  const { identity, recipient, version, scope, k, n } = input;
  if (input.onSplitting) await input.onSplitting();
  const r = input.r ?? backend.randomBytes(32);
  const nonces = splitShareNonces(r, n);
  const parts = splitSecret(input, r);
  if (input.r === undefined) r.fill(0);
  const groupId = base64urlEncode(parts[0]!.groupId);
  // stamped after the split, so splitting time does not count against the window
  const timestamp = input.timestamp ?? (input.now ?? Date.now)();
  const envelopes: EnvelopeJson[] = [];
  try {
    for (let i = 0; i < parts.length; i++) {
      const index = parts[i]!.index;
      // with room to be sealed in place: the record becomes the share's ciphertext
      const record = encodeShareRecord(parts[i]!, SEAL_ROOM);
      // Each share is let go once its record exists: memory holds one share's record and
      // ciphertext at a time besides the shares still to seal (test/delivery/memory.test.ts).
      parts[i]!.payload.fill(0);
      parts[i] = undefined;
      const env = await createEnvelope({
        sender: identity,
        recipient,
        version,
        scope,
        plaintext: record,
        sealInPlace: true,
        timestamp,
        // Derived, not fixed: see splitShareNonces (the IV and KEM randomness stay fresh).
        random: { nonce: nonces[index]! },
      });
      if (!env.ok) {
        record.fill(0);
        return env;
      }
      // sealed over itself (node backend): the record's bytes are now the ciphertext
      if (record.buffer !== env.value.ciphertext.buffer) record.fill(0);
      envelopes.push(envelopeToJson(env.value));
    }
  } finally {
    for (const s of parts) s?.payload.fill(0);
  }
  const fresh = input.checkSealed?.(timestamp);
  if (fresh && !fresh.ok) return fresh;
  const sent = await dispatchShares(input.transports, envelopes, recipient.did, k, input.onSending);
  if (!sent.ok) return sent;
  return ok({ mode: 'split-channel', groupId, k, n, envelopes, ...sent.value });
}
