/**
 * The manifest fields of version 3 (docs/formats.md "Manifest"): `mode`, and in compact mode
 * the content key split. Kept apart from manifest.ts, which checks everything else.
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import { type ModelGuardError, mgErr } from '../errors.js';
import type { ModelManifest } from '../types.js';
import type { BlobShape } from './chunk-plan.js';
import { isHex, isRecord, unknownKey } from './json-checks.js';

function bad(field: string, message: string): Result<never, ModelGuardError> {
  return mgErr(
    'MANIFEST_INVALID',
    `manifest ${field}: ${message}`,
    'Use the manifest written by guardModel/guardFile, unmodified.',
    { field },
  );
}

/**
 * The version 3 to 5 fields: `mode` is required there (and absent in version 2); `contentKey` is
 * present exactly in compact mode, with n key share digests and a groupId no chunk uses.
 * @param value the manifest object (format and version already checked)
 * @param n storageNodes
 * @param groups the chunks' group ids
 * @param versionWithoutMode the version that has no `mode` (2)
 * @returns ok, or `MANIFEST_INVALID` naming the field
 */
export function checkMode(
  value: Record<string, unknown>,
  n: number,
  groups: ReadonlySet<string>,
  versionWithoutMode: number,
): Result<void, ModelGuardError> {
  if (value.version === versionWithoutMode) {
    if (value.mode !== undefined) return bad('mode', 'is only allowed in versions 3 to 5');
    if (value.contentKey !== undefined)
      return bad('contentKey', 'is only allowed in versions 3 to 5');
    return ok(undefined);
  }
  if (value.mode !== 'ideal' && value.mode !== 'compact')
    return bad('mode', 'must be "ideal" or "compact"');
  const ck = value.contentKey;
  if (value.mode === 'ideal')
    return ck === undefined ? ok(undefined) : bad('contentKey', 'is only allowed in compact mode');
  if (!isRecord(ck) || unknownKey(ck, ['groupId', 'shareDigests']))
    return bad('contentKey', 'must be { groupId, shareDigests }');
  if (!isHex(ck.groupId, 32)) return bad('contentKey.groupId', 'must be 32 lower-case hex chars');
  if (groups.has(ck.groupId)) return bad('contentKey.groupId', 'repeats a chunk groupId');
  const sd = ck.shareDigests;
  if (!Array.isArray(sd) || sd.length !== n || !sd.every((d) => isHex(d, 64)))
    return bad(
      'contentKey.shareDigests',
      `must be ${n} (storageNodes) strings of 64 lower-case hex chars`,
    );
  return ok(undefined);
}

/**
 * How a checked manifest stores its chunks: `mode` in version 3, `ideal` in version 2.
 * @param manifest a checked manifest
 */
export function manifestMode(manifest: ModelManifest): 'ideal' | 'compact' {
  return manifest.mode ?? 'ideal';
}

/**
 * The node blob layout parameters of a checked manifest.
 * @param manifest a checked manifest
 * @returns `{ n, k, mode }`
 */
export function blobShape(manifest: ModelManifest): BlobShape {
  return {
    n: manifest.config.storageNodes,
    k: manifest.config.threshold,
    mode: manifestMode(manifest),
  };
}
