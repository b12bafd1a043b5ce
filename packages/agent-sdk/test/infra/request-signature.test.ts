// DID-signed request format: the known-answer vector of docs/formats.md and the verifier's
// refusals (tampered path/body/method, window, wrong signer).
import { describe, expect, it } from 'vitest';
import {
  identityFromSeed,
  requestSigningInput,
  signRequest,
  verifySignedRequest,
} from '../../src/index.js';

const id = identityFromSeed(new Uint8Array(32).fill(1));
if (!id.ok) throw new Error('identity');
const did = id.value.did;
const path = `/relay/${encodeURIComponent(did)}/pull`;
const body = '{"limit":100,"waitMs":0}';
const nonce = 'EREREREREREREREREREREQ'; // 16 x 0x11
const now = 1700000000000;

describe('signed requests', () => {
  it('matches the known-answer vector in docs/formats.md', () => {
    const input = requestSigningInput({ method: 'post', path, body }, did, now, nonce);
    expect(new TextDecoder().decode(input)).toBe(
      `XLINK-REQUEST-SIG-V1\nPOST\n${path}\n${did}\n1700000000000\n${nonce}\neQOuObYV18A4wu3SmAls27TxQywTDlu1F9JwlRytuAw`,
    );
    const h = signRequest(id.value, { method: 'POST', path, body }, { now, nonce });
    expect(h).toEqual({
      'x-xlink-did': 'did:key:z6MkwCvyJ3vqHMMBgHFhcfRNHTumkhspVYAeZUPh1YMzz5PX',
      'x-xlink-timestamp': '1700000000000',
      'x-xlink-nonce': nonce,
      'x-xlink-signature':
        'PdesnsGZt7_DHrjE0VavL3eBU9Y2ZH_BrRYkBKkFJMnryD9f9rmpOjivZJuAGpSHNF3yzZJAPRy1_Oyi4u-jAQ',
    });
    expect(verifySignedRequest({ method: 'POST', path, body }, { ...h }, { now }).ok).toBe(true);
  });

  it('refuses any change to method, path, body, DID or time, and the wrong signer', () => {
    const h = signRequest(id.value, { method: 'POST', path, body }, { now, nonce });
    const v = (m: string, p: string, b: string, hh: Record<string, string> = { ...h }, t = now) =>
      verifySignedRequest({ method: m, path: p, body: b }, hh, { now: t });
    expect(v('PUT', path, body).ok).toBe(false);
    expect(v('POST', `${path}x`, body).ok).toBe(false);
    expect(v('POST', path, '{"limit":101,"waitMs":0}').ok).toBe(false);
    expect(v('POST', path, body, { ...h, 'x-xlink-timestamp': String(now + 1) }).ok).toBe(false);
    const stale = v('POST', path, body, { ...h }, now + 31_000);
    expect(!stale.ok && [stale.error.code, stale.error.subCode]).toEqual([
      'TIMESTAMP_EXPIRED',
      'STALE',
    ]);
    const other = identityFromSeed(new Uint8Array(32).fill(2));
    if (!other.ok) throw new Error('identity');
    const wrong = verifySignedRequest(
      { method: 'POST', path, body },
      { ...h },
      { now, expectedDid: other.value.did },
    );
    expect(!wrong.ok && wrong.error.subCode).toBe('WRONG_SIGNER');
    const missing = verifySignedRequest({ method: 'POST', path, body }, {}, { now });
    expect(!missing.ok && missing.error.subCode).toBe('MISSING_SIGNATURE');
  });
});
