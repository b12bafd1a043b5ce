// The whole suite on the Node backend with its post-quantum members forced to @noble (the path
// Node 20/22, Deno and Bun take), in the same process as a native-capable runtime: a test-only
// module substitution of what `#crypto` resolves to. Includes the X-Wing draft-10 Appendix C
// vectors and the envelope known answers.
import { expect, it, vi } from 'vitest';
import { cryptoBackendName, cryptoCapabilities } from '../src/index.js';
import { agentSuite } from './suites/agent.js';
import { didKeySuite } from './suites/did-key.js';
import { envelopeSuite } from './suites/envelope.js';
import { fuzzSuite } from './suites/fuzz.js';
import { identitySuite } from './suites/identity.js';
import { splitChannelSuite } from './suites/split-channel.js';
import { xwingSuite } from './suites/xwing.js';

vi.mock('../src/lib/crypto/node.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('../src/lib/crypto/node.js')>();
  return { ...m, backend: m.nobleBackend };
});

it('runs on the node backend with @noble post-quantum members', () => {
  expect(cryptoBackendName).toBe('node');
  expect(cryptoCapabilities().mlKem768).toBe('js');
  expect(cryptoCapabilities().mlDsa65).toBe('js');
});
didKeySuite();
xwingSuite();
identitySuite();
envelopeSuite();
agentSuite();
splitChannelSuite();
fuzzSuite({ junk: 500, json: 1000, bytes: 1000 });
