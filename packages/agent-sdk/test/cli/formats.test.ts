// Known-answer vectors of the invite and discovery document formats (docs/formats.md#xlink-invite-codes,
// docs/formats.md#xlink-discovery-document).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  createDiscoveryDocument,
  createInvite,
  createKeyDocument,
  identityFromEd25519Key,
  keyDocumentToJson,
  parseInvite,
  verifyDiscoveryDocument,
} from '../../src/index.js';

const docs = readFileSync(
  join(dirname(fileURLToPath(import.meta.url)), '../../../../docs/formats.md'),
  'utf8',
);

describe('invite format', () => {
  it('matches the documented known answer and parses back', () => {
    const id = identityFromEd25519Key(new Uint8Array(32).fill(7));
    if (!id.ok) throw new Error('id');
    expect(id.value.did).toBe('did:key:z6MkvDqGT54cXesYGvABpF1UapVNwjCqRcafi4Px6Thv5T3Z');
    const inv = createInvite({
      identity: id.value,
      service: 'billing',
      registry: 'https://xlink.example.com',
      scopes: ['payment:notify'],
      expiresIn: 3_600_000,
      testing: { now: 1767225600000, secret: new Uint8Array(32).fill(9) },
    });
    if (!inv.ok) throw new Error('invite');
    const documented = /^(XLK-[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/m.exec(
      docs.slice(docs.indexOf('### xlink invite codes')),
    )?.[1];
    expect(inv.value.code).toBe(documented);
    const p = parseInvite(inv.value.url, 1767225600000);
    expect(p).toMatchObject({
      ok: true,
      value: { inviter: id.value.did, exp: 1767229200000, scopes: ['payment:notify'] },
    });
    expect(parseInvite(inv.value.code, 1767229200001)).toMatchObject({
      ok: false,
      error: { code: 'INVITE_EXPIRED' },
    });
    // one flipped signature character
    const c = inv.value.code;
    const flipped = c.slice(0, -2) + (c.at(-2) === 'A' ? 'B' : 'A') + c.slice(-1);
    expect(parseInvite(flipped, 1767225600000)).toMatchObject({
      ok: false,
      error: { code: 'INVITE_INVALID' },
    });
    expect(parseInvite('XLK-garbage', 1767225600000)).toMatchObject({
      ok: false,
      error: { subCode: 'MALFORMED' },
    });
  });
});

describe('discovery document format', () => {
  it('matches the documented known answer (with scopes); scopes are signed', () => {
    const id = identityFromEd25519Key(new Uint8Array(32).fill(7));
    if (!id.ok) throw new Error('id');
    const kd = createKeyDocument(id.value, { created: 1767225600000 });
    if (!kd.ok) throw new Error('key document');
    const doc = createDiscoveryDocument({
      identity: id.value,
      keyDocument: keyDocumentToJson(kd.value),
      registry: 'https://xlink.example.com',
      name: 'payments',
      scopes: ['payment:notify'],
    });
    const section = docs.slice(docs.indexOf('### xlink discovery document'));
    const documented = /^signature: ([A-Za-z0-9_-]{86})$/m.exec(section)?.[1];
    const digest = /^SHA-256 of the document JSON: ([0-9a-f]{64})$/m.exec(section)?.[1];
    expect(doc.signature).toBe(documented);
    expect(createHash('sha256').update(JSON.stringify(doc)).digest('hex')).toBe(digest);
    expect(verifyDiscoveryDocument(doc)).toMatchObject({
      ok: true,
      value: { scopes: ['payment:notify'] },
    });
    // the scopes are covered by the signature
    expect(verifyDiscoveryDocument({ ...doc, scopes: ['*'] })).toMatchObject({
      ok: false,
      error: { subCode: 'BAD_DISCOVERY_SIGNATURE' },
    });
    expect(verifyDiscoveryDocument({ ...doc, scopes: [] })).toMatchObject({
      ok: false,
      error: { subCode: 'BAD_DISCOVERY_DOCUMENT' },
    });
  });
});
