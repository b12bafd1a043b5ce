/**
 * The original design's `createGhost` call shape (`did`, `tier: 2`, `tier2Config`), checked and
 * mapped onto this runtime's options: `tier: 2` is `online`; `did` must be the agent's DID;
 * `tier2Config.connectionId` must be the connection the share server bills
 * (`createConnectionId(vendorDid, customerDid, billingScope(bundleId))`, docs/formats.md#xpass);
 * `tier2Config.shares` is refused. Every refusal is `INVALID_OPTIONS` naming the field.
 *
 * @module
 */
import { createConnectionId } from '@xorida/xpass';
import { ok, type Result } from 'xorida';
import { billingScope, type GhostManifest, type XghostError, xghostErr } from '../index.js';
import type { CreateGhostOptions } from './ghost-types.js';

/**
 * Resolves the tier.
 * @param opts the createGhost options
 * @returns `online` or `air-gapped`, or `INVALID_OPTIONS` (field `tier`)
 */
export function resolveTier(
  opts: CreateGhostOptions,
): Result<'online' | 'air-gapped', XghostError> {
  const t = opts.tier as unknown;
  if (t === undefined) return ok(opts.server !== undefined ? 'online' : 'air-gapped');
  if (t === 2 || t === 'online') return ok('online');
  if (t === 'air-gapped') return ok('air-gapped');
  return xghostErr(
    'INVALID_OPTIONS',
    "tier must be 'online', 'air-gapped' or 2 (= online)",
    'Use online with a share server, air-gapped with a lease file',
    { field: 'tier' },
  );
}

/**
 * Checks `did` and `tier2Config` once the manifest and the agent are known.
 * @param opts the createGhost options
 * @param manifest the verified manifest
 * @param customerDid the agent's DID
 * @returns the epoch length to use (ms), or `INVALID_OPTIONS` (field `did`,
 *   `tier2Config.connectionId`, `tier2Config.shares`, `tier2Config.epoch`, `tier2Config.epochMs`)
 */
export function checkOriginalShape(
  opts: CreateGhostOptions,
  manifest: GhostManifest,
  customerDid: string,
): Result<number | undefined, XghostError> {
  const bad = (field: string, message: string, hint: string) =>
    xghostErr('INVALID_OPTIONS', message, hint, { field });
  if (opts.did !== undefined && opts.did !== customerDid)
    return bad(
      'did',
      'did is not the DID of agent',
      'Pass the agent of that DID (did is optional)',
    );
  const c = opts.tier2Config;
  if (c === undefined) return ok(opts.epochMs);
  if (typeof c !== 'object' || c === null)
    return bad('tier2Config', 'tier2Config must be an object', 'Pass { connectionId?, epochMs? }');
  if (c.shares !== undefined)
    return bad(
      'tier2Config.shares',
      'connection shares must not ship to the customer',
      'Drop shares: the share server releases share 2 per epoch while billing is current',
    );
  if (c.connectionId !== undefined) {
    const expected = createConnectionId(
      manifest.vendorDid,
      customerDid,
      billingScope(manifest.bundleId),
    );
    if (!expected.ok || c.connectionId !== expected.value)
      return bad(
        'tier2Config.connectionId',
        'tier2Config.connectionId is not the connection the share server bills for this bundle',
        "Create it with createConnectionId(vendorDid, customerDid, 'xghost:' + bundleId)",
      );
  }
  if (
    c.epoch !== undefined &&
    !(Number.isInteger(c.epoch) && (c.epoch as number) >= 0 && (c.epoch as number) <= 0xffff_ffff)
  )
    return bad('tier2Config.epoch', 'tier2Config.epoch must be a uint32', 'Or leave it out');
  if (c.epochMs !== undefined && !(Number.isSafeInteger(c.epochMs) && (c.epochMs as number) > 0))
    return bad(
      'tier2Config.epochMs',
      'tier2Config.epochMs must be a positive integer (ms)',
      'e.g. 86400000',
    );
  return ok(c.epochMs ?? opts.epochMs);
}
