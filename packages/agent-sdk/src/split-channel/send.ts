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
import {
  belowThreshold,
  deliverShare,
  dispatchShares,
  type ShareDeliveryFailure,
  staleShare,
  transportFor,
} from './routing.js';
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
  /** ms since the epoch; default `now()` once the secret is split, right before sealing. */
  readonly timestamp?: number;
  /** The sender's clock, ms since the epoch (default `Date.now`; tests inject one). */
  readonly now?: () => number;
  /**
   * Send-side freshness check: called once every share is sealed, before any is sent; for
   * shares of 1 MiB or more (sent one at a time) before each share is sent.
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
   * Every share envelope in share-index order (JSON form). Shares of 1 MiB or more are dealt,
   * sealed and sent one at a time and not kept: their `ciphertext` reads `''` here.
   */
  readonly envelopes: EnvelopeJson[];
  /** Share indices accepted by their transports. */
  readonly delivered: number[];
  /** Shares their transports refused (fewer than n - k + 1, else the send failed). */
  readonly failed: ShareDeliveryFailure[];
}

/** Share records at least this long are dealt, sealed and sent one at a time (see below). */
const ONE_AT_A_TIME_BYTES = 1024 * 1024;

/** A split in progress: the secret, its dealer and what every share record needs. */
interface Dealing {
  readonly k: number;
  readonly n: number;
  readonly groupId: Uint8Array;
  readonly originalLength: number;
  /** Record length without SEAL_ROOM, bytes. */
  readonly recordLength: number;
  deal(index: number): Uint8Array;
  /** Wipes the secret and the random stream and lets both go (idempotent). */
  end(): void;
}

/**
 * Builds the secret `r | tag | plaintext` (around the plaintext when the caller gave it up, and
 * then the input's `plaintext` is cleared so the buffer can go once the last share is dealt) and
 * opens a xorida dealer over it: each `deal(i)` makes share i's record in its own buffer with
 * SEAL_ROOM around it, the share payload dealt straight behind the record and IDA5 headers.
 */
function openDealing(input: SplitChannelSendInput, r: Uint8Array): Dealing {
  const { identity, recipient, scope, k, n } = input;
  let secret: Uint8Array = buildSplitSecret(
    input.plaintext,
    { k, n, sender: identity.did, recipient: recipient.did, scope },
    r,
    input.plaintextInPlace === true,
  );
  if (input.plaintextInPlace === true) input.plaintext = EMPTY;
  const splitter = createSplitter({ threshold: k, shares: n });
  if (!splitter.ok) throw new RangeError(`split failed: ${splitter.error.message}`);
  const dealer = splitter.value.dealer(secret);
  if (!dealer.ok) {
    secret.fill(0);
    throw new RangeError(`split failed: ${dealer.error.message}`);
  }
  const d = dealer.value;
  const at = SHARE_RECORD_HEAD + SHARE_HEADER_LENGTH;
  const originalLength = secret.length;
  const end = () => {
    secret.fill(0);
    secret = EMPTY;
    d.dispose();
    splitter.value.dispose();
  };
  return {
    k,
    n,
    groupId: d.groupId,
    originalLength,
    recordLength: at + d.shareLength,
    end,
    deal(index) {
      const buf = new Uint8Array(SEAL_ROOM.front + at + d.shareLength + SEAL_ROOM.back);
      const record = buf.subarray(SEAL_ROOM.front, SEAL_ROOM.front + at + d.shareLength);
      const dealt = d.dealInto(index, record.subarray(at));
      if (!dealt.ok) throw new RangeError(`split failed: ${dealt.error.message}`);
      writeShareRecordHead(record, {
        index,
        k,
        n,
        groupId: d.groupId,
        originalLength,
        payload: record.subarray(at),
      });
      return record;
    },
  };
}

/**
 * Seals one share record over itself (node backend: the record's bytes become the ciphertext;
 * a backend that copied instead leaves the record, which is wiped).
 */
async function sealShare(
  input: SplitChannelSendInput,
  record: Uint8Array,
  nonce: Uint8Array,
  timestamp: number,
): Promise<Result<EnvelopeJson, XlinkErrorDetail>> {
  const env = await createEnvelope({
    sender: input.identity,
    recipient: input.recipient,
    version: input.version,
    scope: input.scope,
    plaintext: record,
    sealInPlace: true,
    timestamp,
    // Derived, not fixed: see splitShareNonces (the IV and KEM randomness stay fresh).
    random: { nonce },
  });
  if (!env.ok || record.buffer !== env.value.ciphertext.buffer) record.fill(0);
  return env.ok ? ok(envelopeToJson(env.value)) : env;
}

/** The receipt's copy of a large share envelope: every field, the ciphertext read as `''`. */
function withoutCiphertext(env: EnvelopeJson): EnvelopeJson {
  const out: Record<string, unknown> = {};
  // keys read one by one: reading `ciphertext` would make its full base64url text
  for (const key of Object.keys(env))
    out[key] = key === 'ciphertext' ? '' : env[key as keyof EnvelopeJson];
  return out as unknown as EnvelopeJson;
}

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
  const dealing = openDealing(input, r);
  if (input.r === undefined) r.fill(0);
  try {
    // stamped after the split, so splitting time does not count against the window
    const timestamp = input.timestamp ?? (input.now ?? Date.now)();
    return dealing.recordLength < ONE_AT_A_TIME_BYTES
      ? await sendAllAtOnce(input, dealing, nonces, timestamp)
      : await sendOneAtATime(input, dealing, nonces, timestamp);
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
  timestamp: number,
): Promise<Result<SplitSendResult, XlinkErrorDetail>> {
  const envelopes: EnvelopeJson[] = [];
  for (let i = 0; i < dealing.n; i++) {
    const record = dealing.deal(i);
    if (i === dealing.n - 1) dealing.end();
    const env = await sealShare(input, record, nonces[i]!, timestamp);
    if (!env.ok) return env;
    envelopes.push(env.value);
  }
  const fresh = input.checkSealed?.(timestamp);
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

/**
 * Deals, seals, checks and sends share `i` (see `sendOneAtATime`).
 * @returns the receipt's copy of its envelope and its delivery failure (`null`: accepted), or
 *   a seal error or the freshness error (nothing sent)
 */
async function sendOneShare(
  input: SplitChannelSendInput,
  dealing: Dealing,
  i: number,
  nonce: Uint8Array,
  timestamp: number,
): Promise<
  Result<{ envelope: EnvelopeJson; failure: ShareDeliveryFailure | null }, XlinkErrorDetail>
> {
  const record = dealing.deal(i);
  if (i === dealing.n - 1) dealing.end();
  const env = await sealShare(input, record, nonce, timestamp);
  if (!env.ok) return env;
  // a stale share would be refused by the receiver: none leaves once sealing made it stale
  const fresh = input.checkSealed?.(timestamp);
  if (fresh && !fresh.ok) return fresh;
  if (input.onSending) await input.onSending(i + 1, dealing.n);
  const t = transportFor(i, input.transports.length);
  const failure = await deliverShare(input.transports[t]!, env.value, input.recipient.did, i, t);
  return ok({ envelope: withoutCiphertext(env.value), failure });
}

/**
 * Large shares (memory, test/delivery/memory.test.ts): share i is dealt, sealed, checked for
 * freshness and handed to its transport before share i+1 exists, and the receipt keeps each
 * envelope without its ciphertext (`''`), so at most one sealed share is held at a time. The
 * secret and the random stream go as soon as the last share is dealt.
 */
async function sendOneAtATime(
  input: SplitChannelSendInput,
  dealing: Dealing,
  nonces: Uint8Array[],
  timestamp: number,
): Promise<Result<SplitSendResult, XlinkErrorDetail>> {
  const { k, n } = dealing;
  const envelopes: EnvelopeJson[] = [];
  const delivered: number[] = [];
  const failed: ShareDeliveryFailure[] = [];
  for (let i = 0; i < n; i++) {
    // one share per call: its record and envelope go with the call's frame
    const out = await sendOneShare(input, dealing, i, nonces[i]!, timestamp);
    if (!out.ok) {
      if (delivered.length < k || out.error.code !== 'TIMESTAMP_EXPIRED') return out;
      // stale after k shares left: delivered; the rest are not sent
      for (let j = i; j < n; j++) failed.push(staleShare(j, input.transports.length, out.error));
      break;
    }
    if (out.value.failure) failed.push(out.value.failure);
    else delivered.push(i);
    envelopes.push(out.value.envelope);
  }
  const below = belowThreshold(delivered.length, n, k, failed);
  if (below) return below;
  const groupId = base64urlEncode(dealing.groupId);
  return ok({ mode: 'split-channel', groupId, k, n, envelopes, delivered, failed });
}
