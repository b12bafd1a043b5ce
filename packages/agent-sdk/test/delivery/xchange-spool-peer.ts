// An Xchange receiver in its own process for xchange-spool-restart.test.ts (the `xlink` CLI has
// no Xchange flag): an Agent with `xchange: true`, a FileShareSpool and the CLI's durable nonce
// file (cli/replay-state.ts) in the data dir, listening on every relay URL given. argv[2] is a
// JSON object { seed (hex, 32 bytes), dataDir, relays: string[], groupTimeoutMs, clockOffsetMs }
// (clockOffsetMs moves the share buffer's clock: "time passed while the receiver was down").
// Prints JSON lines: `{"ready":did}`, then `{"message":{payload,indices,verifications}}` per
// delivered message and `{"error":{code,subCode}}` per refusal; `verifications` counts the
// Ed25519 verifications of Xchange group statements this process ran so far.
import { join } from 'node:path';
import {
  Agent,
  HttpsTransportAdapter,
  HttpTrustRegistry,
  identityFromSeed,
} from '../../src/index.js';
import { backend } from '../../src/lib/crypto/node.js';
import { openReplayState } from '../../src/node/cli/replay-state.js';
import { FileShareSpool } from '../../src/node/index.js';

interface PeerConfig {
  seed: string;
  dataDir: string;
  relays: string[];
  groupTimeoutMs: number;
  clockOffsetMs: number;
}
const cfg = JSON.parse(process.argv[2]!) as PeerConfig;
const out = (o: unknown) => void process.stdout.write(`${JSON.stringify(o)}\n`);

// Ed25519 verifications of Xchange group statements (not of registry or relay signatures)
let verifications = 0;
const STATEMENT = Buffer.from('XLINK-XCHANGE-STATEMENT-V2');
const verify = backend.ed25519Verify.bind(backend);
backend.ed25519Verify = (key, message, signature) => {
  if (Buffer.from(message.subarray(0, STATEMENT.length)).equals(STATEMENT)) verifications++;
  return verify(key, message, signature);
};

const id = identityFromSeed(Buffer.from(cfg.seed, 'hex'));
if (!id.ok) throw new Error(id.error.message);
const state = await openReplayState(join(cfg.dataDir, 'bob.json'), {}, 600_000);
if (!state.ok) throw new Error(state.error.message);
const agent = Agent.fromParts({
  identity: id.value,
  name: 'xchange-spool-peer',
  scopes: ['pay'],
  xchange: true,
  // parts wait in the relays while the test kills and restarts this process
  timestampWindowMs: 300_000,
  nonceStore: state.value.nonceStore,
  shareSpool: new FileShareSpool(join(cfg.dataDir, 'shares')),
  splitChannel: {
    groupTimeoutMs: cfg.groupTimeoutMs,
    now: () => Date.now() + cfg.clockOffsetMs,
  },
  registry: new HttpTrustRegistry({ baseUrl: cfg.relays[0]!, signer: id.value }),
  transport: new HttpsTransportAdapter({ baseUrl: cfg.relays[0]! }),
  logger: {},
});
for (const relay of cfg.relays)
  void agent.listen({
    relay,
    intervalMs: 50,
    onMessage: (m) =>
      out({ message: { payload: m.payload, indices: m.split?.indices, verifications } }),
    onError: (e) =>
      out({ error: 'code' in e ? { code: e.code, subCode: e.subCode } : { message: e.message } }),
  });
out({ ready: agent.did });
