/**
 * The Xlink envelope: field model, the deterministic binary encoding (which is both the
 * signing input and, base64url'd, the compact form), the JSON transport form
 * (`application/xlink-envelope+json`) and strict parsers for all three. This module is the
 * entry point; the concerns live in envelope-model.ts (fields, algorithms, validation),
 * envelope-binary.ts (binary and compact forms) and envelope-json.ts (JSON form).
 *
 * Binary layout (integers big-endian; full spec with vectors in docs/formats.md#agent-sdk):
 *   header  = "XLE" | u8 version | u8 alg | u64 timestamp (ms) | nonce (16)
 *             | u16 len + sender DID | u16 len + recipient DID | u16 len + scope
 *             | u8 len + iv (12, or 0 for signed-only) | u32 len + kem (32, 1120 or 0)
 *   body    = u32 len + ciphertext (AES-256-GCM ciphertext || tag, or the plaintext when signed-only)
 *   sigs    = u16 len + Ed25519 signature (64) [ | u16 len + ML-DSA-65 signature (3309) for v3 ]
 *   signing input = "XLINK-ENVELOPE-SIG-V1" | header | body;  AEAD associated data = header
 *
 * Pitfalls:
 * - Every field (recipient and KEM ciphertext included) is under the signature, so an envelope
 *   cannot be re-targeted, re-scoped, re-timed or downgraded without breaking it.
 * - Headers (DIDs, scope, timestamp, sizes) are cleartext: observers see who talks to whom.
 * - Parsers refuse unknown fields, non-canonical base64url, wrong lengths for the algorithm,
 *   trailing bytes and oversize inputs; they never throw.
 *
 * @module
 */
import type { Result } from 'xorida';
import { decodeEnvelope, envelopeFromCompact } from './envelope-binary.js';
import { envelopeFromJson } from './envelope-json.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, type Envelope } from './envelope-model.js';
import type { XlinkErrorDetail } from './errors.js';

export {
  decodeEnvelope,
  encodeEnvelope,
  encodeEnvelopeHeader,
  envelopeAad,
  envelopeFromCompact,
  envelopeSigningInput,
  envelopeToCompact,
  ownsCiphertext,
  SIGNING_HEADROOM,
  signingInputOver,
  signingPrefixLength,
  withSigningRoom,
} from './envelope-binary.js';
export { envelopeFromJson, envelopeToJson } from './envelope-json.js';
export {
  ALG_OF_VERSION,
  DEFAULT_MAX_PAYLOAD_BYTES,
  ENVELOPE_ALGS,
  ENVELOPE_MEDIA_TYPE,
  type Envelope,
  type EnvelopeAlg,
  type EnvelopeHeader,
  type EnvelopeJson,
  IV_LENGTH,
  isValidScope,
  MAX_SCOPE_LENGTH,
  maxCiphertextFor,
  NONCE_LENGTH,
  SIGNED_ONLY_ALG,
} from './envelope-model.js';

/**
 * Accepts any of the three forms (or an already parsed `Envelope`-shaped JSON object): JSON
 * object, JSON text (starts with `{`), compact text, or binary bytes.
 * @param input the envelope in any form
 * @param maxPayloadBytes plaintext limit
 * @returns the parsed envelope or an envelope error
 */
export function parseEnvelope(
  input: unknown,
  maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES,
): Result<Envelope, XlinkErrorDetail> {
  if (input instanceof Uint8Array) return decodeEnvelope(input, maxPayloadBytes);
  if (typeof input === 'string') {
    const t = input.trimStart();
    return t.startsWith('{')
      ? envelopeFromJson(input, maxPayloadBytes)
      : envelopeFromCompact(input, maxPayloadBytes);
  }
  return envelopeFromJson(input, maxPayloadBytes);
}
