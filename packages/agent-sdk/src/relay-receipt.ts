/**
 * Relay deposit receipts (format `xlink-relay-receipt/1`, docs/formats.md#relay-deposit-receipt):
 * the relay signs, with its own Ed25519 key (RFC 8032), that it accepted an envelope for a
 * mailbox at a time of ITS clock, after checking the envelope's freshness against that clock.
 * A recipient that trusts the relay's key then accepts the envelope for as long as the relay may
 * hold it (`exp`), instead of the short direct window (see delivery-freshness.ts).
 *
 * Signing input (UTF-8, fields joined by "\n", no trailing newline):
 *   `xlink-relay-receipt/1`, relay did:key, mailbox did:key, `env` (base64url of SHA-256 over the
 *   envelope's binary encoding, docs/formats.md#envelope), `at` and `exp` (decimal ms).
 *
 * Threat model: the relay is trusted to tell the time of deposit (and so to have refused stale
 * envelopes), nothing more: it never sees plaintext and cannot forge envelopes. A compromised
 * relay key lets its holder make a captured envelope acceptable for up to the TTL, which the
 * recipient's nonce store (retained for the TTL) still limits to ONE acceptance.
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import { backend } from '#crypto';
import { didFromEd25519PublicKey, parseDidKey } from './did.js';
import { encodeEnvelope } from './envelope-binary.js';
import type { Envelope } from './envelope-model.js';
import { type XlinkErrorDetail, xlinkErr } from './errors.js';
import { base64urlDecode, base64urlEncode } from './lib/codec.js';
import type { Ed25519SigningKey } from './lib/crypto/types.js';

/** Format tag, first line of the signing input. */
export const RELAY_RECEIPT_FORMAT = 'xlink-relay-receipt/1';

/** A deposit receipt (JSON form; every field required, no others allowed). */
export interface RelayReceipt {
  readonly v: 1;
  /** The relay's did:key (its Ed25519 receipt key). */
  readonly relay: string;
  /** Mailbox (recipient) did:key. */
  readonly to: string;
  /** base64url (no padding) SHA-256 of the envelope's binary encoding: 43 characters. */
  readonly env: string;
  /** Deposit time by the relay's clock, ms since the Unix epoch. */
  readonly at: number;
  /** When the relay drops the message, ms since the Unix epoch (`at` + TTL). */
  readonly exp: number;
  /** base64url Ed25519 signature over `receiptSigningInput`: 86 characters. */
  readonly sig: string;
}

/**
 * Digest binding a receipt to one envelope.
 * @param env a parsed envelope
 * @returns base64url SHA-256 (FIPS 180-4) of its binary encoding, 43 characters
 */
export function envelopeDigest(env: Envelope): string {
  return base64urlEncode(backend.sha256(encodeEnvelope(env)));
}

/**
 * The bytes a receipt signature covers (see module doc).
 * @param r the receipt fields
 * @returns UTF-8 bytes
 */
export function receiptSigningInput(r: Omit<RelayReceipt, 'sig' | 'v'>): Uint8Array {
  return new TextEncoder().encode(
    [RELAY_RECEIPT_FORMAT, r.relay, r.to, r.env, String(r.at), String(r.exp)].join('\n'),
  );
}

/**
 * Signs a receipt as the relay.
 * @param key the relay's Ed25519 key
 * @param fields mailbox DID, envelope digest, deposit time and expiry (ms)
 * @returns the signed receipt
 */
export function signRelayReceipt(
  key: Ed25519SigningKey,
  fields: { to: string; env: string; at: number; exp: number },
): RelayReceipt {
  const body = { relay: didFromEd25519PublicKey(key.publicKey), ...fields };
  return { v: 1, ...body, sig: base64urlEncode(key.sign(receiptSigningInput(body))) };
}

const KEYS = ['v', 'relay', 'to', 'env', 'at', 'exp', 'sig'];
const B64U = /^[A-Za-z0-9_-]+$/;

function bad(message: string, subCode = 'RELAY_RECEIPT_INVALID'): Result<never, XlinkErrorDetail> {
  return xlinkErr('VERIFICATION_FAILED', message, 'Pull again from a relay you trust', {
    subCode,
    field: 'receipt',
  });
}

/**
 * Strict parser of the JSON form.
 * @param input parsed JSON
 * @returns the receipt, or `VERIFICATION_FAILED:RELAY_RECEIPT_INVALID`
 */
export function parseRelayReceipt(input: unknown): Result<RelayReceipt, XlinkErrorDetail> {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return bad('receipt is not an object');
  const r = input as Record<string, unknown>;
  const keys = Object.keys(r);
  if (keys.length !== KEYS.length || !KEYS.every((k) => Object.hasOwn(r, k)))
    return bad(`receipt needs exactly the fields ${KEYS.join(', ')}`);
  const int = (x: unknown) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  if (
    r.v !== 1 ||
    typeof r.relay !== 'string' ||
    typeof r.to !== 'string' ||
    typeof r.env !== 'string' ||
    r.env.length !== 43 ||
    !B64U.test(r.env) ||
    typeof r.sig !== 'string' ||
    r.sig.length !== 86 ||
    !B64U.test(r.sig) ||
    !int(r.at) ||
    !int(r.exp) ||
    (r.exp as number) < (r.at as number)
  )
    return bad('malformed receipt');
  return ok(r as unknown as RelayReceipt);
}

/**
 * Verifies a receipt for an envelope against the trusted relay keys.
 * @param input receipt JSON (untrusted)
 * @param env the parsed envelope it must be bound to
 * @param trustedRelays did:key of every relay whose receipts are accepted
 * @returns the receipt, or `VERIFICATION_FAILED` with subCode `RELAY_RECEIPT_INVALID` (malformed,
 *   other mailbox, other envelope, bad signature) or `RELAY_NOT_TRUSTED`
 */
export function verifyRelayReceipt(
  input: unknown,
  env: Envelope,
  trustedRelays: readonly string[],
): Result<RelayReceipt, XlinkErrorDetail> {
  const p = parseRelayReceipt(input);
  if (!p.ok) return p;
  const r = p.value;
  if (!trustedRelays.includes(r.relay))
    return bad(`receipt signed by an untrusted relay ${r.relay}`, 'RELAY_NOT_TRUSTED');
  if (r.to !== env.recipient) return bad('receipt is for another mailbox');
  if (r.env !== envelopeDigest(env)) return bad('receipt is bound to another envelope');
  const pub = parseDidKey(r.relay);
  if (!pub.ok) return bad('receipt relay is not a did:key');
  const sig = base64urlDecode(r.sig, 64);
  if (!sig || !backend.ed25519Verify(pub.value, receiptSigningInput(r), sig))
    return bad('receipt signature does not verify');
  return ok(r);
}
