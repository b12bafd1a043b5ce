import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from 'xorida';
import { xwingDecapsulate, xwingEncapsulate, xwingExpand } from '../../src/lib/xwing.js';

interface Vector {
  seed: string;
  pk: string;
  eseed: string;
  ct: string;
  ss: string;
}

/** Parses the draft's Appendix C text layout (`name value` or `name` + indented hex lines). */
function loadVectors(): Vector[] {
  const text = readFileSync(
    new URL('../fixtures/xwing-draft-10-appendix-c.txt', import.meta.url),
    'utf8',
  );
  const out: Vector[] = [];
  let cur: Record<string, string> = {};
  let key = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    if (line.trim() === '') {
      if (Object.keys(cur).length > 0) out.push(cur as unknown as Vector);
      cur = {};
      continue;
    }
    const m = /^(\w+)(?:\s+([0-9a-f]+))?$/.exec(line);
    if (m) {
      key = m[1]!;
      cur[key] = m[2] ?? '';
    } else cur[key] += line.trim();
  }
  if (Object.keys(cur).length > 0) out.push(cur as unknown as Vector);
  return out;
}

/** Official X-Wing vectors through our KEM wrapper. */
export function xwingSuite(): void {
  const vectors = loadVectors();

  describe('X-Wing official vectors (draft-connolly-cfrg-xwing-kem-10 Appendix C)', () => {
    it('parses all three vectors with the draft sizes', () => {
      expect(vectors).toHaveLength(3);
      for (const v of vectors) {
        expect(v.pk.length / 2).toBe(1216);
        expect(v.ct.length / 2).toBe(1120);
        expect(v.eseed.length / 2).toBe(64);
        expect(v.ss.length / 2).toBe(32);
      }
    });

    for (const [i, v] of vectors.entries()) {
      it(`vector ${i}: keygen, encapsulate(eseed), decapsulate`, () => {
        const sk = xwingExpand(hexToBytes(v.seed));
        expect(bytesToHex(sk.publicKey)).toBe(v.pk);
        const enc = xwingEncapsulate(hexToBytes(v.pk), hexToBytes(v.eseed));
        expect(enc).not.toBeNull();
        expect(bytesToHex(enc!.cipherText)).toBe(v.ct);
        expect(bytesToHex(enc!.sharedSecret)).toBe(v.ss);
        expect(bytesToHex(xwingDecapsulate(sk, hexToBytes(v.ct))!)).toBe(v.ss);
      });
    }

    it('rejects wrong-length keys and ciphertexts, and a low-order X25519 part', () => {
      const v = vectors[0]!;
      const sk = xwingExpand(hexToBytes(v.seed));
      expect(xwingEncapsulate(hexToBytes(v.pk).subarray(1))).toBeNull();
      expect(xwingDecapsulate(sk, hexToBytes(v.ct).subarray(1))).toBeNull();
      const ct = hexToBytes(v.ct);
      ct.fill(0, 1088);
      expect(xwingDecapsulate(sk, ct)).toBeNull();
      const pk = hexToBytes(v.pk);
      pk.fill(0, 1184);
      expect(xwingEncapsulate(pk)).toBeNull();
    });

    it('a tampered ML-KEM ciphertext gives a different shared secret (implicit rejection)', () => {
      const v = vectors[1]!;
      const sk = xwingExpand(hexToBytes(v.seed));
      const ct = hexToBytes(v.ct);
      ct[5]! ^= 1;
      const ss = xwingDecapsulate(sk, ct);
      expect(ss).not.toBeNull();
      expect(bytesToHex(ss!)).not.toBe(v.ss);
    });
  });
}
