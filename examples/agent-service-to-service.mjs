// "Service-to-Service Communication" pattern: a payment service notifies billing, billing
// confirms. Each service is registered with the scopes it may use; the receiver checks them.
import assert from 'node:assert/strict';
import { Agent, LoopbackTransport, MemoryTrustRegistry } from '@xorida/agent-sdk';

const registry = new MemoryTrustRegistry();
const transport = new LoopbackTransport();
const payment = await Agent.create({
  name: 'payment-service',
  registry,
  transport,
  scopes: ['payment:notify'],
});
const billing = await Agent.create({
  name: 'billing-service',
  registry,
  transport,
  scopes: ['billing:confirm'],
});
assert.ok(payment.ok && billing.ok);
const [pay, bill] = [payment.value, billing.value];

const notice = {
  transactionId: 'txn_abc123',
  amount: 99.5,
  currency: 'USD',
  customerId: 'cust_xyz789',
};
const sent = await pay.send({ to: bill.did, payload: notice, scope: 'payment:notify' });
assert.ok(sent.ok, sent.ok ? '' : sent.error.code);
const txn = await bill.receive(sent.value.envelope);
assert.ok(txn.ok, txn.ok ? '' : txn.error.code);
assert.equal(txn.value.payload.amount, 99.5);
console.log(
  `billing verified ${txn.value.scope} from ${txn.value.sender.slice(0, 24)}…: $${txn.value.payload.amount} ${txn.value.payload.currency}`,
);

const confirm = await bill.send({
  to: pay.did,
  payload: { status: 'recorded', invoiceId: 'inv_2024_001' },
  scope: 'billing:confirm',
});
assert.ok(confirm.ok);
const ack = await pay.receive(confirm.value.envelope);
assert.ok(ack.ok && ack.value.payload.status === 'recorded');
console.log(
  `payment verified ${ack.value.scope}: ${ack.value.payload.status} ${ack.value.payload.invoiceId}`,
);

// Billing was never granted payment:notify: the receiver refuses the scope.
const forged = await bill.send({
  to: pay.did,
  payload: { amount: 1_000_000 },
  scope: 'payment:notify',
});
const refused = forged.ok ? await pay.receive(forged.value.envelope) : forged;
assert.ok(
  !refused.ok && refused.error.code === 'SCOPE_DENIED',
  refused.ok ? 'accepted' : refused.error.code,
);
console.log(`billing using payment:notify -> ${refused.error.code}`);
