import { readFileSync } from 'node:fs';
import { identityFromSeed } from '@xorida/agent-sdk';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  type GhostLease,
  ghostBuild,
  leaseSigningInput,
  manifestSigningInput,
  sha256Hex,
  verifyManifest,
} from '../src/node/index.js';

const doc = readFileSync(new URL('../../../docs/formats.md', import.meta.url), 'utf8');
const section = doc.slice(doc.indexOf('## xghost'));
const grab = (label: string) => {
  const m = new RegExp(`${label}[^\\x60]*\\x60([^\\x60]+)\\x60`).exec(section);
  if (!m) throw new Error(`vector ${label} missing in docs/formats.md`);
  return m[1]!;
};

describe('docs/formats.md#xghost known-answer vector', () => {
  const id = identityFromSeed(new Uint8Array(32).fill(1));
  if (!id.ok) throw new Error('identity');
  const b = ghostBuild({
    source: new TextEncoder().encode('exports.f = () => 42;\n'),
    exports: ['f'],
    vendor: id.value,
    bundleId: '00112233445566778899aabbccddeeff',
    created: '2026-11-21T00:00:00.000Z',
    version: '1.0.0',
  });
  if (!b.ok) throw new Error(b.error.message);
  const { signature, ...unsigned } = b.value.manifest;

  it('manifest signing input and signature', () => {
    expect(id.value.did).toBe(grab('vendor DID:'));
    expect(new TextDecoder().decode(manifestSigningInput(unsigned))).toBe(
      `XGHOST-MANIFEST-V1\n${grab('manifest signing input \\(after the label\\):')}`,
    );
    expect(signature).toBe(grab('manifest signature:'));
    expect(verifyManifest(b.value.manifest, id.value.did).ok).toBe(true);
  });

  it('lease signature', () => {
    const lease: Omit<GhostLease, 'signature'> = {
      type: 'xghost-lease',
      v: 1,
      bundleId: unsigned.bundleId,
      customerDid: id.value.did,
      vendorDid: id.value.did,
      epoch: 20413,
      issuedAt: 1763683200000,
      notAfter: 1766275200000,
      challenge: null,
      mode: 'file',
      shareSha256: sha256Hex('x'),
    };
    expect(section).toContain(`(\`${lease.shareSha256}\`)`);
    const sig = Buffer.from(id.value.signing.sign(leaseSigningInput(lease))).toString('base64url');
    expect(sig).toBe(grab('\\); signature:'));
  });

  it('canonical JSON sorts keys and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 'x', c: null }], u: undefined })).toBe(
      '{"a":[{"c":null,"d":"x"}],"b":1}',
    );
  });
});
