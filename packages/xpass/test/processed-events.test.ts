// Processed Stripe event ids: durable across reopen, expire after the retention, releasable;
// the Redis store against the real Redis at REDIS_URL (fails, never skips, when unreachable).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { bytesToHex } from 'xorida';
import {
  FileProcessedEventStore,
  RedisProcessedEventStore,
  serverConfigFromEnv,
} from '../src/node/index.js';
import { must } from './helpers.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('FileProcessedEventStore', () => {
  it('remembers ids across reopen, forgets them after the retention or a release', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xpass-events-'));
    dirs.push(dir);
    const path = join(dir, 'stripe-events.jsonl');
    let t = 1_000_000;
    const now = () => t;
    const a = must(await FileProcessedEventStore.open(path, { now, retentionMs: 1000 }));
    expect(await a.claim('evt_1')).toBe(true);
    expect(await a.claim('evt_1')).toBe(false);
    expect(await a.claim('evt_2')).toBe(true);
    await a.release('evt_2');
    await a.close();
    const b = must(await FileProcessedEventStore.open(path, { now, retentionMs: 1000 }));
    expect(await b.claim('evt_1')).toBe(false);
    expect(await b.claim('evt_2')).toBe(true);
    t += 1001;
    expect(await b.claim('evt_1')).toBe(true);
    await b.close();
  });
});

describe('RedisProcessedEventStore', () => {
  it('claims once, expires with the retention, releases', async () => {
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
      maxRetriesPerRequest: 1,
    });
    try {
      const prefix = `xpass-test-${bytesToHex(crypto.getRandomValues(new Uint8Array(6)))}:`;
      const s = new RedisProcessedEventStore(redis, prefix, 60_000);
      expect(await s.claim('evt_1')).toBe(true);
      expect(await s.claim('evt_1')).toBe(false);
      const ttl = await redis.pttl(`${prefix}evt_1`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
      await s.release('evt_1');
      expect(await s.claim('evt_1')).toBe(true);
      await redis.del(`${prefix}evt_1`);
    } finally {
      redis.disconnect();
    }
  });
});

describe('server config: Stripe and outbound webhook variables', () => {
  it('reads the secret, mapping file and webhook URLs; refuses a non-http URL', () => {
    const cfg = must(
      serverConfigFromEnv({
        XPASS_STRIPE_WEBHOOK_SECRET: 'whsec_x',
        XPASS_STRIPE_MAPPING_FILE: '/etc/xpass/stripe.json',
        XPASS_WEBHOOK_URLS: 'http://127.0.0.1:9/a, https://example.test/b',
      }),
    );
    expect(cfg.stripeWebhookSecret).toBe('whsec_x');
    expect(cfg.stripeMappingFile).toBe('/etc/xpass/stripe.json');
    expect(cfg.webhookUrls).toEqual(['http://127.0.0.1:9/a', 'https://example.test/b']);
    expect(must(serverConfigFromEnv({})).webhookUrls).toEqual([]);
    const bad = serverConfigFromEnv({ XPASS_WEBHOOK_URLS: 'ftp://x' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.field).toBe('XPASS_WEBHOOK_URLS');
  });
});
