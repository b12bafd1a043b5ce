// The same suite with the portable backend (Web Crypto + @noble) forced in place of
// node:crypto: a test-only module substitution of what `#crypto` resolves to.
import { expect, it, vi } from 'vitest';
import { cryptoBackendName } from '../src/index.js';
import { agentSuite } from './suites/agent.js';
import { didKeySuite } from './suites/did-key.js';
import { envelopeSuite } from './suites/envelope.js';
import { fuzzSuite } from './suites/fuzz.js';
import { identitySuite } from './suites/identity.js';
import { splitChannelSuite } from './suites/split-channel.js';
import { xwingSuite } from './suites/xwing.js';

vi.mock('../src/lib/crypto/node.js', () => import('../src/lib/crypto/portable.js'));

it('runs on the portable backend', () => {
  expect(cryptoBackendName).toBe('portable');
});
didKeySuite();
xwingSuite();
identitySuite();
envelopeSuite();
agentSuite();
splitChannelSuite();
fuzzSuite({ junk: 2000, json: 4000, bytes: 4000 });
