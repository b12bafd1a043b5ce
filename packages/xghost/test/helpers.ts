import { Agent, generateIdentity, LoopbackTransport, MemoryTrustRegistry } from '@xorida/agent-sdk';

export const SOURCE = `
function helper(x) { return x * 2; }
const secretTable = [3, 1, 4, 1, 5];
exports.predict = function (row) { return helper(row[0]) + row[1] + secretTable[row.length % 5]; };
exports.sum = (a) => a.reduce((s, x) => s + x, 0);
exports.probe = () => [typeof process, typeof require, typeof fetch, typeof console, typeof setTimeout];
exports.tryEval = () => eval('1 + 1');
exports.boom = () => { throw new Error('kaput'); };
exports.notDeclared = () => 'should not be reachable';
`;
export const EXPORTS = ['predict', 'sum', 'probe', 'tryEval', 'boom'];

/** The same module loaded the plain way (no ghost), for result comparisons. */
export function plainModule(): Record<string, (...a: unknown[]) => unknown> {
  const module = { exports: {} as Record<string, (...a: unknown[]) => unknown> };
  new Function('module', 'exports', SOURCE)(module, module.exports);
  return module.exports;
}

export function vendorIdentity() {
  const id = generateIdentity();
  if (!id.ok) throw new Error(id.error.message);
  return id.value;
}

export function customerAgent(name = 'customer'): Agent {
  const id = generateIdentity();
  if (!id.ok) throw new Error(id.error.message);
  return Agent.fromParts({
    identity: id.value,
    name,
    registry: new MemoryTrustRegistry(),
    transport: new LoopbackTransport(),
  });
}

export const enc = (s: string) => new TextEncoder().encode(s);
