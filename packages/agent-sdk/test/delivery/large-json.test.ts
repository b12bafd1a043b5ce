// The large-message JSON paths of test/delivery/memory.test.ts give exactly what the plain
// paths give: lib/json-body.ts (pull answers parsed from bytes, big base64url strings cut out)
// and envelope-json.ts (a large ciphertext's text made on first read, streamed without it).
import { describe, expect, it } from 'vitest';
import { envelopeJsonBytes, envelopeToJson } from '../../src/envelope-json.js';
import type { Envelope } from '../../src/envelope-model.js';
import { base64urlEncode } from '../../src/lib/codec.js';
import { LARGE_STRING_BYTES, parseJsonBytes } from '../../src/lib/json-body.js';

const enc = new TextEncoder();
const big = (n: number, c = 'A') => c.repeat(n);
const text = (body: { slices(): Iterable<Uint8Array> }) =>
  [...body.slices()].map((p) => new TextDecoder().decode(p)).join('');

describe('parseJsonBytes', () => {
  it('equals JSON.parse, cut-out strings included', () => {
    const json = JSON.stringify({
      messages: [
        { id: 'a"b\\', envelope: { ciphertext: big(LARGE_STRING_BYTES + 5, 'Q'), n: 1 } },
        { id: 'x', envelope: { ciphertext: big(LARGE_STRING_BYTES, '_') } },
      ],
      note: `quote \\" ${big(10)}`,
    });
    expect(parseJsonBytes(enc.encode(json))).toEqual(JSON.parse(json));
  });
  it('falls back to JSON.parse for large keys, non-base64url and escaped strings', () => {
    for (const json of [
      JSON.stringify({ [big(LARGE_STRING_BYTES + 1)]: 1 }),
      JSON.stringify({ s: `${big(LARGE_STRING_BYTES)}é` }),
      JSON.stringify({ s: `${big(LARGE_STRING_BYTES)}\n` }),
      JSON.stringify({ s: `${big(LARGE_STRING_BYTES)}"` }),
    ])
      expect(parseJsonBytes(enc.encode(json))).toEqual(JSON.parse(json));
  });
  it('throws on invalid JSON as JSON.parse does', () => {
    const json = `{"s":"${big(LARGE_STRING_BYTES + 1)}",}`;
    expect(() => parseJsonBytes(enc.encode(json))).toThrow(SyntaxError);
    expect(() => parseJsonBytes(enc.encode(`{"s":"${big(LARGE_STRING_BYTES + 1)}`))).toThrow(
      SyntaxError,
    );
  });
});

describe('envelopeToJson with a large ciphertext', () => {
  const ciphertext = new Uint8Array(3 * 1024 * 1024 + 2).map((_, i) => (i * 7) & 0xff);
  const env = {
    version: 2,
    alg: 'XWING-AES256GCM-ED25519',
    sender: 'did:key:z6Mkaaa',
    recipient: 'did:key:z6Mkbbb',
    timestamp: 1,
    nonce: new Uint8Array(16),
    scope: 'pay',
    iv: new Uint8Array(12),
    kem: new Uint8Array(32),
    ciphertext,
    signature: new Uint8Array(64),
  } as unknown as Envelope;

  it('streams the bytes of JSON.stringify without making the text; reads see a string', () => {
    const json = envelopeToJson(env);
    const body = envelopeJsonBytes(json);
    const streamed = text(body);
    // streaming did not make the text
    expect(Object.getOwnPropertyDescriptor(json, 'ciphertext')?.get).toBeTypeOf('function');
    expect(streamed.length).toBe(body.length);
    expect(json.ciphertext).toBe(base64urlEncode(ciphertext));
    expect(streamed).toBe(JSON.stringify(json));
    expect(Object.keys(json)).toEqual(Object.keys(JSON.parse(streamed)));
  });
  it('an assigned ciphertext replaces the deferred one', () => {
    const json = envelopeToJson(env);
    json.ciphertext = 'AAAA';
    expect(json.ciphertext).toBe('AAAA');
    const body = envelopeJsonBytes(json);
    expect(text(body)).toBe(JSON.stringify(json));
    expect({ ...envelopeToJson(env) }.ciphertext).toBe(base64urlEncode(ciphertext));
  });
});
