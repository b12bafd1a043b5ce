/**
 * The metadata rules of the manifest (docs/formats.md "Manifest"), kept apart from
 * manifest.ts, which checks everything else.
 *
 * @module
 */
import { isIntIn, isRecord, isShortString, unknownKey } from './json-checks.js';
import { MAX_MODEL_SIZE, MAX_SAFETENSORS_HEADER, MAX_TENSOR_NAME } from './limits.js';
import { checkTfjsWeightsManifest } from './tfjs.js';

/** The keys `metadata` may have (shared with the guard input checks, config-check.ts). */
export const META_KEYS = [
  'name',
  'version',
  'architecture',
  'parameterCount',
  'modelSize',
  'format',
  'safetensors',
  'tfjs',
];

/**
 * The metadata rules of the manifest (docs/formats.md "Manifest"), shared with the input checks
 * of `guardModel`/`guardFile` so that they never write a manifest the parser rejects.
 * @param m the `metadata` value
 * @param modelSize the model length in bytes (`metadata.modelSize` must equal it)
 * @returns undefined when valid, else `{ field, message }` with `field` relative to the
 *   manifest root (`metadata.*`)
 */
export function metadataProblem(
  m: unknown,
  modelSize: number,
): { field: string; message: string } | undefined {
  const bad = (field: string, message: string) => ({ field, message });
  if (!isRecord(m)) return bad('metadata', 'must be an object');
  const extra = unknownKey(m, META_KEYS);
  if (extra) return bad(`metadata.${extra}`, 'unknown key');
  for (const f of ['name', 'version', 'architecture'])
    if (!isShortString(m[f], 1024))
      return bad(`metadata.${f}`, 'must be a string of at most 1024 chars');
  if (!isIntIn(m.parameterCount, 0, MAX_MODEL_SIZE))
    return bad('metadata.parameterCount', 'must be a non-negative integer');
  if (m.modelSize !== modelSize) return bad('metadata.modelSize', 'must equal modelSize');
  if (m.format !== undefined && !['raw', 'safetensors', 'tfjs'].includes(m.format as string))
    return bad('metadata.format', 'must be raw, safetensors or tfjs');
  if (m.safetensors !== undefined) {
    const s = m.safetensors;
    if (
      !isRecord(s) ||
      unknownKey(s, ['headerLength', 'tensors', 'metadata']) !== undefined ||
      !isIntIn(s.headerLength, 2, MAX_SAFETENSORS_HEADER) ||
      !Array.isArray(s.tensors)
    )
      return bad('metadata.safetensors', 'must be { headerLength, tensors[], metadata? }');
    if (8 + s.headerLength > modelSize)
      return bad('metadata.safetensors.headerLength', 'runs past modelSize');
    const dataSize = modelSize - 8 - s.headerLength;
    for (let i = 0; i < s.tensors.length; i++) {
      const t = s.tensors[i];
      const f = `metadata.safetensors.tensors[${i}]`;
      if (
        !isRecord(t) ||
        unknownKey(t, ['name', 'dtype', 'shape', 'dataOffsets']) !== undefined ||
        typeof t.name !== 'string' ||
        !isShortString(t.dtype, 16) ||
        !Array.isArray(t.shape) ||
        !t.shape.every((d) => isIntIn(d, 0, MAX_MODEL_SIZE)) ||
        !Array.isArray(t.dataOffsets) ||
        t.dataOffsets.length !== 2 ||
        !t.dataOffsets.every((d) => isIntIn(d, 0, MAX_MODEL_SIZE))
      )
        return bad(
          f,
          'must be { name, dtype (<= 16 chars), shape: int[], dataOffsets: [int, int] }',
        );
      if (t.name.length > MAX_TENSOR_NAME)
        return bad(`${f}.name`, `must be at most ${MAX_TENSOR_NAME} chars`);
      const [begin, end] = t.dataOffsets as [number, number];
      if (begin > end || end > dataSize)
        return bad(`${f}.dataOffsets`, `must satisfy begin <= end <= ${dataSize} (data section)`);
    }
    if (s.metadata !== undefined) {
      const md = s.metadata;
      if (!isRecord(md) || !Object.values(md).every((v) => typeof v === 'string'))
        return bad('metadata.safetensors.metadata', 'must be an object of strings');
    }
  }
  if (m.tfjs !== undefined) {
    if (!isRecord(m.tfjs) || unknownKey(m.tfjs, ['weightsManifest']) !== undefined)
      return bad('metadata.tfjs', 'must be { weightsManifest: [...] }');
    const problem = checkTfjsWeightsManifest(m.tfjs.weightsManifest);
    if (problem) return bad('metadata.tfjs.weightsManifest', problem);
  }
  // `format` agrees with the sections present.
  const hasSt = m.safetensors !== undefined;
  const hasTf = m.tfjs !== undefined;
  if (hasSt && m.format !== 'safetensors')
    return bad('metadata.format', 'must be "safetensors" when metadata.safetensors is present');
  if (hasTf && m.format !== 'tfjs')
    return bad('metadata.format', 'must be "tfjs" when metadata.tfjs is present');
  if (m.format === 'safetensors' && !hasSt)
    return bad('metadata.safetensors', 'is required when format is "safetensors"');
  if (m.format === 'tfjs' && !hasTf)
    return bad('metadata.tfjs', 'is required when format is "tfjs"');
  return undefined;
}
