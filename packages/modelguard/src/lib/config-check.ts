/**
 * Validation of `ModelGuardConfig` and `ModelMetadata` shared by the in-memory and streaming
 * APIs.
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import { type ModelGuardError, mgErr } from '../errors.js';
import type { ModelGuardConfig, ModelMetadata } from '../types.js';
import { isIntIn, isRecord, isShortString } from './json-checks.js';
import { DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE, MAX_MODEL_SIZE } from './limits.js';

/**
 * Checks the split parameters and fills in the default chunk size.
 * @returns `{ storageNodes, threshold, chunkSize }`, or `INVALID_CONFIG` naming the field
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
  return ok({ storageNodes: n, threshold: k, chunkSize });
}

/**
 * Checks caller metadata against the input length.
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
