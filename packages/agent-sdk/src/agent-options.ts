/**
 * Checking {@link AgentOptions} and turning them into the resolved configuration the Agent and
 * its pipelines read ({@link AgentConfig}: every default filled in).
 *
 * @module
 */

import { ok, type Result } from 'xorida';
import { type AgentLogger, type AgentOptions, DEFAULT_TIMESTAMP_WINDOW_MS } from './agent-types.js';
import type { DeliveryOptions } from './delivery-freshness.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, isValidScope } from './envelope.js';
import { type XlinkErrorDetail, xlinkErr } from './errors.js';
import { MemoryNonceStore, type NonceStore } from './nonce-store.js';
import type { TrustRegistry } from './registry.js';
import { type SecurityPolicyOptions, validateSecurityPolicy } from './security-policy.js';
import type { ShareBufferOptions } from './split-channel/share-buffer.js';
import type { ShareSpool } from './split-channel/share-spool.js';
import type { TransportAdapter } from './transport.js';

/** {@link AgentOptions} with every default applied. */
export interface AgentConfig {
  readonly name: string | undefined;
  readonly registry: TrustRegistry;
  /** `transports[0]`: single-envelope sends go here. */
  readonly transport: TransportAdapter;
  /** Share i of a split send goes to `transports[i % transports.length]`. */
  readonly transports: readonly TransportAdapter[];
  readonly nonceStore: NonceStore;
  /** ms. */
  readonly timestampWindowMs: number;
  /** bytes. */
  readonly maxPayloadBytes: number;
  readonly scopes: readonly string[];
  readonly acceptScopes: readonly string[] | undefined;
  readonly splitChannel: ShareBufferOptions | undefined;
  readonly shareSpool: ShareSpool | undefined;
  readonly xchange: boolean;
  readonly security: SecurityPolicyOptions | undefined;
  readonly logger: AgentLogger;
  /** Trusted relays and TTL (delivery-freshness.ts); undefined: direct window only. */
  readonly delivery: DeliveryOptions | undefined;
}

/**
 * Validates and resolves Agent options.
 * @param o the caller's options
 * @returns the configuration, or `INVALID_OPTIONS` (`field` names the bad option: registry,
 *   transport, security, timestampWindowMs in 1..86 400 000 ms, maxPayloadBytes in
 *   1..268 435 456 bytes, scopes, acceptScopes)
 */
export function agentConfig(o: Partial<AgentOptions>): Result<AgentConfig, XlinkErrorDetail> {
  const bad = (field: string, message: string) =>
    xlinkErr('INVALID_OPTIONS', message, 'Fix the Agent options', { field });
  if (!o || typeof o !== 'object') return bad('options', 'options object required');
  if (!o.registry || typeof o.registry.resolve !== 'function')
    return bad('registry', 'registry must implement TrustRegistry');
  const ts: unknown[] = Array.isArray(o.transport) ? o.transport : [o.transport];
  if (ts.length === 0 || !ts.every((t) => typeof (t as TransportAdapter)?.send === 'function'))
    return bad('transport', 'transport must implement TransportAdapter (or be a non-empty array)');
  const sp = validateSecurityPolicy(o.security);
  if (!sp.ok) return sp;
  if (
    o.timestampWindowMs !== undefined &&
    !(
      Number.isSafeInteger(o.timestampWindowMs) &&
      o.timestampWindowMs > 0 &&
      o.timestampWindowMs <= 86_400_000
    )
  )
    return bad('timestampWindowMs', 'timestampWindowMs must be an integer in 1..86 400 000 ms');
  if (
    o.maxPayloadBytes !== undefined &&
    !(
      Number.isSafeInteger(o.maxPayloadBytes) &&
      o.maxPayloadBytes > 0 &&
      o.maxPayloadBytes <= 256 * 1024 * 1024
    )
  )
    return bad('maxPayloadBytes', 'maxPayloadBytes must be an integer in 1..268 435 456');
  if (o.scopes !== undefined && (!Array.isArray(o.scopes) || !o.scopes.every(isValidScope)))
    return bad('scopes', 'scopes must be valid scope strings');
  if (
    o.acceptScopes !== undefined &&
    (!Array.isArray(o.acceptScopes) || !o.acceptScopes.every(isValidScope))
  )
    return bad('acceptScopes', 'acceptScopes must be valid scope strings');
  const transports = [...(ts as TransportAdapter[])];
  return ok({
    transports,
    xchange: o.xchange === true,
    security: o.security,
    splitChannel: o.splitChannel,
    shareSpool: o.shareSpool,
    logger: o.logger ?? { warn: (e, d) => console.warn(`[xlink] ${e}`, d) },
    name: o.name,
    registry: o.registry,
    transport: transports[0]!,
    nonceStore: o.nonceStore ?? new MemoryNonceStore(),
    timestampWindowMs: o.timestampWindowMs ?? DEFAULT_TIMESTAMP_WINDOW_MS,
    maxPayloadBytes: o.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
    scopes: o.scopes ?? ['*'],
    acceptScopes: o.acceptScopes,
    delivery: o.delivery,
  });
}
