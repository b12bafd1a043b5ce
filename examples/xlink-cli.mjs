// The `xlink` CLI end to end (built package): `xlink serve` in the background, two identities
// (init / create), register, send, receive, then an invite created by "payments" and accepted by
// a new service, which then sends to its inviter. Every step asserts what it prints.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const bin = join(dirname(require.resolve('@xorida/agent-sdk/package.json')), 'dist/node/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'xlink-cli-example-'));
const env = { ...process.env, XDG_CONFIG_HOME: join(dir, 'cfg') };
const xlink = (...args) => {
  const out = execFileSync(process.execPath, [bin, '--json', ...args], { env, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop());
};
const short = (did) => `${did.slice(0, 16)}...${did.slice(-6)}`;

const server = spawn(
  process.execPath,
  [bin, 'serve', '--port', '0', '--data-dir', join(dir, 'data'), '--self-registration', '--json'],
  { env },
);
try {
  const url = await new Promise((resolve, reject) => {
    server.stdout.once('data', (d) => resolve(JSON.parse(String(d)).url));
    server.once('exit', (c) => reject(new Error(`serve exited ${c}`)));
  });
  env.XLINK_REGISTRY_URL = url;
  console.log(`$ xlink serve --port 0            -> ${url}`);

  const billing = xlink('init', '--name', 'billing', '--keystore', join(dir, 'billing.json'));
  const payments = xlink(
    'create',
    '--name',
    'payments',
    '--scope',
    'pay',
    '--keystore',
    join(dir, 'payments.json'),
  );
  xlink('register', '--scope', 'pay', '--keystore', join(dir, 'billing.json'));
  console.log(
    `$ xlink init / create / register  -> billing ${short(billing.did)}, payments ${short(payments.did)}`,
  );

  const sent = xlink(
    'send',
    '--to',
    billing.did,
    '--payload',
    '{"invoice":42}',
    '--scope',
    'pay',
    '--keystore',
    join(dir, 'payments.json'),
  );
  assert.equal(sent.version, 2);
  const got = xlink('receive', '--keystore', join(dir, 'billing.json'));
  assert.deepEqual(got.messages[0].payload, { invoice: 42 });
  console.log(
    `$ xlink send / receive            -> billing verified ${JSON.stringify(got.messages[0].payload)} from ${short(got.messages[0].sender)}`,
  );

  const inv = xlink(
    'invite',
    'shipping',
    '--scope',
    'pay',
    '--expires',
    '15m',
    '--keystore',
    join(dir, 'payments.json'),
  );
  assert.match(inv.code, /^XLK-/);
  const acc = xlink(
    'connect',
    '--invite',
    inv.code,
    '--name',
    'shipping',
    '--keystore',
    join(dir, 'shipping.json'),
  );
  assert.equal(acc.inviter, payments.did);
  xlink(
    'send',
    '--to',
    payments.did,
    '--payload',
    '{"shipped":true}',
    '--scope',
    'pay',
    '--keystore',
    join(dir, 'shipping.json'),
  );
  const back = xlink('receive', '--keystore', join(dir, 'payments.json'));
  assert.deepEqual(back.messages[0].payload, { shipped: true });
  console.log(
    `$ xlink invite / connect --invite -> shipping ${short(acc.did)} trusted by payments; message verified`,
  );

  let refused = '';
  try {
    xlink('connect', '--invite', inv.code, '--keystore', join(dir, 'other.json'));
  } catch (e) {
    refused = JSON.parse(String(e.stdout).trim()).error.code;
    assert.equal(e.status, 1);
  }
  assert.equal(refused, 'INVITE_USED');
  console.log(`$ xlink connect --invite (again)  -> refused: ${refused} (exit 1)`);
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
