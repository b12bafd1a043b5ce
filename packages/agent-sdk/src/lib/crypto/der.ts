/**
 * The fixed DER prefixes of RFC 8410 keys and of seed-only ML-KEM-768 / ML-DSA-65 keys: PKCS#8
 * and SPKI encodings of fixed-length keys are a constant prefix followed by the raw key, so
 * wrapping and unwrapping is a concatenation. The one place in the repository that spells these
 * bytes.
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
 * PKCS#8 prefix of a seed-only ML-KEM-768 private key (draft-ietf-lamps-kyber-certificates,
 * OID 2.16.840.1.101.3.4.4.2, private key CHOICE `seed [0]`): followed by the 64-byte FIPS 203
 * key-generation seed `d || z`. 22 bytes.
 */
export const ML_KEM_768_PKCS8_SEED_PREFIX: Uint8Array = Uint8Array.from([
  0x30, 0x54, 0x02, 0x01, 0x00, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04,
  0x04, 0x02, 0x04, 0x42, 0x80, 0x40,
]);

/** SubjectPublicKeyInfo prefix of a 1184-byte ML-KEM-768 encapsulation key (same draft). 22 bytes. */
export const ML_KEM_768_SPKI_PREFIX: Uint8Array = Uint8Array.from([
  0x30, 0x82, 0x04, 0xb2, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x04,
  0x02, 0x03, 0x82, 0x04, 0xa1, 0x00,
]);

/**
 * PKCS#8 prefix of a seed-only ML-DSA-65 private key (draft-ietf-lamps-dilithium-certificates,
 * OID 2.16.840.1.101.3.4.3.18, private key CHOICE `seed [0]`): followed by the 32-byte FIPS 204
 * key-generation seed. 22 bytes.
 */
export const ML_DSA_65_PKCS8_SEED_PREFIX: Uint8Array = Uint8Array.from([
  0x30, 0x34, 0x02, 0x01, 0x00, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04,
  0x03, 0x12, 0x04, 0x22, 0x80, 0x20,
]);

/** SubjectPublicKeyInfo prefix of a 1952-byte ML-DSA-65 public key (same draft). 22 bytes. */
export const ML_DSA_65_SPKI_PREFIX: Uint8Array = Uint8Array.from([
  0x30, 0x82, 0x07, 0xb2, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03,
  0x12, 0x03, 0x82, 0x07, 0xa1, 0x00,
]);

/**
 * `prefix || key` as a new array (the DER encoding of a 32-byte RFC 8410 key).
 * @param prefix one of the prefixes above
 * @param key the raw key bytes (32 for RFC 8410 keys, the seed or public key otherwise)
 * @returns prefix.length + key.length bytes (secret when `key` is)
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
