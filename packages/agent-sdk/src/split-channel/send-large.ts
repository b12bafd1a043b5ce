/**
 * Sending a large split-channel message (share records of 1 MiB or more) share by share: share
 * i is dealt, sealed, checked for freshness and handed to its transport before share i+1
 * exists, and the receipt keeps each envelope without its ciphertext (`''`), so at most one
 * sealed share is held at a time (test/delivery/memory.test.ts).
 *
 * With k = 2 and transports that let an envelope go once sent (`releasesEnvelope`, e.g. HTTPS),
 * no share has a buffer of its own: each is made over the split's random stream (xorida
 * `ShareDealer.overlay`), sealed over itself, sent, then decrypted back in place (the GCM tag
 * proves the bytes came back unchanged) and turned back into the stream for the next share.
 * The message then costs its secret and the stream, two payloads, instead of three.
 *
 * Pitfalls:
 * - The overlay mutates the ciphertext's buffer after `send` resolved: only for transports that
 *   declare `releasesEnvelope` (a `LoopbackTransport` keeps envelopes: fresh buffers there).
 * - Shares go one after another, not in parallel: n round trips instead of one.
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import { backend } from '#crypto';
import { type Envelope, type EnvelopeJson, envelopeToJson } from '../envelope.js';
import { encodeEnvelopeHeader, envelopeAad } from '../envelope-binary.js';
import { type XlinkErrorDetail, xlinkErr } from '../errors.js';
import { base64urlEncode } from '../lib/codec.js';
import { createEnvelope } from '../seal.js';
import type { Dealing } from './dealing.js';
import {
  belowThreshold,
  deliverShare,
  type ShareDeliveryFailure,
  staleShare,
  transportFor,
} from './routing.js';
import type { SplitChannelSendInput, SplitSendResult } from './send.js';

/**
 * Seals one share record over itself (node backend: the record's bytes become the ciphertext;
 * a backend that copied instead leaves the record, which is wiped unless `keep`).
 * @param input sender, recipient, version, scope
 * @param record the share record, SEAL_ROOM around it
 * @param nonce the share's envelope nonce (integrity.ts `splitShareNonces`)
 * @param onKey receives a copy of the AES key (see seal.ts `onKey`)
 * @returns the envelope (stamped after its encryption with `input.now`, or `input.timestamp`
 *   when given), or the errors of `createEnvelope`
 */
export async function sealShare(
  input: SplitChannelSendInput,
  record: Uint8Array,
  nonce: Uint8Array,
  onKey?: (key: Uint8Array) => void,
): Promise<Result<Envelope, XlinkErrorDetail>> {
  const env = await createEnvelope({
    sender: input.identity,
    recipient: input.recipient,
    version: input.version,
    scope: input.scope,
    plaintext: record,
    sealInPlace: true,
    ...(input.timestamp !== undefined ? { timestamp: input.timestamp } : {}),
    ...(input.now ? { now: input.now } : {}),
    // Derived, not fixed: see splitShareNonces (the IV and KEM randomness stay fresh).
    random: { nonce },
    ...(onKey ? { onKey } : {}),
  });
  if (!onKey && (!env.ok || record.buffer !== env.value.ciphertext.buffer)) record.fill(0);
  return env;
}

/** The receipt's copy of a large share envelope: every field, the ciphertext read as `''`. */
function withoutCiphertext(env: EnvelopeJson): EnvelopeJson {
  const out: Record<string, unknown> = {};
  // keys read one by one: reading `ciphertext` would make its full base64url text
  for (const key of Object.keys(env))
    out[key] = key === 'ciphertext' ? '' : env[key as keyof EnvelopeJson];
  return out as unknown as EnvelopeJson;
}

/** Whether every transport that carries a share lets its envelope go once sent. */
function transportsRelease(input: SplitChannelSendInput): boolean {
  const ts = input.transports;
  for (let i = 0; i < Math.min(input.n, ts.length); i++)
    if (ts[i]!.releasesEnvelope !== true) return false;
  return true;
}

/**
 * Whether a message is sent over the overlay (see module doc).
 * @param input the send input
 * @returns true for k = 2 and transports that all declare `releasesEnvelope`
 */
export function overlayFits(input: SplitChannelSendInput): boolean {
  return input.k === 2 && transportsRelease(input);
}

/**
 * Sends a large message share by share (see module doc).
 * @param input the send input
 * @param dealing the open split (overlay when `overlayFits`)
 * @param nonces the n share envelope nonces
 * @returns the split result (envelopes without ciphertext), or a seal error,
 *   `TIMESTAMP_EXPIRED:STALE_AT_SEND` (before k shares left), `SEND_FAILED:BELOW_THRESHOLD`,
 *   `SEND_FAILED:SHARE_CHANGED` (a transport changed a sent overlay share: nothing more is sent)
 */
export async function sendOneAtATime(
  input: SplitChannelSendInput,
  dealing: Dealing,
  nonces: Uint8Array[],
): Promise<Result<SplitSendResult, XlinkErrorDetail>> {
  const { k, n } = dealing;
  const envelopes: EnvelopeJson[] = [];
  const delivered: number[] = [];
  const failed: ShareDeliveryFailure[] = [];
  for (let i = 0; i < n; i++) {
    // one share per call: its record and envelope go with the call's frame
    const out = await sendOneShare(input, dealing, i, nonces[i]!);
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

/**
 * Deals, seals, checks and sends share `i`; over the overlay, turns it back into the random
 * stream afterwards (except the last share).
 * @returns the receipt's copy of its envelope and its delivery failure (`null`: accepted), or
 *   a seal error, the freshness error (nothing sent) or `SEND_FAILED:SHARE_CHANGED`
 */
async function sendOneShare(
  input: SplitChannelSendInput,
  dealing: Dealing,
  i: number,
  nonce: Uint8Array,
): Promise<
  Result<{ envelope: EnvelopeJson; failure: ShareDeliveryFailure | null }, XlinkErrorDetail>
> {
  const last = i === dealing.n - 1;
  const over = dealing.overlay;
  const record = over ? dealing.dealOver(i) : dealing.deal(i);
  // the last share needs neither the secret nor the stream: both go before it is sealed
  if (last) dealing.end();
  let key: Uint8Array | undefined;
  try {
    const keep = over && !last;
    const env = await sealShare(input, record, nonce, keep ? (k) => (key = k) : undefined);
    if (!env.ok) return env;
    // a stale share would be refused by the receiver: none leaves once signing made it stale
    const fresh = input.checkSealed?.(env.value.timestamp);
    if (fresh && !fresh.ok) return fresh;
    if (input.onSending) await input.onSending(i + 1, dealing.n);
    const json = envelopeToJson(env.value);
    const t = transportFor(i, input.transports.length);
    const failure = await deliverShare(input.transports[t]!, json, input.recipient.did, i, t);
    if (keep) {
      const back = await unseal(key!, env.value, record);
      if (!back)
        return xlinkErr(
          'SEND_FAILED',
          `share ${i}'s buffer changed while transport ${t} sent it`,
          'A transport that declares releasesEnvelope must not write into the envelope',
          { subCode: 'SHARE_CHANGED', field: 'transport' },
        );
      dealing.restore(i);
    }
    return ok({ envelope: withoutCiphertext(json), failure });
  } finally {
    key?.fill(0);
  }
}

/**
 * Decrypts a sealed overlay share back over itself (node backend), checking the tag; a backend
 * that sealed into a copy left the record as it was.
 * @returns true when `record` holds the share's bytes again
 */
async function unseal(key: Uint8Array, env: Envelope, record: Uint8Array): Promise<boolean> {
  if (env.ciphertext.buffer !== record.buffer) return true;
  const aad = envelopeAad(encodeEnvelopeHeader(env));
  const opened = await backend.aes256GcmOpen(key, env.iv, env.ciphertext, aad, true);
  return (
    opened !== null && opened.buffer === record.buffer && opened.byteOffset === record.byteOffset
  );
}
