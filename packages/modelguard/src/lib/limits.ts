/**
 * Size limits shared by the parsers and the config check. Every bound exists so that a hostile
 * manifest or node file cannot make us allocate without limit.
 *
 * @module
 */

/** Default chunk length: 4 MiB. */
export const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;
/** Largest chunk length in bytes (bounds memory per in-flight chunk). */
export const MAX_CHUNK_SIZE = 64 * 1024 * 1024;
/** Largest model length in bytes: exact integer arithmetic in a JS number. */
export const MAX_MODEL_SIZE = Number.MAX_SAFE_INTEGER;
/** Largest number of chunks a manifest may list. */
export const MAX_CHUNKS = 16 * 1024 * 1024;
/** Largest manifest text accepted by the parser, in bytes. */
export const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;
/** Largest safetensors JSON header we record (longer headers: the file is treated as raw). */
export const MAX_SAFETENSORS_HEADER = 16 * 1024 * 1024;
/** IDA5 product type of modelguard chunk shares (docs/formats.md, product types). */
export const PRODUCT_TYPE_MODELGUARD = 0x0010;
/** Longest tensor name recorded from a safetensors header, in UTF-16 code units. */
export const MAX_TENSOR_NAME = 1024;
