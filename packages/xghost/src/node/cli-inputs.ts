/**
 * Reading the files the `xghost` commands take (entry source, vendor key, manifest, shares, key
 * documents), each checked before a command writes anything. A missing or unusable input is a
 * usage error (exit 2) naming the flag, never a raw `ENOENT`.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { type AgentIdentity, importIdentityExport } from '@xorida/agent-sdk';
import { usageError } from '@xorida/agent-sdk/node';

/**
 * Reads an input file.
 * @param path the file
 * @param what the argument or flag that named it, e.g. `--manifest`
 * @returns the bytes
 * @throws CliError usage `FILE_NOT_FOUND` (missing) or `FILE_UNREADABLE` (any other error)
 */
export async function readInput(path: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw usageError(
      code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE',
      `${what} ${path}: ${code === 'ENOENT' ? 'no such file' : (code ?? (e as Error).message)}`,
      `Check the path given as ${what}`,
    );
  }
}

/**
 * Reads an input file as UTF-8 text.
 * @param path the file
 * @param what the argument or flag that named it
 * @returns the text
 * @throws CliError as {@link readInput}
 */
export async function readInputText(path: string, what: string): Promise<string> {
  return new TextDecoder().decode(await readInput(path, what));
}

/**
 * Loads a vendor identity file (agent-sdk `exportIdentity` JSON).
 * @param path the file
 * @param what the flag that named it (`--vendor-key`)
 * @returns the identity
 * @throws CliError usage `FILE_NOT_FOUND` / `FILE_UNREADABLE`, or `INVALID_VALUE` when the file
 *   is not an identity export
 */
export async function loadVendorKey(path: string, what: string): Promise<AgentIdentity> {
  const r = importIdentityExport(await readInputText(path, what));
  if (!r.ok)
    throw usageError(
      'INVALID_VALUE',
      `${what} ${path}: ${r.error.message}`,
      'Pass the vendor-identity.json written by `xghost build`',
    );
  return r.value;
}
