/**
 * The receiving half of the envelope crypto: signature verification (Ed25519 against the
 * sender DID, plus ML-DSA-65 against the sender's key document for v3) and decryption.
 * Policy (timestamps, nonces, registry, scopes) lives in the receive pipeline
 * (receive/pipeline.ts).
 *
 * Pitfalls:
 * - Verify signatures BEFORE decrypting: decryption of unauthenticated input is an oracle.
 * - For v3 BOTH signatures must verify; a valid Ed25519 signature alone is refused.
 * - `decryptEnvelope(..., { inPlace: true })` (the receive pipeline) overwrites the ciphertext of
 *   an envelope this package parsed from JSON, to save a full-size buffer: decrypt it once.
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import { backend } from '#crypto';
import { parseDidKey } from './did.js';
import {
  type Envelope,
  encodeEnvelopeHeader,
  envelopeAad,
  envelopeSigningInput,
  ownsCiphertext,
  SIGNED_ONLY_ALG,
} from './envelope.js';
import { type XlinkErrorDetail, xlinkErr } from './errors.js';
import type { AgentIdentity } from './identity.js';
import type { KeyDocument } from './key-document.js';
import { mldsaVerify } from './lib/mldsa.js';
import { xwingDecapsulate } from './lib/xwing.js';
import { deriveEnvelopeKey } from './seal.js';

/**
 * Verifies the signature(s) of a parsed envelope.
 * @param env parsed envelope
 * @param senderDoc the sender's verified key document (needed for v3), or undefined for v1/v2
 * @returns the encoded header (the AEAD associated data once its timestamp is zeroed), or
 *   `VERIFICATION_FAILED`
 *   (subCode `SIGNATURE_MISMATCH`, `PQ_SIGNATURE_MISMATCH`, `PQ_KEY_MISSING`)
 */
export function verifyEnvelopeSignatures(
  env: Envelope,
  senderDoc: KeyDocument | undefined,
): Result<Uint8Array, XlinkErrorDetail> {
  const senderKey = parseDidKey(env.sender);
  const header = encodeEnvelopeHeader(env);
  const input = envelopeSigningInput(header, env.ciphertext);
  if (!senderKey.ok || !backend.ed25519Verify(senderKey.value, input, env.signature))
    return xlinkErr(
      'VERIFICATION_FAILED',
      'Ed25519 signature does not verify against the sender DID',
      'The envelope was altered in transit or forged',
      { subCode: 'SIGNATURE_MISMATCH', field: 'signature' },
    );
  if (env.version === 3) {
    if (!senderDoc?.mldsa65)
      return xlinkErr(
        'VERIFICATION_FAILED',
        'sender has no ML-DSA-65 key in its key document',
        'The sender must register with postQuantumSig: true',
        { subCode: 'PQ_KEY_MISSING', field: 'pqSignature' },
      );
    if (!env.pqSignature || !mldsaVerify(senderDoc.mldsa65, input, env.pqSignature))
      return xlinkErr(
        'VERIFICATION_FAILED',
        'ML-DSA-65 signature does not verify',
        'The envelope was altered in transit or forged',
        { subCode: 'PQ_SIGNATURE_MISMATCH', field: 'pqSignature' },
      );
  }
  return ok(header);
}

/**
 * Key agreement and AES-256-GCM decryption of a signature-checked envelope.
 * @param env parsed envelope (not signed-only)
 * @param recipient the receiving identity
 * @param header encoded header from {@link verifyEnvelopeSignatures} (the associated data is
 *   this header with its timestamp zeroed: `envelopeAad`)
 * @param options `inPlace`: decrypt over the ciphertext when this package allocated it (see the
 *   module doc; default false)
 * @returns plaintext bytes, or `DECRYPT_FAILED` (subCode `KEY_AGREEMENT` or `DECRYPTION`)
 */
export async function decryptEnvelope(
  env: Envelope,
  recipient: AgentIdentity,
  header: Uint8Array,
  options: { readonly inPlace?: boolean } = {},
): Promise<Result<Uint8Array, XlinkErrorDetail>> {
  if (env.alg === SIGNED_ONLY_ALG) return ok(env.ciphertext);
  const shared =
    env.version === 1
      ? recipient.x25519.agree(env.kem)
      : xwingDecapsulate(recipient.xwing, env.kem);
  if (shared === null)
    return xlinkErr(
      'DECRYPT_FAILED',
      'key agreement failed (invalid ephemeral key or KEM ciphertext)',
      'The envelope was altered or built for another key',
      { subCode: 'KEY_AGREEMENT', field: 'kem' },
    );
  const key = deriveEnvelopeKey(
    env.version,
    shared,
    env.nonce,
    env.kem,
    recipient.x25519.publicKey,
  );
  shared.fill(0);
  // A ciphertext this package decoded (ownsCiphertext) is decrypted in place: no second
  // full-size buffer. The envelope's ciphertext is lost then; the receive pipeline drops it anyway.
  const plaintext = await backend.aes256GcmOpen(
    key,
    env.iv,
    env.ciphertext,
    envelopeAad(header),
    options.inPlace === true && ownsCiphertext(env.ciphertext),
  );
  key.fill(0);
  if (plaintext === null)
    return xlinkErr(
      'DECRYPT_FAILED',
      'AES-256-GCM authentication failed',
      'The envelope was encrypted for another key or altered',
      { subCode: 'DECRYPTION', field: 'ciphertext' },
    );
  return ok(plaintext);
}
