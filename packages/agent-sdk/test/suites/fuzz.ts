import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type EnvelopeJson,
  encodeEnvelope,
  envelopeFromJson,
  parseEnvelope,
} from '../../src/index.js';
import { makePeer, world } from '../helpers.js';

/**
 * >= 10 000 fuzzed envelopes: arbitrary junk, field-level mutations of valid JSON envelopes and
 * byte-level mutations (flips, truncations, insertions) of valid binary envelopes. Every one
 * must come back as a `Result` error; none may throw or be accepted.
 */
export function fuzzSuite(runs: { junk: number; json: number; bytes: number }): void {
  describe(`fuzzing receive() with ${runs.junk + runs.json + runs.bytes} envelopes`, () => {
    it('never throws and never accepts a mutated or junk envelope', async () => {
      const w = world();
      const alice = await makePeer(1, w);
      const bob = await makePeer(2, w);
      const originals: EnvelopeJson[] = [];
      for (const payload of [{ a: 1 }, { b: 'x'.repeat(40) }]) {
        const s = await alice.agent.send({ to: bob.agent.did, payload, scope: 'fuzz' });
        if (!s.ok) throw new Error('send');
        originals.push(s.value.envelope);
      }
      // Byte-level mutations use their own, never-accepted originals: once an original is
      // accepted (an identity mutation in the JSON phase), its copies stop at the replay check.
      const fresh: EnvelopeJson[] = [];
      for (const payload of [{ c: 1 }, { d: 'y'.repeat(40) }]) {
        const s = await alice.agent.send({ to: bob.agent.did, payload, scope: 'fuzz' });
        if (!s.ok) throw new Error('send');
        fresh.push(s.value.envelope);
      }
      const binaries = fresh.map((e) => {
        const p = envelopeFromJson(e);
        if (!p.ok) throw new Error('parse');
        return encodeEnvelope(p.value);
      });
      const counts = new Map<string, number>();
      const originalHex = originals.map((e) => {
        const p = envelopeFromJson(e);
        return p.ok ? Buffer.from(encodeEnvelope(p.value)).toString('hex') : '';
      });
      const accepted = new Set<string>();
      let total = 0;
      const check = async (input: unknown) => {
        total++;
        let r: Awaited<ReturnType<typeof bob.agent.receive>>;
        try {
          r = await bob.agent.receive(input, { allowCleartext: true });
        } catch (e) {
          throw new Error(
            `receive threw on ${String(input).slice(0, 80)}: ${(e as Error).message}`,
          );
        }
        if (r.ok) {
          // Only a mutation that left the envelope identical (e.g. a field set to its own
          // value) may pass, and only once: the next identical copy is a replay.
          const p = parseEnvelope(input);
          const hex = p.ok ? Buffer.from(encodeEnvelope(p.value)).toString('hex') : '';
          expect(originalHex.includes(hex)).toBe(true);
          expect(accepted.has(hex)).toBe(false);
          accepted.add(hex);
        } else counts.set(r.error.code, (counts.get(r.error.code) ?? 0) + 1);
      };

      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.anything(),
            fc.string(),
            fc.uint8Array({ maxLength: 600 }),
            fc.base64String(),
            fc.json(),
          ),
          check,
        ),
        { numRuns: runs.junk, seed: 1 },
      );

      const fields = Object.keys(originals[0]!) as (keyof EnvelopeJson)[];
      await fc.assert(
        fc.asyncProperty(
          fc.nat(originals.length - 1),
          fc.constantFrom(...fields, '__extra__'),
          fc.oneof(
            fc.anything(),
            fc.string(),
            fc.integer(),
            fc.constantFrom(1, 2, 3, 16, -1, 2 ** 53),
            fc
              .base64String()
              .map((s) => s.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')),
          ),
          fc.boolean(),
          async (i, field, value, asText) => {
            const env: Record<string, unknown> = { ...originals[i]! };
            if (field === '__extra__') env.extra = value;
            else env[field] = value;
            await check(asText ? JSON.stringify(env) : env);
          },
        ),
        { numRuns: runs.json, seed: 2 },
      );

      await fc.assert(
        fc.asyncProperty(
          fc.nat(binaries.length - 1),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), {
            minLength: 1,
            maxLength: 4,
          }),
          fc.constantFrom('flip', 'truncate', 'insert'),
          fc.boolean(),
          async (i, edits, kind, compact) => {
            let b = binaries[i]!.slice();
            for (const [pos, v] of edits) {
              const at = pos % b.length;
              if (kind === 'flip') b[at]! ^= v;
              else if (kind === 'truncate') b = b.slice(0, at);
              else b = Uint8Array.from([...b.subarray(0, at), v, ...b.subarray(at)]);
              if (b.length === 0) break;
            }
            if (compact) {
              const { base64urlEncode } = await import('../../src/lib/codec.js');
              await check(base64urlEncode(b));
            } else await check(b);
          },
        ),
        { numRuns: runs.bytes, seed: 3 },
      );
      expect(total).toBe(runs.junk + runs.json + runs.bytes);
      // The mutations reach deep pipeline stages, not just the parser.
      expect(counts.get('VERIFICATION_FAILED') ?? 0).toBeGreaterThan(runs.bytes / 4);
      expect(counts.get('ENVELOPE_INVALID') ?? 0).toBeGreaterThan(0);
      expect(counts.get('REPLAY_DETECTED') ?? 0).toBeGreaterThan(0);
    });
  });
}
