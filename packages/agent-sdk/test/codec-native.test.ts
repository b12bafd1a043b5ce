// The native base64url path (Node's Buffer, inputs of 64 bytes and more) must accept and refuse
// exactly what @scure/base's strict decoder does (lib/codec.ts).
import { base64urlnopad } from '@scure/base';
import { describe, expect, it } from 'vitest';
import { base64urlDecode, base64urlEncode } from '../src/lib/codec.js';

const scure = (t: string) => {
  try {
    return base64urlnopad.decode(t);
  } catch {
    return null;
  }
};

describe('native base64url matches the strict decoder on large inputs', () => {
  for (const len of [15, 16, 17, 63, 64, 65, 66, 1120, 3309, 4096, 4097, 4098, 70_000])
    it(`${len} bytes: round trip, headroom and refusals`, () => {
      const bytes = new Uint8Array(len).map((_, i) => (i * 131 + 7) & 0xff);
      const text = base64urlEncode(bytes);
      expect(text).toBe(base64urlnopad.encode(bytes));
      expect(base64urlDecode(text, len)).toEqual(bytes);
      const roomy = base64urlDecode(text, len, 100)!;
      expect(roomy.byteOffset).toBe(100);
      expect(roomy).toEqual(bytes);
      expect(base64urlDecode(text, len - 1)).toBeNull();
      const last = text[text.length - 1]!;
      for (const bad of [
        `${text}=`,
        `${text.slice(0, -1)}+`,
        `${text.slice(0, 10)} ${text.slice(11)}`,
        `${text}A`,
        // a different last digit: non-zero trailing bits unless the length is a multiple of 3
        `${text.slice(0, -1)}${last === 'B' ? 'C' : 'B'}`,
      ])
        expect(base64urlDecode(bad, len + 10) === null).toBe(scure(bad) === null);
    });
});
