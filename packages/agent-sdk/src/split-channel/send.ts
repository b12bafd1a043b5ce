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
import { createSplitter, ok, type Result, SHARE_HEADER_LENGTH } from 'xorida';
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
import { SHARE_RECORD_HEAD, writeShareRecordHead } from './share-record.js';

const EMPTY = new Uint8Array(0);

/** Inputs of {@link sendSplitChannel}. */
export interface SplitChannelSendInput {
  readonly identity: AgentIdentity;
  /** Recipient's verified key document. */
  readonly recipient: KeyDocument;
  readonly version: EnvelopeVersion;
  readonly scope: string;
  /** Encoded payload (type byte | data). */
  readonly plaintext: Uint8Array;
  /**
   * The caller gives `plaintext` up, encoded with seal.ts `SEAL_ROOM`: the secret is built
   * around it (integrity.ts `buildSplitSecret`) and it is wiped. Default false: untouched.
   */
  readonly plaintextInPlace?: boolean;
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

/**
 * The n share records (share-record.ts) of `r | tag | plaintext`, each in its own buffer with
 * SEAL_ROOM around it: xorida deals every share payload straight into its record, behind the
 * record and IDA5 headers, so no share is copied to be encoded (test/delivery/memory.test.ts).
 * The secret (built around the plaintext when the caller gave it up) is wiped before returning.
 */
function splitRecords(
  input: SplitChannelSendInput,
  r: Uint8Array,
): { records: Uint8Array[]; groupId: Uint8Array } {
  const { identity, recipient, scope, k, n } = input;
  const secret = buildSplitSecret(
    input.plaintext,
    { k, n, sender: identity.did, recipient: recipient.did, scope },
    r,
    input.plaintextInPlace === true,
  );
  const splitter = createSplitter({ threshold: k, shares: n });
  if (!splitter.ok) throw new RangeError(`split failed: ${splitter.error.message}`);
  try {
    const size = splitter.value.shareLength(secret.length);
    const at = SHARE_RECORD_HEAD + SHARE_HEADER_LENGTH;
    const records: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      const buf = new Uint8Array(SEAL_ROOM.front + at + size + SEAL_ROOM.back);
      records.push(buf.subarray(SEAL_ROOM.front, SEAL_ROOM.front + at + size));
    }
    const dealt = splitter.value.splitInto(
      secret,
      records.map((rec) => rec.subarray(at)),
    );
    if (!dealt.ok) throw new RangeError(`split failed: ${dealt.error.message}`);
    for (let i = 0; i < n; i++)
      writeShareRecordHead(records[i]!, {
        index: i,
        k,
        n,
        groupId: dealt.value,
        originalLength: secret.length,
        payload: records[i]!.subarray(at),
      });
    return { records, groupId: dealt.value };
  } finally {
    secret.fill(0);
    splitter.value.dispose();
  }
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
  const { records, groupId: id } = splitRecords(input, r);
  if (input.r === undefined) r.fill(0);
  const groupId = base64urlEncode(id);
  // stamped after the split, so splitting time does not count against the window
  const timestamp = input.timestamp ?? (input.now ?? Date.now)();
  const envelopes: EnvelopeJson[] = [];
  try {
    for (let i = 0; i < n; i++) {
      // sealed in place: the record becomes the share's ciphertext (memory: one buffer a share)
      const record = records[i]!;
      const env = await createEnvelope({
        sender: identity,
        recipient,
        version,
        scope,
        plaintext: record,
        sealInPlace: true,
        timestamp,
        // Derived, not fixed: see splitShareNonces (the IV and KEM randomness stay fresh).
        random: { nonce: nonces[i]! },
      });
      if (!env.ok) return env;
      // sealed over itself (node backend): the record's bytes are now the ciphertext
      if (record.buffer !== env.value.ciphertext.buffer) record.fill(0);
      records[i] = EMPTY;
      envelopes.push(envelopeToJson(env.value));
    }
  } finally {
    for (const rec of records) rec.fill(0);
  }
  const fresh = input.checkSealed?.(timestamp);
  if (fresh && !fresh.ok) return fresh;
  const sent = await dispatchShares(input.transports, envelopes, recipient.did, k, input.onSending);
  if (!sent.ok) return sent;
  return ok({ mode: 'split-channel', groupId, k, n, envelopes, ...sent.value });
}
