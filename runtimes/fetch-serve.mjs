// The Fetch-API handler served by the runtime's own HTTP server (Deno.serve, Bun.serve) on
// loopback, against the BUILT packages: one request, one verified reply, and the bad-request
// answers. Run by the matrix for deno and bun; exits 1 on any failed check.
import {
  Agent,
  createFetchHandler,
  ENVELOPE_MEDIA_TYPE,
  LoopbackTransport,
  MemoryTrustRegistry,
  requestReply,
} from '@xorida/agent-sdk';

const isDeno = typeof Deno !== 'undefined';
const runtime = isDeno ? `deno ${Deno.version.deno}` : `bun ${Bun.version}`;
const fail = (message) => {
  console.log(`  FAIL fetch handler under ${runtime}: ${message}`);
  if (isDeno) Deno.exit(1);
  else process.exit(1);
};

const registry = new MemoryTrustRegistry();
const transport = new LoopbackTransport();
const make = async (name, scopes) => {
  const r = await Agent.create({ name, registry, transport, scopes });
  if (!r.ok) fail(`${name}: ${r.error.code}`);
  return r.value;
};
const client = await make('client', ['quote:ask']);
const server = await make('server', ['quote:answer']);
const handler = createFetchHandler(server, {
  replyScope: 'quote:answer',
  // A 1 MiB body limit, so the oversize check below stays cheap on every runtime.
  maxBodyBytes: 1024 * 1024,
  onMessage: (m) => ({ price: 42, item: m.payload.item }),
});

let url;
let stop;
if (isDeno) {
  const s = Deno.serve({ hostname: '127.0.0.1', port: 0, onListen: () => {} }, handler);
  url = `http://127.0.0.1:${s.addr.port}/`;
  stop = () => s.shutdown();
} else {
  const s = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: handler });
  url = `http://127.0.0.1:${s.port}/`;
  stop = () => s.stop(true);
}
try {
  const r = await requestReply(client, {
    url,
    to: server.did,
    payload: { item: 'widget' },
    scope: 'quote:ask',
  });
  if (!r.ok) fail(`request: ${r.error.code}/${r.error.subCode}`);
  if (r.value.body.price !== 42 || r.value.message.sender !== server.did)
    fail(`unexpected reply ${JSON.stringify(r.value.body)}`);
  console.log(`  ok   verified reply from ${r.value.message.sender.slice(0, 20)}… over ${url}`);
  const post = async (body, type) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': type }, body });
    return [res.status, (await res.json()).error?.code];
  };
  const checks = [
    [await post('{}', 'application/json'), [415, 'ENVELOPE_INVALID']],
    [await post('{"junk":1}', ENVELOPE_MEDIA_TYPE), [400, 'ENVELOPE_INVALID']],
    [await post('x'.repeat(2 * 1024 * 1024), ENVELOPE_MEDIA_TYPE), [400, 'PAYLOAD_TOO_LARGE']],
  ];
  for (const [got, want] of checks)
    if (got[0] !== want[0] || got[1] !== want[1])
      fail(`bad request answered ${got}, expected ${want}`);
  console.log(`  ok   415 / 400 / 400 oversize answered with the error shape`);
  console.log(`  ${runtime}: fetch handler served by the runtime, 2 checks ok`);
} finally {
  await stop();
}
