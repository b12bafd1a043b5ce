// Call shapes of the original design's documents: each is accepted, or answered with a coded
// error naming the field, never a TypeError.
import {
  Agent,
  generateIdentity,
  LoopbackTransport,
  MemoryNonceStore,
  MemoryTrustRegistry,
} from '@xorida/agent-sdk';
import { describe, expect, it } from 'vitest';
import { equalBytes } from 'xorida';
import {
  createConnection,
  createConnectionId,
  decryptWithShares,
  encryptWithConnectionSecret,
  epochAt,
  epochConfig,
  generateConnectionSecret,
  inProcessBillingClient,
  reconstructSecret,
  splitForConnection,
  withBilling,
} from '../src/index.js';
import { expectErr, must, service } from './helpers.js';

const did = () => must(generateIdentity()).did;
const currentEpoch = () => must(epochAt(Date.now(), must(epochConfig())));

describe('generateConnectionSecret + splitForConnection (documented aliases)', () => {
  it('the documented vendor flow: id, secret, split; the two shares reconstruct that secret', async () => {
    const [vendor, customer] = [did(), did()];
    const connId = await createConnectionId(vendor, customer, 'ml-inference');
    must(await createConnection(vendor, customer, 'ml-inference', { distribute: false }));
    const epoch = currentEpoch();
    const secret = generateConnectionSecret(must(connId), epoch);
    expect(secret.ok && secret.value.secret.length).toBe(32);
    const shares = await splitForConnection(must(secret).secret, must(connId), must(secret).epoch);
    const { share1, share2 } = must(shares);
    expect(must(shares).epoch).toBe(epoch);
    const rebuilt = must(reconstructSecret(share1, share2));
    expect(equalBytes(rebuilt.secret, must(secret).secret)).toBe(true);
    const ct = must(encryptWithConnectionSecret(rebuilt, new TextEncoder().encode('predict')));
    expect(new TextDecoder().decode(must(decryptWithShares(share2, share1, ct)))).toBe('predict');
  });

  it('answers bad calls with INVALID_INPUT naming the field, and billing states with their codes', async () => {
    const [a, b] = [did(), did()];
    const id = must(createConnectionId(a, b, 'docs'));
    expect(expectErr(generateConnectionSecret('nope', 1), 'INVALID_INPUT').field).toBe(
      'connectionId',
    );
    expect(expectErr(generateConnectionSecret(id, -1), 'INVALID_INPUT').field).toBe('epoch');
    const s = must(generateConnectionSecret(id, currentEpoch()));
    expect(
      expectErr(await splitForConnection(new Uint8Array(5), id, s.epoch), 'INVALID_INPUT').field,
    ).toBe('secret');
    expectErr(await splitForConnection(s.secret, id, s.epoch), 'CONNECTION_NOT_FOUND');
    must(await createConnection(a, b, 'docs', { status: 'pending' }));
    expectErr(await splitForConnection(s.secret, id, s.epoch), 'BILLING_REQUIRED');
    // The documents' literal epoch 1 (1970): a clear epoch error.
    const svc = service();
    const c = must(await svc.createConnection(a, b, 'docs', { distribute: false }));
    expectErr(await svc.splitForConnection(s.secret, c.connectionId, 1), 'EPOCH_EXPIRED');
  });
});

describe('withBilling: the agent and the billing scope', () => {
  it('an identity instead of an Agent is INVALID_OPTIONS naming agent, not a TypeError', () => {
    const svc = service();
    const client = inProcessBillingClient(svc, new MemoryNonceStore());
    const identity = must(generateIdentity());
    const r = withBilling(identity as never, { billingServer: client });
    expect(expectErr(r, 'INVALID_OPTIONS').field).toBe('agent');
    expect(
      expectErr(withBilling(undefined as never, { billingServer: client }), 'INVALID_OPTIONS')
        .field,
    ).toBe('agent');
  });

  it("a bad billing server URL or key is INVALID_OPTIONS under withBilling's option names", async () => {
    const a = await Agent.quickstart({
      registry: new MemoryTrustRegistry(),
      transport: new LoopbackTransport(),
    });
    const key = new Uint8Array(32);
    const field = (o: Parameters<typeof withBilling>[1]) =>
      expectErr(withBilling(a, o), 'INVALID_OPTIONS').field;
    expect(field({ billingServer: 'ftp://billing.example', serverPublicKey: key })).toBe(
      'billingServer',
    );
    expect(field({ billingServer: 'https://billing.example' } as never)).toBe('serverPublicKey');
    expect(field({ billingServer: {} as never })).toBe('billingServer');
  });

  it('billingScope is validated, reported, and named when the connection is missing', async () => {
    const svc = service();
    const client = inProcessBillingClient(svc, new MemoryNonceStore());
    const registry = new MemoryTrustRegistry();
    const transport = new LoopbackTransport();
    const a = await Agent.quickstart({ registry, transport });
    const b = await Agent.quickstart({ registry, transport });
    expect(
      expectErr(withBilling(a, { billingServer: client, billingScope: '' }), 'INVALID_OPTIONS')
        .field,
    ).toBe('billingScope');
    must(await svc.createConnection(a.did, b.did, 'reports', { distribute: false }));
    const wrong = must(withBilling(a, { billingServer: client }));
    expect(wrong.billingScope).toBe('xlink');
    const missing = expectErr(
      await wrong.send({ to: b.did, payload: { n: 1 }, scope: 'chat' }),
      'CONNECTION_NOT_FOUND',
    );
    expect(missing.metadata?.billingScope).toBe('xlink');
    expect(missing.message).toMatch(/scope 'xlink'/);
    const right = must(withBilling(a, { billingServer: client, billingScope: 'reports' }));
    expect(must(await right.send({ to: b.did, payload: { n: 1 }, scope: 'chat' })).queued).toBe(
      true,
    );
  });
});
