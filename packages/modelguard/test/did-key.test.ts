// Manifest keys as did:key identities: the manifest still records the raw key (docs/formats.md),
// the CLI and the API accept identities at the edge. The CLI runs as a real process (tsx).
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportIdentity, identityFromSeed } from '@xorida/agent-sdk';
import { writeKeystore } from '@xorida/agent-sdk/node';
import { afterAll, describe, expect, it } from 'vitest';
import { bytesToHex } from 'xorida';
import { manifestSignerDid, parseManifest, verifyManifest } from '../src/index.js';
import { cli } from './cli-process.js';
import { bytes } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'modelguard-did-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let seq = 0;
const fresh = (name: string) => join(root, `${name}-${seq++}`);

const must = <T>(r: { ok: true; value: T } | { ok: false; error: unknown }): T => {
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
};
const owner = must(identityFromSeed(new Uint8Array(32).fill(5)));
const stranger = must(identityFromSeed(new Uint8Array(32).fill(6)));

async function signedSplit(signKey: string) {
  const file = fresh('model');
  writeFileSync(file, bytes(3000, 9));
  const dirs = [0, 1, 2].map(() => fresh('node'));
  const manifest = fresh('m.json');
  const r = await cli([
    'split',
    file,
    '--nodes',
    dirs.join(','),
    '--threshold',
    '2',
    '--chunk-size',
    '1024',
    '--manifest',
    manifest,
    '--workers',
    '0',
    '--no-fsync',
    '--json',
    '--sign-key',
    signKey,
  ]);
  return { ...r, dirs, manifest };
}

const verify = (manifest: string, dirs: string[], key: string) =>
  cli([
    'verify',
    manifest,
    '--nodes',
    dirs.join(','),
    '--trusted-key',
    key,
    '--workers',
    '0',
    '--json',
  ]);

describe('did:key manifest keys', () => {
  it('an identity export signs; the CLI trusts its did:key and refuses another one', async () => {
    const keyFile = fresh('identity.json');
    writeFileSync(keyFile, JSON.stringify(exportIdentity(owner)), { mode: 0o600 });
    const s = await signedSplit(keyFile);
    expect(s.code, s.err).toBe(0);
    const m = must(parseManifest(readFileSync(s.manifest, 'utf8')));
    // The wire format keeps the raw key; the did:key is derived at the edge.
    expect(m.signature?.publicKey).toBe(bytesToHex(owner.signing.publicKey));
    expect(manifestSignerDid(m)).toBe(owner.did);
    expect((await verifyManifest(m, owner.did)).ok).toBe(true);
    const wrong = await verifyManifest(m, stranger.did);
    expect(!wrong.ok && wrong.error.subCode).toBe('UNTRUSTED_KEY');
    const bad = await verifyManifest(m, 'did:key:zNotADid');
    expect(!bad.ok && bad.error.code).toBe('INVALID_CONFIG');

    const good = await verify(s.manifest, s.dirs, owner.did);
    expect(good.code, good.err + good.out).toBe(0);
    const other = await verify(s.manifest, s.dirs, stranger.did);
    expect(other.code).toBe(1);
    expect(JSON.parse(other.out.trim().split('\n').pop()!).error.code).toBe('INTEGRITY_FAILED');
    const junk = await verify(s.manifest, s.dirs, 'did:key:z6MkJunk');
    expect(junk.code).toBe(1);
    expect(JSON.parse(junk.out.trim().split('\n').pop()!).error.code).toBe('INVALID_CONFIG');
  }, 120_000);

  it('an xlink keystore signs and is trusted as a key file; PEM keys keep working', async () => {
    const store = fresh('keystore.json');
    must(writeKeystore(store, owner, 'owner', false));
    const s = await signedSplit(store);
    expect(s.code, s.err).toBe(0);
    expect((await verify(s.manifest, s.dirs, store)).code).toBe(0);
    const didFile = fresh('owner.did');
    writeFileSync(didFile, `${owner.did}\n`);
    expect((await verify(s.manifest, s.dirs, didFile)).code).toBe(0);

    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const pem = fresh('key.pem');
    writeFileSync(pem, privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
    const spki = fresh('pub.pem');
    writeFileSync(spki, publicKey.export({ format: 'pem', type: 'spki' }) as string);
    const p = await signedSplit(pem);
    expect(p.code, p.err).toBe(0);
    expect((await verify(p.manifest, p.dirs, spki)).code).toBe(0);
    expect((await verify(p.manifest, p.dirs, owner.did)).code).toBe(1);
  }, 120_000);
});
