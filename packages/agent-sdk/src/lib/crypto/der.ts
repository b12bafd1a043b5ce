/**
 * The fixed DER prefixes of RFC 8410 keys: for a 32-byte Ed25519 / X25519 key, PKCS#8 and SPKI
 * encodings are a constant prefix followed by the raw key, so wrapping and unwrapping is a
 * concatenation. The one place in the repository that spells these bytes.
 *
 * @module
 */

/**
 * PKCS#8 OneAsymmetricKey v1 prefix for an Ed25519 private key (RFC 8410 §7): SEQUENCE {
 * INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING (32) } }. 16 bytes.
 */
export const ED25519_PKCS8_PREFIX: Uint8Array = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

/** The same for X25519 (OID 1.3.101.110), RFC 8410 §7. 16 bytes. */
export const X25519_PKCS8_PREFIX: Uint8Array = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
]);

/**
 * SubjectPublicKeyInfo prefix for an Ed25519 public key (RFC 8410 §4): SEQUENCE { SEQUENCE {
 * OID 1.3.101.112 }, BIT STRING (0 unused bits, 32 bytes) }. 12 bytes.
 */
export const ED25519_SPKI_PREFIX: Uint8Array = Uint8Array.from([
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
]);

/**
 * `prefix || key` as a new array (the DER encoding of a 32-byte RFC 8410 key).
 * @param prefix one of the prefixes above
 * @param key 32 raw key bytes
 * @returns prefix.length + 32 bytes (secret when `key` is)
 */
export function derWrap(prefix: Uint8Array, key: Uint8Array): Uint8Array {
  const out = new Uint8Array(prefix.length + key.length);
  out.set(prefix, 0);
  out.set(key, prefix.length);
  return out;
}

/**
 * The raw 32-byte key of `prefix || key`, or `null` when `der` is not exactly that shape.
 * @param prefix one of the prefixes above
 * @param der DER bytes
 * @returns a copy of the 32 key bytes, or `null`
 */
export function derUnwrap(prefix: Uint8Array, der: Uint8Array): Uint8Array | null {
  if (!(der instanceof Uint8Array) || der.length !== prefix.length + 32) return null;
  for (let i = 0; i < prefix.length; i++) if (der[i] !== prefix[i]) return null;
  return der.slice(prefix.length);
}
