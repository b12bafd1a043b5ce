/**
 * Ed25519 public-key validation shared by did:key parsing and the node backend.
 *
 * Pitfall: OpenSSL's Ed25519 verification (RFC 8032 cofactorless) accepts R = identity, S = 0 as
 * a signature on every message under the identity public key, and noble's (cofactored) may
 * disagree on other small-order or mixed-order inputs. Keys that decode to small-order points, or
 * that are non-canonical encodings, are therefore refused before they can become identities.
 *
 * @module
 */
import { ed25519 } from '@noble/curves/ed25519.js';

/**
 * True when `publicKey` decodes strictly (no non-canonical y) to a point of large order.
 * @param publicKey 32 bytes
 * @returns false for malformed, non-canonical or small-order keys
 */
export function isStrongEd25519PublicKey(publicKey: Uint8Array): boolean {
  try {
    return !ed25519.Point.fromBytes(publicKey, false).isSmallOrder();
  } catch {
    return false;
  }
}
