/**
 * Known-answer vectors of the ramp extension, read from docs/xorida-scheme.md section 9.4 and
 * docs/formats.md ("Binary ramp share, version 2") as printed there, and checked against the
 * dealer, the schedules, the codec and `recover`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  bytesToHex,
  decodeShare,
  decodeShareBase45,
  disperse,
  encodeShare,
  encodeShareBase45,
  hexToBytes,
  recover,
  type Share,
} from '../src/index.js';
import { deal } from '../src/lib/dealer.js';
import { layoutOf } from '../src/lib/params.js';
import { deriveSchedule } from '../src/lib/schedule.js';

const doc = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../../../docs/${name}`, import.meta.url)), 'utf8');

function section(text: string, heading: string): string {
  const start = text.indexOf(heading);
  expect(start).toBeGreaterThanOrEqual(0);
  const next = text.indexOf('\n### ', start + heading.length);
  return text.slice(start, next < 0 ? undefined : next);
}

interface Row {
  k: number;
  L: number;
  n: number;
  data: string;
  random: string;
  payloads: string[];
}

/** The vector table rows of section 9.4: `| (k,L,n) | `data` ... | `random` or (none) | `p0`, ... |`. */
function tableRows(): Row[] {
  const text = section(doc('xorida-scheme.md'), '### 9.4');
  const rows: Row[] = [];
  for (const line of text.split('\n')) {
    const m = /^\| \((\d+),(\d+),(\d+)\) \|([^|]*)\|([^|]*)\|([^|]*)\|$/.exec(line.trim());
    if (!m) continue;
    const hex = (cell: string) => [...cell.matchAll(/`([0-9a-f]+)`/g)].map((x) => x[1]!);
    rows.push({
      k: Number(m[1]),
      L: Number(m[2]),
      n: Number(m[3]),
      data: hex(m[4]!)[0]!,
      random: hex(m[5]!)[0] ?? '',
      payloads: hex(m[6]!),
    });
  }
  return rows;
}

describe('xorida-scheme.md section 9.4 vectors', () => {
  const rows = tableRows();

  it('the table has the four documented vectors', () => {
    expect(rows.map((r) => `${r.k},${r.L},${r.n}`)).toEqual(['2,2,3', '2,2,2', '3,3,5', '3,2,5']);
  });

  it.each(rows.map((r) => [`(${r.k},${r.L},${r.n})`, r] as const))(
    '%s: the dealer gives the documented payloads and every k-subset recovers the data',
    (_, r) => {
      const data = hexToBytes(r.data);
      const layout = layoutOf(r.k, r.n, data.length, r.L);
      expect(r.random.length / 2).toBe(layout.randomPieces * layout.d);
      const payloads = Array.from({ length: r.n }, () => new Uint8Array(layout.padded));
      deal(layout, data, hexToBytes(r.random), payloads);
      expect(payloads.map(bytesToHex)).toEqual(r.payloads);
      const shares: Share[] = payloads.map((payload, index) => ({
        index,
        k: r.k,
        n: r.n,
        L: r.L,
        groupId: new Uint8Array(16),
        originalLength: data.length,
        payload,
      }));
      for (let a = 0; a < r.n; a++) {
        const pick = Array.from({ length: r.k }, (_, t) => shares[(a + t) % r.n]!);
        const got = recover(pick);
        expect(got.ok && bytesToHex(got.value)).toBe(r.data);
      }
    },
  );

  it('dispersal rows need no randomness: disperse() reproduces them', () => {
    for (const r of rows.filter((x) => x.L === x.k)) {
      const s = disperse(hexToBytes(r.data), { k: r.k, n: r.n, groupId: new Uint8Array(16) });
      expect(s.ok && s.value.map((x) => bytesToHex(x.payload))).toEqual(r.payloads);
    }
  });

  it('the documented (2,2,3) schedules', () => {
    const text = section(doc('xorida-scheme.md'), '### 9.4');
    const terms = (T: number[]) =>
      deriveSchedule(3, T, 2)
        .terms.slice(1)
        .map((t) => `\`q{${[...t].join(',')}}\``)
        .join(', ');
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toContain(`per data piece 0..3: ${terms([0, 2])}.`);
    expect(flat).toContain(`For T = {0,1}: ${terms([0, 1])}.`);
    expect(flat).toContain(`For T = {1,2}: ${terms([1, 2])}.`);
  });
});

describe('docs/formats.md IDA5 version 2 vector', () => {
  const block = section(doc('formats.md'), '### Binary ramp share ("IDA5"), version 2');
  const lines = block.slice(block.indexOf('```') + 3, block.lastIndexOf('```')).split('\n');
  const hexLines = lines.filter((l) => /^[0-9a-f ]+$/.test(l)).map((l) => l.replace(/ /g, ''));
  const base45 = JSON.parse(lines.find((l) => l.startsWith('"'))!) as string;
  const groupId = hexToBytes('000102030405060708090a0b0c0d0e0f');
  const shares = disperse(hexToBytes('584f5221'), { k: 2, n: 3, groupId });
  if (!shares.ok) throw new Error(shares.error.code);

  it('encodes shares 0 and 2 to the documented bytes and Base45 text', () => {
    expect(hexLines).toHaveLength(2);
    const e0 = encodeShare(shares.value[0]!);
    const e2 = encodeShare(shares.value[2]!, { productType: 0x0010 });
    expect([e0.ok && bytesToHex(e0.value), e2.ok && bytesToHex(e2.value)]).toEqual(hexLines);
    const t = encodeShareBase45(shares.value[0]!);
    expect(t.ok && t.value).toBe(base45);
  });

  it('decodes the documented bytes and recovers "XOR!"', () => {
    const decoded = hexLines.map((h) => {
      const r = decodeShare(hexToBytes(h));
      if (!r.ok) throw new Error(r.error.code);
      return r.value;
    });
    expect(decoded.map((s) => [s.L, s.productType])).toEqual([
      [2, 0],
      [2, 0x10],
    ]);
    const r = recover(decoded);
    expect(r.ok && bytesToHex(r.value)).toBe('584f5221');
    const b = decodeShareBase45(base45);
    expect(b.ok && bytesToHex(b.value.payload)).toBe('5279');
  });
});
