// The node backend's AES-GCM of a large input writes each slice's output into place and frees
// it at once (detached: Node >= 22) or, on Node 20 from 1 MiB, takes it as a Latin-1 string
// (lib/crypto/node.ts): the bytes must equal one-shot AES-GCM of node:crypto, sealed and opened
// in place, and a flipped byte must fail the tag.
import { createCipheriv, randomFillSync } from 'node:crypto';
import { expect, it } from 'vitest';
import { backend } from '../src/lib/crypto/node.js';

it('AES-GCM of 33 MiB + 5 bytes in place equals one-shot GCM, and opens back', async () => {
  const n = 33 * 1024 * 1024 + 5;
  const key = randomFillSync(new Uint8Array(32));
  const iv = randomFillSync(new Uint8Array(12));
  const aad = new Uint8Array([1, 2, 3]);
  const room = 7;
  const buf = new Uint8Array(room + n + 16);
  const plain = buf.subarray(room, room + n);
  for (let i = 0; i < n; i += 65_536) randomFillSync(plain.subarray(i, i + 65_536));
  const copy = plain.slice();
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(aad);
  const expected = Buffer.concat([c.update(copy), c.final(), c.getAuthTag()]);
  const sealed = await backend.aes256GcmSeal(key, iv, plain, aad, room, true);
  expect(sealed.buffer).toBe(buf.buffer);
  expect(Buffer.compare(Buffer.from(sealed), expected)).toBe(0);
  const opened = await backend.aes256GcmOpen(key, iv, sealed, aad, true);
  expect(opened && Buffer.compare(Buffer.from(opened), Buffer.from(copy))).toBe(0);
  const again = await backend.aes256GcmSeal(key, iv, opened!, aad, room, true);
  again[12_345_678]! ^= 1;
  expect(await backend.aes256GcmOpen(key, iv, again, aad, true)).toBeNull();
});

it('AES-GCM around the 64 KiB slice and 1 MiB one-shot boundaries equals one-shot GCM', async () => {
  const key = randomFillSync(new Uint8Array(32));
  const iv = randomFillSync(new Uint8Array(12));
  const aad = new Uint8Array([9]);
  const K = 64 * 1024;
  const M = 1024 * 1024;
  for (const n of [1, K - 1, K, K + 1, 3 * K + 7, M - 1, M, M + 1]) {
    const plain = randomFillSync(new Uint8Array(n));
    const c = createCipheriv('aes-256-gcm', key, iv);
    c.setAAD(aad);
    const expected = Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
    for (const inPlace of [false, true]) {
      const buf = new Uint8Array(n + 16);
      buf.set(plain);
      const sealed = await backend.aes256GcmSeal(key, iv, buf.subarray(0, n), aad, 0, inPlace);
      expect(Buffer.compare(Buffer.from(sealed), expected), `seal ${n} ${inPlace}`).toBe(0);
      const opened = await backend.aes256GcmOpen(key, iv, sealed, aad, inPlace);
      expect(opened && Buffer.compare(Buffer.from(opened), Buffer.from(plain))).toBe(0);
      const bad = Uint8Array.from(expected);
      bad[n - 1]! ^= 1;
      expect(await backend.aes256GcmOpen(key, iv, bad, aad, inPlace)).toBeNull();
    }
  }
});
