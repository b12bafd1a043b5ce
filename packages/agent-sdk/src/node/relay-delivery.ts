/**
 * The relay side of the delivery contract (docs/formats.md#delivery-contract), used by
 * relay-routes.ts: deposit receipts for stored messages, the dead-letter list of permanently
 * rejected messages, and the byte budget of one pull answer.
 *
 * Dead letters live in the same store as messages, in the mailbox `dead:<did>` (never pulled by
 * a client: the `dead:` prefix is not a did:key), so they share its durability and its TTL.
 *
 * @module
 */
import { parseEnvelope } from '../envelope.js';
import type { Envelope } from '../envelope-model.js';
import type { Ed25519SigningKey } from '../lib/crypto/types.js';
import { envelopeDigest, type RelayReceipt, signRelayReceipt } from '../relay-receipt.js';
import { MAX_POLICY_PAYLOAD_BYTES } from '../size-policy.js';

/** One permanent rejection reported by the mailbox owner. */
export interface Rejection {
  /** Relay message id. */
  readonly id: string;
  /** Error code (e.g. `VERIFICATION_FAILED`), 1..64 characters. */
  readonly code: string;
  readonly subCode?: string;
  /** Human-readable reason, at most 512 characters. */
  readonly message?: string;
}

/** A dead-letter record as stored and listed. */
export interface DeadLetter extends Rejection {
  /** When the owner rejected it, ms since the Unix epoch. */
  readonly rejectedAt: number;
}

/**
 * The store mailbox holding `did`'s dead letters.
 * @param did mailbox did:key
 * @returns `dead:<did>`
 */
export const deadLetterMailbox = (did: string): string => `dead:${did}`;

const str = (x: unknown, max: number) => typeof x === 'string' && x.length > 0 && x.length <= max;

/**
 * Strict parser of the ack body's `rejected` field.
 * @param input the field (absent = none)
 * @returns the rejections, or `null` when malformed (not an array, over 500, bad entries)
 */
export function parseRejections(input: unknown): Rejection[] | null {
  if (input === undefined) return [];
  if (!Array.isArray(input) || input.length > 500) return null;
  const out: Rejection[] = [];
  for (const r of input) {
    if (typeof r !== 'object' || r === null) return null;
    const o = r as Record<string, unknown>;
    if (!str(o.id, 64) || !str(o.code, 64)) return null;
    if (o.subCode !== undefined && !str(o.subCode, 64)) return null;
    if (o.message !== undefined && typeof o.message !== 'string') return null;
    out.push({
      id: o.id as string,
      code: o.code as string,
      ...(o.subCode !== undefined ? { subCode: o.subCode as string } : {}),
      ...(o.message !== undefined ? { message: (o.message as string).slice(0, 512) } : {}),
    });
  }
  return out;
}

/**
 * Records to store for rejections.
 * @param rejected parsed rejections
 * @param now ms
 * @returns one {@link DeadLetter} each
 */
export function deadLetterRecords(rejected: readonly Rejection[], now: number): DeadLetter[] {
  return rejected.map((r) => ({ ...r, rejectedAt: now }));
}

/**
 * The deposit receipt of a stored message.
 * @param key the relay's Ed25519 key
 * @param envelope the envelope: already parsed, or its stored JSON form (parsed here)
 * @param at deposit time (the store's `receivedAt`), ms
 * @param exp the store's `expiresAt`, ms
 * @returns the receipt, or undefined if a stored envelope no longer parses
 */
export function receiptFor(
  key: Ed25519SigningKey,
  envelope: Envelope | unknown,
  at: number,
  exp: number,
): RelayReceipt | undefined {
  let env: Envelope;
  if (isParsed(envelope)) env = envelope;
  else {
    const p = parseEnvelope(envelope, MAX_POLICY_PAYLOAD_BYTES);
    if (!p.ok) return undefined;
    env = p.value;
  }
  return signRelayReceipt(key, { to: env.recipient, env: envelopeDigest(env), at, exp });
}

/** A parsed envelope carries its ciphertext as bytes; the JSON form as base64url text. */
function isParsed(x: unknown): x is Envelope {
  return typeof x === 'object' && x !== null && (x as Envelope).ciphertext instanceof Uint8Array;
}

/**
 * A running byte budget for one pull answer: the first message always fits, later ones only
 * while the total stays within `maxBytes` (base64 ciphertext length as the size estimate).
 * @param maxBytes budget, bytes
 * @returns a predicate to call once per message, in order
 */
export function responseBudget(maxBytes: number): (envelope: unknown) => boolean {
  let used = 0;
  let count = 0;
  return (envelope) => {
    const ct = (envelope as { ciphertext?: unknown } | null)?.ciphertext;
    const size = (typeof ct === 'string' ? ct.length : 0) + 8192;
    if (count > 0 && used + size > maxBytes) return false;
    used += size;
    count++;
    return true;
  };
}
