/**
 * The original design's free functions (`createConnection(didA, didB, scope)`, `checkBilling(id)`,
 * ...) over one process-wide in-memory {@link BillingService}, created on first use with default
 * settings and a random signing key, or set with `configureDefaultBilling`.
 *
 * Pitfall: the default service forgets everything when the process exits and its key is random;
 * servers and anything durable should create their own `BillingService` with a store and a seed.
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import {
  BillingService,
  type BillingServiceOptions,
  type CreateConnectionOptions,
  type CreatedConnection,
  type ListOptions,
  type XpassBillingStatus,
  type XpassConnection,
  type XpassVerification,
} from './billing-service.js';
import type { ConnectionShares } from './connection-split.js';
import type { XpassError } from './errors.js';
import type { XpassShare } from './share-envelope.js';

let current: BillingService | undefined;

/**
 * Replaces the process-wide default service.
 * @param options as `BillingService.create`
 * @returns the new service, or its `INVALID_INPUT` error
 */
export function configureDefaultBilling(
  options: BillingServiceOptions = {},
): Result<BillingService, XpassError> {
  const s = BillingService.create(options);
  if (s.ok) current = s.value;
  return s;
}

/** The process-wide default service (created on first use). */
export function defaultBilling(): BillingService {
  if (!current) {
    const s = BillingService.create();
    if (!s.ok) throw new Error(s.error.message); // unreachable: defaults are valid
    current = s.value;
  }
  return current;
}

/**
 * `BillingService.createConnection` on the default service.
 * @returns metadata and both current-epoch shares (`share1` for the lower DID)
 */
export function createConnection(
  didA: string,
  didB: string,
  scope: string,
  options: CreateConnectionOptions = {},
): Promise<Result<CreatedConnection, XpassError>> {
  return defaultBilling().createConnection(didA, didB, scope, options);
}

/** `BillingService.verifyConnection` on the default service. */
export function verifyConnection(
  connectionId: string,
  share: XpassShare,
): Promise<Result<XpassVerification, XpassError>> {
  return defaultBilling().verifyConnection(connectionId, share);
}

/** `BillingService.revokeConnection` on the default service. */
export function revokeConnection(
  connectionId: string,
  reason: string,
): Promise<Result<void, XpassError>> {
  return defaultBilling().revokeConnection(connectionId, reason);
}

/** `BillingService.listConnections` on the default service. */
export function listConnections(
  did: string,
  options: ListOptions = {},
): Promise<Result<XpassConnection[], XpassError>> {
  return defaultBilling().listConnections(did, options);
}

/** `BillingService.checkBilling` on the default service. */
export function checkBilling(
  connectionId: string,
): Promise<Result<XpassBillingStatus, XpassError>> {
  return defaultBilling().checkBilling(connectionId);
}

/** The default service's public key (32 bytes), for `verifyShareSignature`. */
export function defaultBillingPublicKey(): Result<Uint8Array, XpassError> {
  return ok(defaultBilling().publicKey);
}

/**
 * `BillingService.splitForConnection` on the default service: both signed share envelopes of a
 * caller-supplied secret (the original design's name; see connection-split.ts).
 * @param secret 32 bytes (`generateConnectionSecret`)
 * @param connectionId 64 hex, created with `createConnection`
 * @param epoch uint32 inside its issue window (e.g. the `epoch` of `checkBilling`)
 * @returns `{ connectionId, epoch, share1, share2 }` or the errors of the method
 */
export function splitForConnection(
  secret: Uint8Array,
  connectionId: string,
  epoch: number,
): Promise<Result<ConnectionShares, XpassError>> {
  return defaultBilling().splitForConnection(secret, connectionId, epoch);
}
