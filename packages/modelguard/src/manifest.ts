/**
 * The manifest: strict checking and parsing, serialisation, and the owner's Ed25519 signature
 * (format and signing bytes in docs/formats.md, "modelguard").
 *
 * Pitfalls:
 * - The manifest is what every integrity check trusts. Keep it apart from the storage nodes,
 *   or sign it and verify against a public key you obtained out of band: a signature checked
 *   only against the key inside the manifest proves nothing.
 * - Parsing is strict (unknown keys at every level, wrong types, inconsistent offsets, a
 *   `metadata.format` that disagrees with the sections present -> MANIFEST_INVALID) so that a
 *   hostile manifest cannot steer allocation or offsets. `guardModel`/`guardFile` run the same
 *   metadata rules on their input (`metadataProblem`), so they never write a manifest that
 *   this parser rejects.
 *
 * @module
 */
import { didFromEd25519PublicKey, parseDidKey } from '@xorida/agent-sdk';
import { backend, canonicalJson } from '@xorida/agent-sdk/crypto';
import { bytesToHex, hexToBytes, ok, type Result } from 'xorida';
import { type ModelGuardError, mgErr } from './errors.js';
import { isHex, isIntIn, isRecord, isShortString, unknownKey } from './lib/json-checks.js';
import {
  MAX_CHUNK_SIZE,
  MAX_CHUNKS,
  MAX_MANIFEST_BYTES,
  MAX_MODEL_SIZE,
  MAX_SAFETENSORS_HEADER,
} from './lib/limits.js';
import { metadataProblem } from './lib/manifest-metadata.js';
import { checkMode } from './lib/manifest-mode.js';
import { tagListMatches } from './lib/tag-list.js';
import type { ModelManifest } from './types.js';

export { metadataProblem };

/** The `format` value of every manifest. */
export const MANIFEST_FORMAT = 'xorida-modelguard-manifest';
/** The manifest version ideal mode writes (read too). */
export const MANIFEST_VERSION = 2;
/** Manifest version 3: records `mode` (read, with either mode; no longer written). */
export const MANIFEST_VERSION_MODE = 3;
/**
 * Manifest version 4, what both modes wrote before 5: `tagListHash` instead of `modelHash`, and no
 * per-share digests in compact mode (docs/formats.md "Manifest version 4").
 */
export const MANIFEST_VERSION_TAGS = 4;
/**
 * Manifest version 5, what both modes write: as version 4, but ideal mode records keyed share
 * tags (`shareTags`, 64 hex) under a `shareTagKey` instead of SHA-256 share digests
 * (docs/formats.md "Manifest version 5").
 */
export const MANIFEST_VERSION_SHARE_TAGS = 5;
const SIGNING_DOMAIN = 'xorida/modelguard/manifest/v1\n';

const TOP_KEYS = [
  'format',
  'version',
  'id',
  'createdAt',
  'metadata',
  'config',
  'modelSize',
  'modelHash',
  'tagListHash',
  'totalChunks',
  'chunks',
  'signature',
  'mode',
  'contentKey',
  'shareTagKey',
] as const;

function bad(field: string, message: string): Result<never, ModelGuardError> {
  return mgErr(
    'MANIFEST_INVALID',
    `manifest ${field}: ${message}`,
    'Use the manifest written by guardModel/guardFile, unmodified.',
    {
      field,
    },
  );
}

function checkMetadata(m: unknown, modelSize: number): Result<void, ModelGuardError> {
  const p = metadataProblem(m, modelSize);
  return p ? bad(p.field, p.message) : ok(undefined);
}

/**
 * Checks that a value is a well-formed manifest (types, bounds, contiguous chunk offsets that
 * sum to `modelSize`, distinct group ids). Does not check the signature.
 * @param value a parsed manifest object
 * @returns the same value typed as `ModelManifest`, or `MANIFEST_INVALID` naming the field
 */
export function checkManifest(value: unknown): Result<ModelManifest, ModelGuardError> {
  if (!isRecord(value)) return bad('(root)', 'must be an object');
  const extra = unknownKey(value, TOP_KEYS);
  if (extra) return bad(extra, 'unknown key');
  if (value.format !== MANIFEST_FORMAT) return bad('format', `must be "${MANIFEST_FORMAT}"`);
  if (value.version === 1)
    return bad(
      'version',
      'version 1 (no per-share digests) is no longer read: restore with the release that wrote it, then split again',
    );
  if (
    value.version !== MANIFEST_VERSION &&
    value.version !== MANIFEST_VERSION_MODE &&
    value.version !== MANIFEST_VERSION_TAGS &&
    value.version !== MANIFEST_VERSION_SHARE_TAGS
  )
    return bad('version', `unsupported version ${String(value.version)}`);
  const v5 = value.version === MANIFEST_VERSION_SHARE_TAGS;
  const v4 = value.version === MANIFEST_VERSION_TAGS || v5;
  if (!isHex(value.id, 32)) return bad('id', 'must be 32 lower-case hex chars');
  if (!isShortString(value.createdAt, 64)) return bad('createdAt', 'must be a short string');
  const size = value.modelSize;
  if (!isIntIn(size, 0, MAX_MODEL_SIZE)) return bad('modelSize', 'must be an integer >= 0');
  const digestField = v4 ? 'tagListHash' : 'modelHash';
  if (!isHex(value[digestField], 64)) return bad(digestField, 'must be 64 lower-case hex chars');
  if (value[v4 ? 'modelHash' : 'tagListHash'] !== undefined)
    return bad(v4 ? 'modelHash' : 'tagListHash', `is not allowed in version ${value.version}`);
  // Version 4 compact mode records GMAC share tags instead of SHA-256 share digests.
  if (v4 && value.mode !== 'ideal' && value.mode !== 'compact')
    return bad('mode', 'must be "ideal" or "compact"');
  // Version 5 ideal mode: keyed share tags (ideal-share-tag.ts) under `shareTagKey`.
  const idealTags = v5 && value.mode === 'ideal';
  if (idealTags ? !isHex(value.shareTagKey, 64) : value.shareTagKey !== undefined)
    return bad(
      'shareTagKey',
      idealTags ? 'must be 64 lower-case hex chars' : 'is only allowed in version 5 ideal mode',
    );
  const withTags = v4 && (value.mode === 'compact' || idealTags);
  const shareField = withTags ? 'shareTags' : 'shareDigests';
  const shareHex = withTags && !idealTags ? 32 : 64;
  const c = value.config;
  if (!isRecord(c) || unknownKey(c, ['storageNodes', 'threshold', 'chunkSize']))
    return bad('config', 'must be { storageNodes, threshold, chunkSize }');
  if (!isIntIn(c.storageNodes, 2, 255)) return bad('config.storageNodes', 'must be 2..255');
  if (!isIntIn(c.threshold, 2, c.storageNodes))
    return bad('config.threshold', 'must be 2..storageNodes');
  if (!isIntIn(c.chunkSize, 1, MAX_CHUNK_SIZE))
    return bad('config.chunkSize', `must be 1..${MAX_CHUNK_SIZE}`);
  const meta = checkMetadata(value.metadata, size);
  if (!meta.ok) return meta;
  const chunks = value.chunks;
  if (!Array.isArray(chunks) || chunks.length > MAX_CHUNKS)
    return bad('chunks', 'must be an array');
  if (value.totalChunks !== chunks.length) return bad('totalChunks', 'must equal chunks.length');
  const maxLength = Math.max(c.chunkSize, 8 + MAX_SAFETENSORS_HEADER);
  const groups = new Set<string>();
  let offset = 0;
  for (let i = 0; i < chunks.length; i++) {
    const ch = chunks[i];
    const f = `chunks[${i}]`;
    if (
      !isRecord(ch) ||
      unknownKey(ch, ['index', 'offset', 'length', 'groupId', 'tag', shareField])
    )
      return bad(f, `must be { index, offset, length, groupId, tag, ${shareField} }`);
    if (ch.index !== i) return bad(`${f}.index`, `must be ${i}`);
    if (ch.offset !== offset)
      return bad(`${f}.offset`, `must be ${offset} (chunks are contiguous)`);
    if (!isIntIn(ch.length, 1, maxLength)) return bad(`${f}.length`, `must be 1..${maxLength}`);
    if (!isHex(ch.groupId, 32)) return bad(`${f}.groupId`, 'must be 32 lower-case hex chars');
    if (groups.has(ch.groupId)) return bad(`${f}.groupId`, 'repeats an earlier chunk');
    groups.add(ch.groupId);
    if (!isHex(ch.tag, 64)) return bad(`${f}.tag`, 'must be 64 lower-case hex chars');
    const sd = ch[shareField];
    if (!Array.isArray(sd) || sd.length !== c.storageNodes || !sd.every((d) => isHex(d, shareHex)))
      return bad(
        `${f}.${shareField}`,
        `must be ${c.storageNodes} (storageNodes) strings of ${shareHex} lower-case hex chars`,
      );
    offset += ch.length;
    if (offset > size) return bad(`${f}.length`, 'chunks run past modelSize');
  }
  if (offset !== size) return bad('chunks', `cover ${offset} bytes, modelSize is ${size}`);
  const mode = checkMode(value, c.storageNodes, groups, MANIFEST_VERSION);
  if (!mode.ok) return mode;
  if (v4 && !tagListMatches(value as unknown as ModelManifest))
    return bad('tagListHash', 'does not match the chunk tags');
  if (value.signature !== undefined) {
    const s = value.signature;
    if (
      !isRecord(s) ||
      unknownKey(s, ['alg', 'publicKey', 'value']) ||
      s.alg !== 'Ed25519' ||
      !isHex(s.publicKey, 64) ||
      !isHex(s.value, 128)
    )
      return bad('signature', 'must be { alg: "Ed25519", publicKey: hex64, value: hex128 }');
  }
  return ok(value as unknown as ModelManifest);
}

/**
 * Parses manifest JSON strictly.
 * @param text the manifest as text or UTF-8 bytes, at most 256 MiB
 * @returns the manifest, or `MANIFEST_INVALID` (not a string or bytes, e.g. null, undefined, an
 *   array or a number; bad JSON; oversize; or any `checkManifest` error)
 */
export function parseManifest(text: string | Uint8Array): Result<ModelManifest, ModelGuardError> {
  // JavaScript callers can pass anything; a TypeError would escape the Result contract.
  if (typeof text !== 'string' && !((text as unknown) instanceof Uint8Array))
    return bad('(root)', 'must be manifest JSON text or its UTF-8 bytes');
  if (text.length > MAX_MANIFEST_BYTES) return bad('(root)', 'larger than 256 MiB');
  let json: unknown;
  try {
    json = JSON.parse(
      typeof text === 'string' ? text : new TextDecoder('utf-8', { fatal: true }).decode(text),
    );
  } catch (e) {
    return bad('(root)', `not valid JSON (${(e as Error).message})`);
  }
  return checkManifest(json);
}

/**
 * Serialises a manifest as pretty-printed JSON (what `parseManifest` reads back).
 * @returns JSON text ending in a newline
 */
export function serializeManifest(manifest: ModelManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/**
 * The bytes an owner signs: `"xorida/modelguard/manifest/v1\n"` followed by the canonical JSON
 * (sorted keys, no whitespace) of the manifest without its `signature` member.
 * @returns UTF-8 bytes
 */
export function manifestSigningBytes(manifest: ModelManifest): Uint8Array {
  const { signature: _omit, ...unsigned } = manifest;
  return new TextEncoder().encode(SIGNING_DOMAIN + canonicalJson(unsigned));
}

/**
 * Signs a manifest with the owner's Ed25519 key (RFC 8032, through `@xorida/agent-sdk/crypto`).
 * The manifest records the raw public key (docs/formats.md); its did:key is
 * {@link manifestSignerDid}.
 * @param manifest a manifest (any existing signature is replaced)
 * @param seed the 32-byte Ed25519 private key seed (an agent-sdk identity's `secrets.ed25519`)
 * @returns the manifest with `signature`, or `INVALID_CONFIG` (field `seed`) when the seed is
 *   not 32 bytes
 */
export async function signManifest(
  manifest: ModelManifest,
  seed: Uint8Array,
): Promise<Result<ModelManifest, ModelGuardError>> {
  if (!(seed instanceof Uint8Array) || seed.length !== 32)
    return mgErr('INVALID_CONFIG', 'signing seed must be 32 bytes', 'Pass a raw Ed25519 seed.', {
      field: 'seed',
    });
  try {
    const { signature: _omit, ...unsigned } = manifest;
    const signer = backend.ed25519Signer(seed);
    const publicKey = signer.publicKey;
    const value = signer.sign(manifestSigningBytes(unsigned));
    return ok({
      ...unsigned,
      signature: { alg: 'Ed25519', publicKey: bytesToHex(publicKey), value: bytesToHex(value) },
    });
  } catch (e) {
    return mgErr(
      'INVALID_CONFIG',
      `Ed25519 signing failed: ${(e as Error).message}`,
      'Pass a raw 32-byte Ed25519 seed.',
      { field: 'seed' },
    );
  }
}

/**
 * The did:key (Ed25519, multicodec 0xed) of the key that signed a manifest.
 * @param manifest a checked manifest
 * @returns `did:key:z6Mk…`, or `undefined` when the manifest is unsigned
 */
export function manifestSignerDid(manifest: ModelManifest): string | undefined {
  const s = manifest.signature;
  return s ? didFromEd25519PublicKey(hexToBytes(s.publicKey)) : undefined;
}

/** A trusted signer: its did:key, or its raw 32-byte Ed25519 public key. */
export type TrustedKey = string | Uint8Array;

/**
 * Verifies the manifest's signature against a key the caller trusts.
 * @param manifest a checked manifest
 * @param trusted the signer's did:key, or its raw 32-byte Ed25519 public key, obtained out of
 *   band
 * @returns ok, `INVALID_CONFIG` (field `trustedPublicKey`) for a malformed key, or
 *   `INTEGRITY_FAILED` with sub-code `UNSIGNED`, `UNTRUSTED_KEY` or `SIGNATURE_INVALID`
 */
export async function verifyManifest(
  manifest: ModelManifest,
  trusted: TrustedKey,
): Promise<Result<void, ModelGuardError>> {
  const hint =
    'The manifest was modified or signed by someone else; fetch it again from the owner.';
  const s = manifest.signature;
  if (!s) return mgErr('INTEGRITY_FAILED', 'manifest is not signed', hint, { subCode: 'UNSIGNED' });
  let trustedPublicKey: unknown = trusted;
  if (typeof trusted === 'string') {
    const did = parseDidKey(trusted);
    if (!did.ok)
      return mgErr('INVALID_CONFIG', `trusted key: ${did.error.message}`, 'Pass a did:key.', {
        field: 'trustedPublicKey',
      });
    trustedPublicKey = did.value;
  }
  if (!(trustedPublicKey instanceof Uint8Array) || trustedPublicKey.length !== 32)
    return mgErr(
      'INVALID_CONFIG',
      'trusted public key must be 32 bytes',
      'Pass the raw Ed25519 public key.',
      { field: 'trustedPublicKey' },
    );
  if (bytesToHex(trustedPublicKey) !== s.publicKey)
    return mgErr('INTEGRITY_FAILED', 'manifest is signed by an untrusted key', hint, {
      subCode: 'UNTRUSTED_KEY',
    });
  const valid = backend.ed25519Verify(
    trustedPublicKey,
    manifestSigningBytes(manifest),
    hexToBytes(s.value),
  );
  return valid
    ? ok(undefined)
    : mgErr('INTEGRITY_FAILED', 'manifest signature does not verify', hint, {
        subCode: 'SIGNATURE_INVALID',
      });
}
