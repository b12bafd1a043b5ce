/**
 * Input checks of `guardFile` that need no file: the node list and the TF.js weights manifest.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { ok, type Result } from 'xorida';
import { type ModelGuardError, mgErr } from '../errors.js';
import { checkTfjsWeightsManifest } from '../lib/tfjs.js';
import type { StorageNode } from '../storage-node.js';

/** Whether `x` has the four `StorageNode` methods. */
export function isStorageNode(x: unknown): x is StorageNode {
  const o = x as Record<string, unknown>;
  return (
    typeof o === 'object' &&
    o !== null &&
    ['put', 'get', 'list', 'delete'].every((f) => typeof o[f] === 'function')
  );
}

/**
 * Loads and checks a TF.js weights manifest.
 * @param value the parsed JSON (an array of weight groups, or a whole model.json), or a path
 * @returns the weights manifest, or `FILE_FAILED` / `INVALID_CONFIG` (field `tfjsWeightsManifest`)
 */
export async function loadTfjs(value: unknown): Promise<Result<unknown, ModelGuardError>> {
  let json = value;
  if (typeof value === 'string') {
    try {
      const text = await readFile(value, 'utf8');
      json = JSON.parse(text);
    } catch (e) {
      return mgErr(
        'FILE_FAILED',
        `cannot read TF.js weights manifest ${value}: ${(e as Error).message}`,
        'Pass the path of a *-weights_manifest.json file.',
        { field: 'tfjsWeightsManifest' },
      );
    }
  }
  if (json && typeof json === 'object' && !Array.isArray(json) && 'weightsManifest' in json)
    json = (json as { weightsManifest: unknown }).weightsManifest; // a whole model.json
  const problem = checkTfjsWeightsManifest(json);
  if (problem)
    return mgErr(
      'INVALID_CONFIG',
      `TF.js weights manifest: ${problem}`,
      'Pass the weights manifest JSON of the model.',
      { field: 'tfjsWeightsManifest' },
    );
  return ok(json);
}
