// lib/abortable-sleep.ts: the wait used by listen() between polls and by HTTP retries.
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { abortableSleep } from '../src/lib/abortable-sleep.js';

describe('abortableSleep', () => {
  it('removes its abort listener when the time is up', async () => {
    const ac = new AbortController();
    for (let i = 0; i < 20; i++) await abortableSleep(1, ac.signal);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });
  it('an abort ends the wait early; an aborted signal does not wait', async () => {
    const ac = new AbortController();
    const t0 = performance.now();
    const waiting = abortableSleep(60_000, ac.signal);
    ac.abort();
    await waiting;
    await abortableSleep(60_000, ac.signal);
    expect(performance.now() - t0).toBeLessThan(30_000);
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });
});
