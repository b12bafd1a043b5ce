/**
 * The text form of the Ed25519 signatures in xghost manifests and leases: strict, unpadded
 * base64url (RFC 4648 section 5) of 64 bytes, decoded with the platform codec.
 *
 * @module
 */
import { base64urlDecode } from '@xorida/agent-sdk/crypto';

/**
 * Decodes a 64-byte signature from base64url text.
 * @param s - the `signature` field as found in a manifest or lease
 * @returns the 64 signature bytes, or an empty array (which never verifies) for anything else
 */
export const fromB64u = (s: string): Uint8Array => base64urlDecode(s, 64) ?? new Uint8Array(0);
