// A receiving peer in its own process for size-e2e.test.ts: an Agent registered (self-
// registration, scope `bulk`) at the `xlink serve` given in argv[2], answering direct HTTP
// envelopes with `agent.middleware()` on a plain node:http server (204 after a complete
// message), and pulling its relay mailbox with `agent.listen()`. Prints JSON lines: first
// `{"url","did"}`, then `{"got":{"via","bytes","sha256","split"}}` per delivered message and
// `{"error":…}` per refusal.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Agent,
  type AgentMessage,
  generateIdentity,
  HttpsTransportAdapter,
  HttpTrustRegistry,
} from '../../src/index.js';

const registryUrl = process.argv[2]!;
const id = generateIdentity();
if (!id.ok) throw new Error('identity');
const agent = Agent.fromParts({
  identity: id.value,
  name: 'size-peer',
  scopes: ['bulk'],
  // the receiver's window must not decide how long 16 MiB take on a loaded machine
  timestampWindowMs: 300_000,
  registry: new HttpTrustRegistry({ baseUrl: registryUrl, signer: id.value }),
  transport: new HttpsTransportAdapter({ baseUrl: registryUrl }),
  logger: {},
});
const reg = await agent.register();
if (!reg.ok) throw new Error(reg.error.message);

const report = (via: string, m: AgentMessage) => {
  const p = m.payload as Uint8Array;
  const got = {
    via,
    bytes: p.length,
    sha256: createHash('sha256').update(p).digest('hex'),
    split: m.split ? m.split.n : 0,
  };
  process.stdout.write(`${JSON.stringify({ got })}\n`);
};
const error = (e: { code?: string; subCode?: string; message: string }) =>
  process.stdout.write(
    `${JSON.stringify({ error: { code: e.code, subCode: e.subCode, message: e.message } })}\n`,
  );

const mw = agent.middleware();
const server = createServer((req, res) => {
  mw(req, res, (e?: unknown) => {
    if (e) {
      error({ message: String(e) });
      res.statusCode = 500;
      return res.end();
    }
    report('direct', (req as unknown as { agentMessage: AgentMessage }).agentMessage);
    res.statusCode = 204;
    res.end();
  });
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}`, did: agent.did })}\n`);
});
void agent.listen({
  relay: registryUrl,
  intervalMs: 100,
  onMessage: (m) => report('relay', m),
  onError: (e) => error(e as { code?: string; message: string }),
});
