// Durable replay state (node/file-nonce-store.ts), the size policy (size-policy.ts) and the
// ack disposition of refusals (delivery-disposition.ts).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dispositionOf } from '../../src/delivery-disposition.js';
import type { XlinkErrorDetail } from '../../src/errors.js';
import { FileNonceStore } from '../../src/node/file-nonce-store.js';
import { parseRejections } from '../../src/node/relay-delivery.js';
import {
  DEFAULT_POLICY_MAX_PAYLOAD_BYTES,
  payloadLimitFromEnv,
  shareBufferOptions,
  sizeLimits,
} from '../../src/size-policy.js';

const dir = mkdtempSync(join(tmpdir(), 'xlink-nonces-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('FileNonceStore', () => {
  it('is durable across reopen (one acceptance), 0600, and prunes only after retention', async () => {
    let now = 1_000_000;
    const path = join(dir, 'a.nonces.jsonl');
    const opts = { path, minRetentionMs: 10_000, now: () => now };
    const s1 = await FileNonceStore.open(opts);
    if (!s1.ok) throw new Error(s1.error.message);
    expect((await s1.value.checkAndStore('k1', 1000)).ok).toBe(true);
    expect(await s1.value.checkAndStore('k1', 1000)).toEqual({ ok: true, value: 'replay' });
    // a second owner is refused while the first holds the file
    const busy = await FileNonceStore.open(opts);
    expect(!busy.ok && busy.error.subCode).toBe('LOG_LOCKED');
    await s1.value.close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    // a new process (reopen): still a replay; the requested 1 s TTL was raised to the 10 s floor
    now += 5_000;
    const s2 = await FileNonceStore.open(opts);
    if (!s2.ok) throw new Error(s2.error.message);
    expect(await s2.value.has('k1')).toBe(true);
    expect(await s2.value.checkAndStore('k1', 1000)).toEqual({ ok: true, value: 'replay' });
    await s2.value.close();
    // past the retention: pruned on open
    now += 6_000;
    const s3 = await FileNonceStore.open(opts);
    if (!s3.ok) throw new Error(s3.error.message);
    expect(s3.value.size).toBe(0);
    expect(await s3.value.checkAndStore('k1', 1000)).toEqual({ ok: true, value: 'stored' });
    await s3.value.close();
  });
});

describe('size policy', () => {
  it('derives every limit from one setting; 16 MiB by default', () => {
    expect(DEFAULT_POLICY_MAX_PAYLOAD_BYTES).toBe(16 * 1024 * 1024);
    const d = sizeLimits();
    expect(d.maxEnvelopeJsonBytes).toBeGreaterThan((16 * 1024 * 1024 * 4) / 3);
    expect(d.maxResponseBytes).toBeGreaterThan(d.maxEnvelopeJsonBytes);
    expect(d.shareBufferBytesPerSender).toBeGreaterThanOrEqual(2 * 16 * 1024 * 1024);
    const small = sizeLimits(1000);
    expect(small.shareBufferBytesPerSender).toBe(8 * 1024 * 1024);
    expect(small.maxEnvelopeJsonBytes).toBeLessThan(d.maxEnvelopeJsonBytes);
    expect(
      shareBufferOptions({ maxBufferedBytesPerSender: 5 }, 1e9).maxBufferedBytesPerSender,
    ).toBe(5);
    expect(shareBufferOptions(undefined, 64 * 1024 * 1024).maxBufferedBytesPerSender).toBe(
      sizeLimits(64 * 1024 * 1024).shareBufferBytesPerSender,
    );
  });

  it('reads XLINK_MAX_PAYLOAD_BYTES strictly', () => {
    expect(payloadLimitFromEnv({})).toEqual({ ok: true, value: 16 * 1024 * 1024 });
    expect(payloadLimitFromEnv({ XLINK_MAX_PAYLOAD_BYTES: '1024' })).toEqual({
      ok: true,
      value: 1024,
    });
    for (const bad of ['0', '-1', '1e6', 'x', '268435457'])
      expect(payloadLimitFromEnv({ XLINK_MAX_PAYLOAD_BYTES: bad }).ok).toBe(false);
  });
});

describe('ack disposition', () => {
  const e = (code: string, subCode?: string) =>
    ({ code, subCode, message: 'm', hint: 'h' }) as unknown as XlinkErrorDetail;
  it('transient failures stay queued; permanent ones are rejected with their code', () => {
    for (const t of [e('LOOKUP_FAILED'), e('NETWORK_ERROR'), e('NONCE_STORE_FULL', 'REDIS_ERROR')])
      expect(dispositionOf(t)).toBe('retry');
    expect(dispositionOf(e('TIMESTAMP_EXPIRED', 'FUTURE'))).toBe('retry');
    for (const p of [
      e('VERIFICATION_FAILED', 'SIGNATURE_MISMATCH'),
      e('VERIFICATION_FAILED', 'SENDER_REVOKED'),
      e('REPLAY_DETECTED'),
      e('ENVELOPE_INVALID'),
      e('TIMESTAMP_EXPIRED', 'STALE'),
    ])
      expect(dispositionOf(p)).toBe('reject');
  });
  it('the relay parses reported rejections strictly', () => {
    expect(parseRejections(undefined)).toEqual([]);
    expect(parseRejections([{ id: 'a', code: 'REPLAY_DETECTED' }])).toEqual([
      { id: 'a', code: 'REPLAY_DETECTED' },
    ]);
    expect(parseRejections([{ id: '', code: 'X' }])).toBeNull();
    expect(parseRejections([{ id: 'a' }])).toBeNull();
    expect(parseRejections('x')).toBeNull();
    expect(parseRejections(Array.from({ length: 501 }, () => ({ id: 'a', code: 'X' })))).toBeNull();
  });
});
