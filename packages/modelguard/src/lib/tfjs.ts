/**
 * Checking a TF.js weights manifest (the `weightsManifest` array of model.json, or a
 * `*-weights_manifest.json` file): an array of groups `{ paths: string[], weights: [{ name,
 * shape, dtype, quantization? }] }` (https://www.tensorflow.org/js/guide/save_load).
 *
 * Pitfall: the JSON goes into the manifest verbatim, so it is size-bounded and shape-checked
 * here rather than trusted.
 *
 * @module
 */
import { isIntIn, isRecord } from './json-checks.js';

/** Largest TF.js weights manifest accepted, in bytes of JSON. */
export const MAX_TFJS_MANIFEST_BYTES = 4 * 1024 * 1024;

/**
 * Checks a parsed TF.js weights manifest.
 * @returns undefined when well-formed, else a message naming the problem
 */
export function checkTfjsWeightsManifest(value: unknown): string | undefined {
  if (!Array.isArray(value)) return 'weights manifest must be an array of groups';
  if (JSON.stringify(value).length > MAX_TFJS_MANIFEST_BYTES)
    return 'weights manifest is larger than 4 MiB';
  for (let g = 0; g < value.length; g++) {
    const group = value[g];
    if (!isRecord(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights))
      return `group ${g} must have paths[] and weights[]`;
    if (!group.paths.every((p) => typeof p === 'string'))
      return `group ${g}: paths must be strings`;
    for (const w of group.weights) {
      if (
        !isRecord(w) ||
        typeof w.name !== 'string' ||
        typeof w.dtype !== 'string' ||
        !Array.isArray(w.shape) ||
        !w.shape.every((d) => isIntIn(d, 0, Number.MAX_SAFE_INTEGER))
      )
        return `group ${g}: each weight needs name, dtype and an integer shape`;
    }
  }
  return undefined;
}
