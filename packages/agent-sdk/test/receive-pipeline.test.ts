// The receive and send pipelines run their steps in the documented order: the exported step lists
// match the README, and envelopes that break two rules at once fail with the earlier step's code.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Agent, DEFAULT_TIMESTAMP_WINDOW_MS, type EnvelopeJson } from '../src/index.js';
import { RECEIVE_STEPS } from '../src/receive/pipeline.js';
import { checkTimestamp } from '../src/receive/timestamp.js';
import { SEND_STEPS } from '../src/send/pipeline.js';
import { makePeer, world } from './helpers.js';

type R = { ok: true } | { ok: false; error: { code: string; subCode?: string } };
const codeOf = (r: R) =>
  r.ok ? 'ok' : r.error.subCode ? `${r.error.code}:${r.error.subCode}` : r.error.code;

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The backticked step names of a README section, in the order they appear. */
function documentedSteps(heading: string): string[] {
  const start = README.indexOf(`### ${heading}`);
  const end = README.indexOf('\n#', start + 4);
  const section = README.slice(start, end);
  // Each numbered list item starts with its step name in backticks.
  return [...section.matchAll(/^\d+\. `([a-z]+(?:-[a-z]+)*)`/gm)].map((m) => m[1]!);
}

const WINDOW = DEFAULT_TIMESTAMP_WINDOW_MS;
const T0 = 1_800_000_000_000;

/** An envelope from `from` to `to`, stamped T0. */
async function sentAtT0(from: Agent, to: Agent): Promise<EnvelopeJson> {
  const s = await from.send({
    to: to.did,
    payload: { n: 1 },
    scope: 'chat',
    testing: { timestamp: T0 },
  });
  if (!s.ok) throw new Error(codeOf(s));
  return s.value.envelope;
}

async function pair() {
  const w = world();
  const alice = await makePeer(1, w);
  const bob = await makePeer(2, w);
  return {
    ...w,
    alice: alice.agent,
    bob: bob.agent,
    envelope: await sentAtT0(alice.agent, bob.agent),
  };
}

const DOCUMENTED = {
  'Receive pipeline': [
    'parse',
    'late-share',
    'timestamp',
    'nonce-seen',
    'resolve-sender',
    'revoked',
    'downgrade',
    'signatures',
    'record-nonce',
    'scope',
    'decrypt',
    'assemble',
    'deliver',
  ],
  'Send pipeline': [
    'validate',
    'resolve-recipient',
    'negotiate-version',
    'policy',
    'split',
    'seal',
    'fresh',
    'transport',
  ],
};

describe.each([
  ['Receive pipeline', RECEIVE_STEPS],
  ['Send pipeline', SEND_STEPS],
] as const)('%s step list', (heading, steps) => {
  it('is the documented list, in order, and the README lists it the same way', () => {
    const names = steps.map((s) => s.name);
    expect(names).toEqual(DOCUMENTED[heading]);
    expect(documentedSteps(heading)).toEqual(names);
  });
});

describe('receive pipeline order', () => {
  it('a stale AND replayed envelope fails at timestamp (STALE), not at nonce-seen', async () => {
    const { bob, envelope } = await pair();
    expect(codeOf(await bob.receive(envelope, { now: T0 }))).toBe('ok');
    // Replayed inside the window: the replay check answers.
    expect(codeOf(await bob.receive(envelope, { now: T0 + WINDOW }))).toBe('REPLAY_DETECTED');
    // Replayed once the clock has moved past the window: the earlier timestamp step answers.
    expect(codeOf(await bob.receive(envelope, { now: T0 + WINDOW + 1 }))).toBe(
      'TIMESTAMP_EXPIRED:STALE',
    );
  });

  it('a replayed envelope from a since-revoked sender fails at nonce-seen, before revoked', async () => {
    const { registry, alice, bob, envelope } = await pair();
    expect(codeOf(await bob.receive(envelope, { now: T0 }))).toBe('ok');
    expect((await registry.revoke(alice.did)).ok).toBe(true);
    expect(codeOf(await bob.receive(envelope, { now: T0 + 1 }))).toBe('REPLAY_DETECTED');
    // A fresh envelope from the same sender reaches the revoked step.
    const again = await alice.send({ to: bob.did, payload: { n: 2 }, scope: 'chat' });
    if (!again.ok) throw new Error(codeOf(again));
    expect(codeOf(await bob.receive(again.value.envelope))).toBe(
      'VERIFICATION_FAILED:SENDER_REVOKED',
    );
  });

  it('an unknown sender with a future timestamp fails at timestamp, before resolve-sender', async () => {
    const mine = world();
    const bob = await makePeer(2, mine);
    // Alice's registry knows Bob; Bob's registry has never heard of Alice.
    const theirs = world();
    const alice = await makePeer(1, theirs);
    expect(
      (await theirs.registry.register({ keyDocument: bob.agent.keyDocument, scopes: ['*'] })).ok,
    ).toBe(true);
    const envelope = await sentAtT0(alice.agent, bob.agent);
    expect(codeOf(await bob.agent.receive(envelope, { now: T0 - WINDOW - 1 }))).toBe(
      'TIMESTAMP_EXPIRED:FUTURE',
    );
    expect(codeOf(await bob.agent.receive(envelope, { now: T0 }))).toBe(
      'VERIFICATION_FAILED:DID_NOT_IN_REGISTRY',
    );
  });

  it('checkTimestamp accepts both ends of the window and nothing beyond', () => {
    expect(codeOf(checkTimestamp(T0 - WINDOW, T0, WINDOW))).toBe('ok');
    expect(codeOf(checkTimestamp(T0 + WINDOW, T0, WINDOW))).toBe('ok');
    expect(codeOf(checkTimestamp(T0 - WINDOW - 1, T0, WINDOW))).toBe('TIMESTAMP_EXPIRED:STALE');
    expect(codeOf(checkTimestamp(T0 + WINDOW + 1, T0, WINDOW))).toBe('TIMESTAMP_EXPIRED:FUTURE');
  });
});

describe('send pipeline order', () => {
  it('a bad scope to an unknown recipient fails at validate, before resolve-recipient', async () => {
    const w = world();
    const alice = await makePeer(1, w);
    const unknown = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
    expect(codeOf(await alice.agent.send({ to: unknown, payload: {}, scope: '' }))).toBe(
      'INVALID_SCOPE',
    );
    expect(codeOf(await alice.agent.send({ to: unknown, payload: {}, scope: 'chat' }))).toBe(
      'DID_NOT_IN_REGISTRY',
    );
  });
});
