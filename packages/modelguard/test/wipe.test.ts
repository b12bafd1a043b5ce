// The throughput changes of issue 16 keep their guarantees: wipe() zeroes shared and plain
// buffers exactly (lib/wipe.ts), guardFile's shared slots are zeroed at the end instead of per
// chunk (GuardBuffers.wipe), and compact-mode recovery opens a chunk in place in an output
// buffer with 16 bytes of room, or copies when there is none, and zeroes it when the tag fails.
import { backend } from '@xorida/agent-sdk/crypto';
import { describe, expect, it } from 'vitest';
import { bytesToHex } from 'xorida';
import { recoverChunk } from '../src/lib/recover-chunk.js';
import { shareTag } from '../src/lib/share-tag.js';
import { wipe } from '../src/lib/wipe.js';
import { ChunkWorker, type SplitOutput } from '../src/node/chunk-work.js';
import { GuardBuffers } from '../src/node/guard-buffers.js';
import { bytes } from './helpers.js';

const zero = (b: Uint8Array) => b.every((x) => x === 0);

describe('wipe', () => {
  for (const kind of ['plain', 'shared'] as const)
    for (const size of [1, 4000, 5 * 1024 * 1024 + 3])
      it(`zeroes a ${kind} view of ${size} bytes and nothing around it`, () => {
        const buf =
          kind === 'shared' ? new SharedArrayBuffer(size + 16) : new ArrayBuffer(size + 16);
        const all = new Uint8Array(buf);
        all.fill(0xa5);
        const view = new Uint8Array(buf, 8, size);
        wipe(view);
        expect(zero(view)).toBe(true);
        expect([...all.subarray(0, 8), ...all.subarray(8 + size)]).toEqual(
          new Array(16).fill(0xa5),
        );
      });
});

describe('GuardBuffers.wipe', () => {
  it('zeroes every shared slot (chunk and shares)', () => {
    const b = new GuardBuffers(4000, { n: 3, k: 2, mode: 'ideal' }, 2);
    expect(b.shared.length).toBe(2);
    for (const s of b.shared) new Uint8Array(s).fill(7);
    const t = b.take(4000, false);
    expect(t.chunk.buffer).toBeInstanceOf(SharedArrayBuffer);
    b.wipe();
    for (const s of b.shared) expect(zero(new Uint8Array(s))).toBe(true);
  });
});

describe('compact recovery into the output buffer', () => {
  const modelId = new Uint8Array(16).fill(3);
  const key = new Uint8Array(32).fill(9);
  const length = 10_000;
  const data = bytes(length, 5);

  async function dealt(sealKey: Uint8Array = key): Promise<SplitOutput> {
    const w = new ChunkWorker();
    const r = await w.handle({
      kind: 'split',
      modelId,
      k: 2,
      n: 3,
      index: 4,
      offset: 40_000,
      chunk: data.slice(),
      key: sealKey,
    });
    w.dispose();
    return r.out as SplitOutput;
  }

  async function recover(
    s: SplitOutput,
    candidates: Uint8Array[],
    out?: Uint8Array,
    job: { tag?: Uint8Array; shareTags?: Uint8Array[] } = {},
  ) {
    return recoverChunk(
      {
        modelId,
        k: 2,
        n: 3,
        index: 4,
        offset: 40_000,
        length,
        groupId: bytesToHex(s.groupId),
        tag: s.tag,
        shareTags: s.digests,
        key,
        ...job,
      },
      [candidates[0], undefined, candidates[2]],
      backend.sha256Parts,
      out ? { out } : {},
    );
  }

  it('opens in place in an output with room, copies into one without, allocates with room', async () => {
    const s = await dealt();
    const roomy = new Uint8Array(new ArrayBuffer(length + 16), 0, length);
    const a = await recover(s, s.shares, roomy);
    if (!a.ok) throw new Error(a.error.message);
    expect(a.value.bytes).toBe(roomy);
    expect(a.value.bytes).toEqual(data);
    const tight = new Uint8Array(length);
    const b = await recover(s, s.shares, tight);
    if (!b.ok) throw new Error(b.error.message);
    expect(b.value.bytes).toBe(tight);
    expect(b.value.bytes).toEqual(data);
    const c = await recover(s, s.shares);
    if (!c.ok) throw new Error(c.error.message);
    expect(c.value.bytes).toEqual(data);
    expect(c.value.bytes.buffer.byteLength).toBe(length + 16);
  });

  it('zeroes the output when the shares pass their tags but the chunk does not open', async () => {
    const s = await dealt();
    // Shares sealed under another key, with share tags made under the restore's key: the
    // shares pass their tags, the chunk fails to open.
    const roomy = new Uint8Array(new ArrayBuffer(length + 16), 0, length).fill(1);
    const other = new Uint8Array(32).fill(8);
    const r2 = await dealt(other);
    // The restore's key is not the one the shares were sealed under.
    const r = await recover(r2, r2.shares, roomy, {
      tag: s.tag,
      shareTags: r2.shares.map((b, i) => shareTag(key, 4, i, b)),
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('HMAC_FAILED');
    expect(r.error.badNodes).toEqual([]);
    expect(zero(new Uint8Array(roomy.buffer))).toBe(true);
  });
});
