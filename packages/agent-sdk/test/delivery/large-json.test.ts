// The large-message JSON paths of test/delivery/memory.test.ts give exactly what the plain
// paths give: lib/json-body.ts (pull answers parsed from bytes, big base64url strings cut out),
// envelope-json.ts (a large ciphertext's text made on first read, streamed without it) and
// lib/payload-json.ts (JSON payloads encoded and parsed with their large strings cut out).
import { describe, expect, it } from 'vitest';
import { envelopeJsonBytes, envelopeToJson } from '../../src/envelope-json.js';
import { base64urlDecode, base64urlDecodeBytes, base64urlEncode } from '../../src/lib/codec.js';
import { deferredText, releaseDeferred, takeDeferred } from '../../src/lib/deferred-text.js';
import { LARGE_STRING_BYTES, parseJsonBytes } from '../../src/lib/json-body.js';
import { decodePayload, encodePayload } from '../../src/lib/payload.js';
import {
  encodeLargeJson,
  LARGE_PAYLOAD_STRING,
  parseLargeJson,
} from '../../src/lib/payload-json.js';
import { fakeEnvelope } from '../helpers.js';

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
  const env = fakeEnvelope(ciphertext);

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

describe('JSON payloads with large strings (lib/payload-json.ts)', () => {
  const M = LARGE_PAYLOAD_STRING;
  const plainBytes = (p: unknown) => enc.encode(JSON.stringify(p));
  const typed = (json: string) => {
    const b = enc.encode(json);
    const out = new Uint8Array(b.length + 1);
    out[0] = 1;
    out.set(b, 1);
    return out;
  };
  const payloads: Record<string, unknown>[] = [
    { b: big(M + 3, 'a') },
    {
      a: 1,
      b: [big(M, 'x'), big(M + 1, 'y'), { c: big(2 * M, 'z') }],
      d: `é${big(M, 'q')}`,
      e: 'a\n'.repeat(M),
      f: null,
    },
    { d: new Date(0), s: big(M, 'k'), t: { toJSON: () => big(M, 'j') } },
    { short: big(M - 1) },
  ];

  it('encodes the bytes of JSON.stringify and decodes to JSON.parse', () => {
    for (const p of payloads) {
      const e = encodePayload(p, 16 * M);
      if (!e.ok) throw new Error(e.error.message);
      expect(e.value[0]).toBe(1);
      expect(Buffer.from(e.value.subarray(1)).equals(Buffer.from(plainBytes(p)))).toBe(true);
      const d = decodePayload(e.value);
      expect(d.ok && d.value).toEqual(JSON.parse(JSON.stringify(p)));
    }
  });
  it('the cut paths are taken (no full-size text) and size limits hold', () => {
    const p = { b: big(M + 3, 'a') };
    const alloc = (n: number) => new Uint8Array(n);
    expect(encodeLargeJson(p, 8 * M, alloc, 1)).toBeInstanceOf(Uint8Array);
    expect(encodeLargeJson({ b: big(M, '"') }, 8 * M, alloc, 1)).toBeUndefined();
    expect(encodeLargeJson(p, M, alloc, 1)).toEqual({ tooLarge: M + 11 });
    const e = encodePayload(p, M + 10);
    expect(e.ok ? '' : e.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(parseLargeJson(plainBytes(p))).toEqual({ value: p });
  });
  it('refuses what the plain path refuses, with its errors', () => {
    const cases: [Uint8Array, string][] = [
      [typed(`{"s":"${big(M)}\u0001"}`), 'payload is not valid JSON'],
      [typed(`{"s":"${big(M)}",}`), 'payload is not valid JSON'],
      [typed(`["${big(M)}"]`), 'JSON payload is not an object'],
    ];
    const invalid = typed(`{"s":"${big(M)}"}`);
    invalid[10] = 0xff;
    cases.push([invalid, 'payload is not valid UTF-8']);
    for (const [bytes, message] of cases) {
      const d = decodePayload(bytes);
      expect(d.ok ? '' : d.error.message).toBe(message);
    }
    // a byte order mark before the text is dropped, one inside a string is kept (as fromUtf8)
    const bom = decodePayload(typed(`\ufeff{"s":"\ufeff${big(M)}"}`));
    expect(bom.ok && (bom.value as { s: string }).s).toBe(`\ufeff${big(M)}`);
  });
});

describe('deferred ciphertext texts of a pull answer (lib/deferred-text.ts)', () => {
  const ct = new Uint8Array(3 * 1024 * 1024 + 1).map((_, i) => (i * 13) & 0xff);
  const text64 = base64urlEncode(ct);
  const body = () =>
    enc.encode(JSON.stringify({ messages: [{ id: 'a', envelope: { ciphertext: text64, n: 1 } }] }));

  it('a cut ciphertext is made only when read; JSON.stringify sees it', () => {
    const parsed = parseJsonBytes(body()) as { messages: { envelope: { ciphertext: string } }[] };
    const env = parsed.messages[0]!.envelope;
    expect(Object.getOwnPropertyDescriptor(env, 'ciphertext')?.get).toBeTypeOf('function');
    expect(deferredText(env, 'ciphertext')?.length).toBe(text64.length);
    expect(JSON.stringify(parsed)).toBe(new TextDecoder().decode(body()));
    expect(deferredText(env, 'ciphertext')).toBeUndefined();
    expect(env.ciphertext).toBe(text64);
  });
  it('base64urlDecodeBytes decodes as base64urlDecode, in place or not', () => {
    for (const inPlace of [false, true]) {
      const got = base64urlDecodeBytes(enc.encode(text64), ct.length, 2048, inPlace);
      expect(got && Buffer.from(got).equals(Buffer.from(ct))).toBe(true);
      expect(got?.byteOffset).toBeGreaterThanOrEqual(2048);
    }
    const bad = enc.encode(text64);
    bad[bad.length - 1] = 'B'.charCodeAt(0); // non-zero trailing bits: not canonical
    expect(base64urlDecode(new TextDecoder().decode(bad), ct.length)).toBeNull();
    expect(base64urlDecodeBytes(bad, ct.length)).toBeNull();
    const alien = enc.encode(text64);
    alien[100_000] = '+'.charCodeAt(0);
    expect(base64urlDecodeBytes(alien, ct.length, 0, true)).toBeNull();
    expect(base64urlDecodeBytes(enc.encode(text64), ct.length - 1)).toBeNull();
  });
  it('a released holder is decoded in place and reads "" after; an unreleased one is kept', () => {
    for (const release of [false, true]) {
      const parsed = parseJsonBytes(body()) as { messages: { envelope: { ciphertext: string } }[] };
      const env = parsed.messages[0]!.envelope;
      if (release) releaseDeferred(env);
      const bytes = deferredText(env, 'ciphertext')!;
      const taken = takeDeferred(env, 'ciphertext');
      expect(taken === bytes).toBe(release);
      if (release) {
        const got = base64urlDecodeBytes(taken!, ct.length, 2048, true);
        expect(got?.buffer).toBe(bytes.buffer);
        expect(got && Buffer.from(got).equals(Buffer.from(ct))).toBe(true);
      }
      expect(env.ciphertext).toBe(release ? '' : text64);
    }
  });
});
