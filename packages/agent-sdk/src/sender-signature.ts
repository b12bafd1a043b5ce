/**
 * Whether an envelope carries a valid Ed25519 signature of its sender DID, for a party that
 * knows only the DID: a relay at deposit (node/relay-routes.ts). An ordinary envelope is signed
 * over its own signing input; an Xchange part (docs/formats.md#xchange-parts, part version 2)
 * carries the signature of its group statement, which covers the part through its digest, so
 * it is checked with `verifyXchangePart` instead.
 *
 * Pitfall: this checks origin only. The receive pipeline checks more (ML-DSA-65 for v3, the
 * window, replay, scopes), and caches one verified statement per Xchange group; a relay has no
 * group state, so it verifies every part.
 *
 * @module
 */
import { backend } from '#crypto';
import { parseDidKey } from './did.js';
import {
  type Envelope,
  encodeEnvelopeHeader,
  envelopeSigningInput,
  SIGNED_ONLY_ALG,
} from './envelope.js';
import { decodeXchangePart, isXchangePart, verifyXchangePart } from './xchange-part.js';

/**
 * Checks the sender's Ed25519 signature of a parsed envelope (RFC 8032).
 * @param env a parsed envelope (`parseEnvelope`)
 * @returns true when the signature (or, for an Xchange part, its group signature and the part's
 *   digest in it) verifies against `env.sender`; false otherwise, including an undecodable
 *   Xchange part body or a sender that is not a did:key
 */
export function senderSignatureValid(env: Envelope): boolean {
  if (env.alg === SIGNED_ONLY_ALG && isXchangePart(env.ciphertext)) {
    const part = decodeXchangePart(env.ciphertext, env.ciphertext.length);
    return part.ok && verifyXchangePart(env, part.value, undefined).ok;
  }
  const key = parseDidKey(env.sender);
  if (!key.ok) return false;
  const input = envelopeSigningInput(encodeEnvelopeHeader(env), env.ciphertext);
  return backend.ed25519Verify(key.value, input, env.signature);
}
