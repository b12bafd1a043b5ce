/**
 * Reading Ed25519 keys for the CLI. Manifest keys are did:key identities like the rest of the
 * platform (@xorida/agent-sdk); the manifest itself still records the raw 32-byte key
 * (docs/formats.md), so identities are converted here, at the edge.
 *
 * - Signing key file: an xlink keystore (`xlink init`, format `xlink-keystore/1`), an identity
 *   export (`exportIdentity`, type `xlink-identity`), a PKCS#8 PEM (`openssl genpkey -algorithm
 *   ed25519`) or a 64-hex-char seed.
 * - Trusted key: a did:key (`did:key:z6Mk…`, RFC 8032 key per the W3C did:key method), 64 hex
 *   chars, or a file holding one of those, an SPKI PEM (RFC 8410), a keystore or an identity
 *   export (its public did:key is used).
 *
 * Pitfalls:
 * - An empty or blank trusted key is an error, never "no key" (`--trusted-key "$UNSET"` would
 *   otherwise restore an unsigned manifest).
 * - Seeds are secrets; they are read into memory only to sign and wiped afterwards by
 *   the caller. Never pass a seed on the command line (shell history); pass a file.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import {
  type AgentIdentity,
  importIdentityExport,
  parseDidKey,
  parsePKCS8,
} from '@xorida/agent-sdk';
import { derUnwrap, ED25519_SPKI_PREFIX } from '@xorida/agent-sdk/crypto';
import { KEYSTORE_FORMAT, loadKeystore } from '@xorida/agent-sdk/node';
import { hexToBytes } from 'xorida';

const HEX64 = /^[0-9a-fA-F]{64}$/;
// Key files are small; anything larger is not a key.
const MAX_KEY_FILE_CHARS = 8192;

function readKeyFile(path: string): string {
  const text = readFileSync(path, 'utf8');
  if (text.length > MAX_KEY_FILE_CHARS) throw new Error(`${path} is too large to be a key file`);
  return text.trim();
}

/** The identity in an xlink keystore or identity export, or `undefined` for other JSON. */
function identityIn(path: string, text: string): AgentIdentity | undefined {
  let json: { format?: unknown; type?: unknown };
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    throw new Error(`${path} is not valid JSON`);
  }
  if (json?.format === KEYSTORE_FORMAT) {
    const r = loadKeystore(path);
    if (!r.ok) throw new Error(r.error.message);
    return r.value.identity;
  }
  if (json?.type === 'xlink-identity') {
    const r = importIdentityExport(text);
    if (!r.ok) throw new Error(`${path}: ${r.error.message}`);
    return r.value;
  }
  return undefined;
}

/**
 * Loads a 32-byte Ed25519 seed from a file (see the module doc for the accepted forms).
 * @param path key file
 * @returns 32 bytes (secret)
 * @throws Error with a readable message when the file is not a usable key
 */
export function loadSigningSeed(path: string): Uint8Array {
  const text = readKeyFile(path);
  if (HEX64.test(text)) return hexToBytes(text.toLowerCase());
  if (text.startsWith('{')) {
    const id = identityIn(path, text);
    if (id) return id.secrets.ed25519.slice();
    throw new Error(`${path} is neither an xlink keystore nor an identity export`);
  }
  const key = parsePKCS8(text);
  if (!key.ok) throw new Error(`${path} is not an Ed25519 private key (${key.error.message})`);
  return key.value;
}

function didKeyBytes(did: string): Uint8Array {
  const r = parseDidKey(did);
  if (!r.ok) throw new Error(`not a usable Ed25519 did:key (${r.error.message})`);
  return r.value;
}

function spkiPemBytes(text: string): Uint8Array | null {
  const m = /^-----BEGIN PUBLIC KEY-----\s*([A-Za-z0-9+/=\s]{1,200})-----END PUBLIC KEY-----$/.exec(
    text,
  );
  if (!m) return null;
  return derUnwrap(ED25519_SPKI_PREFIX, new Uint8Array(Buffer.from(m[1]!, 'base64')));
}

/**
 * Loads a raw 32-byte Ed25519 public key from a did:key, hex text or a file (see module doc).
 * @param value a did:key, 64 hex chars, or the path of a key file
 * @returns the 32-byte public key the manifest must be signed by
 * @throws Error (the CLI reports it as `INVALID_CONFIG`) when the value is empty or blank
 *   (e.g. an unset shell variable: an empty key must never mean "no key"), or not an Ed25519
 *   public key
 */
export function loadPublicKey(value: string): Uint8Array {
  if (typeof value !== 'string' || value.trim() === '')
    throw new Error(
      'the trusted key is empty (an unset variable?); pass a did:key, 64 hex chars or a file',
    );
  const v = value.trim();
  if (v.startsWith('did:')) return didKeyBytes(v);
  const text = HEX64.test(v) ? v : readKeyFile(value);
  if (HEX64.test(text)) return hexToBytes(text.toLowerCase());
  if (text.startsWith('did:')) return didKeyBytes(text);
  if (text.startsWith('{')) {
    const id = identityIn(value, text);
    if (id === undefined) throw new Error('not an xlink keystore or identity export');
    return didKeyBytes(id.did);
  }
  const spki = spkiPemBytes(text);
  if (spki === null) throw new Error('not an Ed25519 public key');
  return spki;
}
