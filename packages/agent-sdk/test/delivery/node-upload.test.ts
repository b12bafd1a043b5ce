// The memory paths of issue 14 that replace allocations with reuse or early release must give
// exactly what the plain paths give: a large envelope written into reused buffers
// (envelope-json.ts reader, codec.ts base64urlEncodeInto) and uploaded over node:http from
// them (lib/node-upload.ts through lib/http-call.ts), and a decoded pull answer given back
// (lib/deferred-text.ts giveBack).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelopeJsonBytes, envelopeToJson } from '../../src/envelope-json.js';
import { base64urlEncode, base64urlEncodeInto } from '../../src/lib/codec.js';
import { giveBack, markSoleText, trimAfter } from '../../src/lib/deferred-text.js';
import { httpCall } from '../../src/lib/http-call.js';
import { nodeUpload } from '../../src/lib/node-upload.js';
import { fakeEnvelope } from '../helpers.js';

const MiB = 1024 * 1024;

function largeJson(n: number) {
  const env = fakeEnvelope(new Uint8Array(n).map((_, i) => (i * 7 + (i >> 9)) & 0xff));
  return envelopeToJson(env);
}

/** All bytes of a reader, read into one reused buffer of `size` bytes. */
function readAll(reader: { read(out: Uint8Array): number }, size: number): string {
  const out = new Uint8Array(size);
  const parts: string[] = [];
  for (let n = reader.read(out); n > 0; n = reader.read(out))
    parts.push(Buffer.from(out.subarray(0, n)).toString('latin1'));
  return parts.join('');
}

describe('base64urlEncodeInto', () => {
  it('writes the text of base64urlEncode at the offset, for every length mod 3', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 53 + n) & 0xff);
      const out = new Uint8Array(3 + Math.ceil((n * 4) / 3)).fill(0x2e);
      const w = base64urlEncodeInto(bytes, out, 3);
      expect(Buffer.from(out.subarray(3, 3 + w)).toString('latin1')).toBe(base64urlEncode(bytes));
      expect(out.subarray(0, 3)).toEqual(new Uint8Array([0x2e, 0x2e, 0x2e]));
    }
  });
});

describe('envelopeJsonBytes reader', () => {
  it('writes the bytes of the slices, whatever the buffer size', () => {
    for (const n of [MiB, MiB + 1, MiB + 2]) {
      const body = envelopeJsonBytes(largeJson(n));
      const whole = [...body.slices()].map((p) => Buffer.from(p).toString('latin1')).join('');
      for (const size of [4, 5, 7, 64 * 1024 + 1]) {
        const read = readAll(body.reader!(), size);
        expect(read.length).toBe(body.length);
        expect(read === whole).toBe(true);
      }
    }
  });
  it('is offered only for a deferred (large) ciphertext', () => {
    expect(envelopeJsonBytes(largeJson(1000)).reader).toBeUndefined();
  });
});

describe('nodeUpload through httpCall', () => {
  let server: Server;
  let url: string;
  const got: { body: string; headers: IncomingMessage['headers'] }[] = [];
  let answer: (res: ServerResponse) => void = (res) => res.end('{"ok":true}');
  beforeAll(async () => {
    server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        got.push({ body: Buffer.concat(parts).toString('latin1'), headers: req.headers });
        answer(res);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/relay/x`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('takes large bodies with a reader only', () => {
    expect(nodeUpload(envelopeJsonBytes(largeJson(2 * MiB)))).toBeTypeOf('function');
    expect(nodeUpload({ length: 2 * MiB })).toBeUndefined();
    const small = envelopeJsonBytes(largeJson(MiB));
    expect(nodeUpload({ length: 1000, reader: small.reader! })).toBeUndefined();
  });

  it('sends the bytes of JSON.stringify with their content-length; answers as fetch would', async () => {
    got.length = 0;
    answer = (res) => {
      res.setHeader('x-a', ['1', '2']);
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true,"n":3}');
    };
    const json = largeJson(3 * MiB + 1);
    const body = envelopeJsonBytes(json, 64 * 1024);
    const r = await httpCall(() => ({ url, method: 'POST', headers: { 'x-h': 'v' }, body }));
    expect(r.ok && r.value.status).toBe(200);
    expect(r.ok && r.value.json).toEqual({ ok: true, n: 3 });
    expect(r.ok && r.value.headers.get('x-a')).toBe('1, 2');
    expect(got).toHaveLength(1);
    expect(got[0]!.headers['content-length']).toBe(String(body.length));
    expect(got[0]!.headers['x-h']).toBe('v');
    expect(got[0]!.body === JSON.stringify(json)).toBe(true);
  });

  it('retries a 5xx answer with a fresh reader, and refuses a redirect', async () => {
    got.length = 0;
    let calls = 0;
    answer = (res) => {
      res.statusCode = calls++ === 0 ? 503 : 204;
      res.end();
    };
    const json = largeJson(2 * MiB);
    const body = envelopeJsonBytes(json);
    const r = await httpCall(() => ({ url, method: 'POST', body }), { backoffMs: 1 });
    expect(r.ok && r.value.status).toBe(204);
    expect(got.map((g) => g.body === JSON.stringify(json))).toEqual([true, true]);
    answer = (res) => {
      res.statusCode = 302;
      res.setHeader('location', '/elsewhere');
      res.end();
    };
    const moved = await httpCall(() => ({ url, method: 'POST', body }), { retries: 0 });
    expect(!moved.ok && moved.error.code).toBe('NETWORK_ERROR');
  });

  it('times out like fetch when nothing answers', async () => {
    answer = () => {};
    const body = envelopeJsonBytes(largeJson(2 * MiB));
    const r = await httpCall(() => ({ url, method: 'POST', body }), { retries: 0, timeoutMs: 300 });
    expect(!r.ok && r.error.subCode).toBe('TIMEOUT');
  });
});

describe('giveBack', () => {
  const resizable = (n: number) =>
    new Uint8Array(
      new (ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer)(
        n,
        { maxByteLength: n },
      ),
    );
  it('empties a buffer trimmed to its decoded text, and no other', () => {
    const body = resizable(100);
    const text = body.subarray(10, 90);
    markSoleText(text);
    const decoded = body.subarray(12, 70);
    trimAfter(decoded);
    expect(body.buffer.byteLength).toBe(70);
    giveBack(decoded.subarray(5, 9));
    expect(body.buffer.byteLength).toBe(0);
    // not trimmed (a body with several texts, or a plain buffer): left as it is
    const other = resizable(100);
    giveBack(other.subarray(10, 20));
    expect(other.buffer.byteLength).toBe(100);
    const plain = new Uint8Array(100);
    giveBack(plain);
    expect(plain.length).toBe(100);
  });
});
