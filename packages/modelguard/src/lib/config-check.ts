/**
 * Validation of `ModelGuardConfig` and `ModelMetadata` shared by the in-memory and streaming
 * APIs.
 *
 * @module
 */
import { choosePrime, MAX_RAMP_WORK, ok, type Result } from 'xorida';
import { type ModelGuardError, mgErr } from '../errors.js';
import { metadataProblem } from '../manifest.js';
import type { ModelGuardConfig, ModelMetadata } from '../types.js';
import { isIntIn, isRecord, isShortString, unknownKey } from './json-checks.js';
import { DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE, MAX_MODEL_SIZE } from './limits.js';
import { META_KEYS } from './manifest-metadata.js';

/**
 * Checks the split parameters and fills in the defaults (chunk size 4 MiB, mode `ideal`).
 * @returns `{ storageNodes, threshold, chunkSize, mode }`, or `INVALID_CONFIG` naming the field
 *   (`mode` not ideal/compact, or compact with `k * k * (p-1)^2` over xorida's
 *   `MAX_RAMP_WORK`, e.g. k > 16 at n = 255)
 */
export function checkConfig(
  config: ModelGuardConfig,
): Result<Required<ModelGuardConfig>, ModelGuardError> {
  const bad = (field: string, message: string, hint: string) =>
    mgErr('INVALID_CONFIG', message, hint, { field });
  if (!isRecord(config))
    return bad('config', 'config must be an object', 'Pass { storageNodes, threshold }.');
  const n = config.storageNodes;
  const k = config.threshold;
  const chunkSize = config.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!isIntIn(n, 2, 255))
    return bad(
      'storageNodes',
      `storageNodes must be an integer in 2..255, got ${String(n)}`,
      'Use at least 2 nodes.',
    );
  if (!isIntIn(k, 2, n))
    return bad(
      'threshold',
      `threshold must be an integer in 2..storageNodes (${n}), got ${String(k)}`,
      'k = 1 would put the model on every node; k > n could never be recovered.',
    );
  if (!isIntIn(chunkSize, 1, MAX_CHUNK_SIZE))
    return bad(
      'chunkSize',
      `chunkSize must be an integer in 1..${MAX_CHUNK_SIZE} bytes, got ${String(chunkSize)}`,
      'The default 4 MiB suits most models.',
    );
  const mode = config.mode ?? 'ideal';
  if (mode !== 'ideal' && mode !== 'compact')
    return bad(
      'mode',
      `mode must be "ideal" or "compact", got ${String(mode)}`,
      'Omit it for ideal.',
    );
  const p1 = choosePrime(n) - 1;
  if (mode === 'compact' && k * k * p1 * p1 > MAX_RAMP_WORK)
    return bad(
      'threshold',
      `compact mode supports k * k * (p-1)^2 <= 2^24; (k, n) = (${k}, ${n}) exceeds it`,
      'Use a smaller threshold or fewer nodes, or ideal mode.',
    );
  return ok({ storageNodes: n, threshold: k, chunkSize, mode });
}

/**
 * Checks caller metadata against the input length, before the input is read: the basic fields
 * and no keys the manifest does not know.
 * @param metadata the caller's metadata
 * @param size input length in bytes
 * @returns ok, or `INVALID_CONFIG` with field `metadata.*`
 */
export function checkMetadataInput(
  metadata: ModelMetadata,
  size: number,
): Result<void, ModelGuardError> {
  const bad = (field: string, message: string) =>
    mgErr(
      'INVALID_CONFIG',
      message,
      'Pass { name, version, architecture, parameterCount, modelSize }.',
      {
        field: `metadata.${field}`,
      },
    );
  if (!isRecord(metadata)) return bad('(root)', 'metadata must be an object');
  const extra = unknownKey(metadata, META_KEYS);
  if (extra !== undefined) return bad(extra, `unknown metadata key ${JSON.stringify(extra)}`);
  for (const f of ['name', 'version', 'architecture'] as const)
    if (!isShortString(metadata[f], 1024))
      return bad(f, `${f} must be a string of at most 1024 chars`);
  if (!isIntIn(metadata.parameterCount, 0, MAX_MODEL_SIZE))
    return bad('parameterCount', 'parameterCount must be a non-negative integer');
  if (metadata.modelSize !== size)
    return bad(
      'modelSize',
      `modelSize is ${String(metadata.modelSize)}, the input has ${size} bytes`,
    );
  return ok(undefined);
}

/**
 * Checks the metadata that will go into the manifest (the caller's, completed by input
 * detection) with the manifest parser's own rules, so that guardModel/guardFile never write a
 * manifest that `parseManifest` rejects.
 * @param caller the metadata the caller passed
 * @param described the metadata after detection (`describeInput`)
 * @param detectedSafetensors whether the input was recognised as safetensors
 * @param size input length in bytes
 * @returns ok, or `INVALID_CONFIG` naming the field (`metadata.*`)
 */
export function checkFinalMetadata(
  caller: ModelMetadata,
  described: ModelMetadata,
  detectedSafetensors: boolean,
  size: number,
): Result<void, ModelGuardError> {
  if (!detectedSafetensors && caller.safetensors !== undefined)
    return mgErr(
      'INVALID_CONFIG',
      'metadata.safetensors is derived from a safetensors input, and this input is not one',
      'Leave metadata.safetensors out; it is filled in when the input is safetensors.',
      { field: 'metadata.safetensors' },
    );
  const p = metadataProblem(described, size);
  return p
    ? mgErr('INVALID_CONFIG', `${p.field} ${p.message}`, 'Fix the metadata you pass.', {
        field: p.field,
      })
    : ok(undefined);
}
