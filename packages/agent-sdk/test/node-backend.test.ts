// The whole suite on the default backend (`node:crypto` under Node, via #crypto's `node` condition).
import { expect, it } from 'vitest';
import { cryptoBackendName } from '../src/index.js';
import { agentSuite } from './suites/agent.js';
import { didKeySuite } from './suites/did-key.js';
import { envelopeSuite } from './suites/envelope.js';
import { fuzzSuite } from './suites/fuzz.js';
import { identitySuite } from './suites/identity.js';
import { splitChannelSuite } from './suites/split-channel.js';
import { xwingSuite } from './suites/xwing.js';

it('runs on the node:crypto backend', () => {
  expect(cryptoBackendName).toBe('node');
});
didKeySuite();
xwingSuite();
identitySuite();
envelopeSuite();
agentSuite();
splitChannelSuite();
fuzzSuite({ junk: 2000, json: 4000, bytes: 4000 });
