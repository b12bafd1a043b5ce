/**
 * The `xlink` keystore file: one local identity (format `xlink-keystore/1`, see
 * docs/formats.md#xlink-keystore-file). Default path `$XLINK_KEYSTORE`, else
 * `$XDG_CONFIG_HOME/xlink/keystore.json`, else `~/.config/xlink/keystore.json`.
 *
 * Pitfalls:
 * - The file holds the unencrypted Ed25519 private key (PKCS#8): it is written with mode 0600
 *   (directory 0700), atomically and durably (atomic-write.ts: temporary file, fsync, rename,
 *   directory fsync), and its key is never printed.
 * - A keystore is never overwritten unless `force` is set.
 *
 * @module
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { err, ok, type Result } from 'xorida';
import {
  type AgentIdentity,
  exportPKCS8,
  generateIdentity,
  identityFromEd25519Key,
  parsePKCS8,
} from '../../identity.js';
import { writeFileAtomicSync } from '../atomic-write.js';

/** Keystore format tag. */
export const KEYSTORE_FORMAT = 'xlink-keystore/1';

/** The JSON stored in a keystore file. */
export interface KeystoreFile {
  readonly format: typeof KEYSTORE_FORMAT;
  readonly name: string;
  readonly did: string;
  /** base64 of the PKCS#8 DER Ed25519 private key (every other key is derived from it). */
  readonly pkcs8: string;
  /** ISO 8601 creation time. */
  readonly created: string;
}

/** Keystore errors. */
export interface KeystoreErrorDetail {
  readonly code: 'KEYSTORE_EXISTS' | 'KEYSTORE_NOT_FOUND' | 'KEYSTORE_INVALID' | 'KEYSTORE_FAILED';
  readonly message: string;
  readonly hint: string;
}

/** Default keystore path (see module doc). */
export function defaultKeystorePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XLINK_KEYSTORE) return env.XLINK_KEYSTORE;
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'xlink', 'keystore.json');
}

const fail = (code: KeystoreErrorDetail['code'], message: string, hint: string) =>
  err<KeystoreErrorDetail>({ code, message, hint });

/**
 * Creates a new identity and writes it (0600) to `path`.
 * @returns the identity and the stored record, or `KEYSTORE_EXISTS` / `KEYSTORE_FAILED`
 */
export function createKeystore(
  path: string,
  name: string,
  force = false,
): Result<{ identity: AgentIdentity; file: KeystoreFile }, KeystoreErrorDetail> {
  if (existsSync(path) && !force)
    return fail(
      'KEYSTORE_EXISTS',
      `a keystore already exists at ${path}`,
      'Use it, pass --force to replace it, or choose another --keystore',
    );
  const id = generateIdentity();
  if (!id.ok) return fail('KEYSTORE_FAILED', id.error.message, id.error.hint);
  const w = writeKeystore(path, id.value, name, force);
  return w.ok ? ok({ identity: id.value, file: w.value }) : w;
}

/** Writes `identity` to a keystore file (0600, atomic); refuses to overwrite unless `force`. */
export function writeKeystore(
  path: string,
  identity: AgentIdentity,
  name: string,
  force = false,
): Result<KeystoreFile, KeystoreErrorDetail> {
  if (existsSync(path) && !force)
    return fail(
      'KEYSTORE_EXISTS',
      `a keystore already exists at ${path}`,
      'Use it, pass --force to replace it, or choose another --keystore',
    );
  const file: KeystoreFile = {
    format: KEYSTORE_FORMAT,
    name,
    did: identity.did,
    pkcs8: Buffer.from(exportPKCS8(identity)).toString('base64'),
    created: new Date().toISOString(),
  };
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileAtomicSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  } catch (e) {
    return fail(
      'KEYSTORE_FAILED',
      `cannot write ${path}: ${(e as Error).message}`,
      'Check the directory permissions or pass --keystore',
    );
  }
  return ok(file);
}

/**
 * Reads a keystore and re-derives its identity.
 * @returns the identity and record, or `KEYSTORE_NOT_FOUND` / `KEYSTORE_INVALID`
 */
export function loadKeystore(
  path: string,
): Result<{ identity: AgentIdentity; file: KeystoreFile }, KeystoreErrorDetail> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return fail(
      'KEYSTORE_NOT_FOUND',
      `no keystore at ${path}`,
      'Run `xlink init --name <service>` first, or pass --keystore',
    );
  }
  let json: Partial<KeystoreFile>;
  try {
    json = JSON.parse(text) as Partial<KeystoreFile>;
  } catch {
    return fail('KEYSTORE_INVALID', `${path} is not JSON`, 'Restore the keystore from a backup');
  }
  if (
    json?.format !== KEYSTORE_FORMAT ||
    typeof json.pkcs8 !== 'string' ||
    typeof json.did !== 'string'
  )
    return fail(
      'KEYSTORE_INVALID',
      `${path} is not an ${KEYSTORE_FORMAT} file`,
      'Restore the keystore from a backup',
    );
  const key = parsePKCS8(new Uint8Array(Buffer.from(json.pkcs8, 'base64')));
  if (!key.ok)
    return fail('KEYSTORE_INVALID', key.error.message, 'Restore the keystore from a backup');
  const id = identityFromEd25519Key(key.value);
  if (!id.ok)
    return fail('KEYSTORE_INVALID', id.error.message, 'Restore the keystore from a backup');
  if (id.value.did !== json.did)
    return fail(
      'KEYSTORE_INVALID',
      'keystore DID does not match its key',
      'Restore the keystore from a backup',
    );
  return ok({ identity: id.value, file: json as KeystoreFile });
}

/** Loads the keystore at `path`, creating it (with `name`) when absent. */
export function loadOrCreateKeystore(
  path: string,
  name: string,
): Result<{ identity: AgentIdentity; file: KeystoreFile; created: boolean }, KeystoreErrorDetail> {
  if (existsSync(path)) {
    const r = loadKeystore(path);
    return r.ok ? ok({ ...r.value, created: false }) : r;
  }
  const c = createKeystore(path, name);
  return c.ok ? ok({ ...c.value, created: true }) : c;
}

/**
 * An `IdentityStore` (for `Agent.lazy` / `connect`) backed by a keystore file.
 * @param path default {@link defaultKeystorePath}
 */
export function keystoreIdentityStore(path: string = defaultKeystorePath()): {
  load(): AgentIdentity | undefined;
  save(identity: AgentIdentity, name: string): void;
} {
  return {
    load: () => {
      const r = loadKeystore(path);
      return r.ok ? r.value.identity : undefined;
    },
    save: (identity, name) => {
      writeKeystore(path, identity, name, false);
    },
  };
}
