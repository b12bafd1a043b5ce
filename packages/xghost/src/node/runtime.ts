/**
 * Customer runtime: `createGhost` verifies the manifest, gets share 2 (share server or lease
 * file), verifies the lease, reconstructs, checks the source SHA-256, evaluates the module in a
 * `node:vm` context that holds only the globals the manifest declares, and exposes only the
 * declared exports through `ghost.call`. Online it renews the lease before it runs out; when it
 * cannot, at `notAfter` it drops the code and calls fail.
 *
 * Each step is its own module: manifest-check.ts, lease-source.ts and lease-file.ts (share 2),
 * reconstruct-verify.ts, vm-sandbox.ts, clock-guard.ts; this file wires them and owns the
 * renewal and expiry timers and the purge.
 *
 * Pitfalls: `node:vm` is not a security boundary against the bundle itself (the vendor's code
 * is trusted by the vendor, and declared host globals such as `console` are host objects). It
 * keeps the module's internals out of the customer application's reach and keeps host
 * capabilities (`process`, `require`, `eval`) out of the module. Purging drops references; JS
 * cannot zero strings, so a customer with root can dump reconstructed code from memory.
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import {
  type GhostLease,
  type GhostLeaseFile,
  type XghostError,
  xghostDocsUrl,
  xghostErr,
} from '../index.js';
import { openClockGuard } from './clock-guard.js';
import { checkOriginalShape, resolveTier } from './ghost-options.js';
import type { CreateGhostOptions, Fn, Ghost, GhostStatus } from './ghost-types.js';
import { leaseSources } from './lease-source.js';
import { verifyManifest } from './manifest-check.js';
import { reconstructVerify } from './reconstruct-verify.js';
import { identityOf } from './vendor.js';
import { evaluateModule } from './vm-sandbox.js';

export type { CreateGhostOptions, Ghost, GhostStatus } from './ghost-types.js';
export { type OpenLeaseOptions, openLeaseFile } from './lease-file.js';
export { verifyManifest } from './manifest-check.js';
export { reconstructVerify } from './reconstruct-verify.js';
export { evaluateModule } from './vm-sandbox.js';

/** Largest delay `setTimeout` accepts (larger values fire at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Starts a ghost: verify, get share 2, reconstruct, evaluate, schedule renewals.
 * @returns the ghost, or the first failure (`INVALID_OPTIONS` naming the field: `tier`, `server`,
 *   `shareFile`, `manifest`, `agent`, `did`, `tier2Config.*`; `MANIFEST_INVALID`, `LEASE_INVALID`, `LEASE_EXPIRED`,
 *   `CLOCK_ROLLBACK`, `BILLING_REQUIRED`, `SOURCE_MISMATCH`, `NETWORK_ERROR`, ...)
 */
export async function createGhost(opts: CreateGhostOptions): Promise<Result<Ghost, XghostError>> {
  const now = opts.now ?? Date.now;
  const tiered = resolveTier(opts);
  if (!tiered.ok) return tiered;
  const tier = tiered.value;
  if (tier === 'online' && opts.server === undefined)
    return xghostErr('INVALID_OPTIONS', 'online tier needs `server`', 'Pass the share server URL', {
      field: 'server',
    });
  if (tier === 'air-gapped' && opts.shareFile === undefined)
    return xghostErr(
      'INVALID_OPTIONS',
      'air-gapped tier needs `shareFile`',
      'Pass the lease file',
      {
        field: 'shareFile',
      },
    );
  if (opts.manifest === undefined || opts.manifest === null)
    return xghostErr('INVALID_OPTIONS', 'manifest is required', "Pass the vendor's manifest.json", {
      field: 'manifest',
    });
  const mf = verifyManifest(opts.manifest, opts.vendorDid);
  if (!mf.ok) return mf;
  const manifest = mf.value;
  const ident = identityOf(opts.agent, 'agent');
  if (!ident.ok) return ident;
  const identity = ident.value;
  const shape = checkOriginalShape(opts, manifest, identity.did);
  if (!shape.ok) return shape;
  const epochMs = shape.value ?? 86_400_000;
  const tolerance = opts.clockToleranceMs ?? 60_000;
  const doFetch = opts.fetch ?? fetch;

  const clock = await openClockGuard(opts, now, tolerance);
  const clockCheck = clock.check;

  const { fetchLease, loadFile } = leaseSources({
    opts,
    manifest,
    identity,
    now,
    epochMs,
    doFetch,
  });

  const c0 = await clockCheck(true);
  if (!c0.ok) return c0;
  const got = tier === 'online' ? await fetchLease() : await loadFile();
  if (!got.ok) return got;
  if (got.value.lease.issuedAt > now() + tolerance)
    return xghostErr(
      'CLOCK_ROLLBACK',
      'lease was issued after the local time',
      'Fix the system clock',
    );
  const t0 = performance.now();
  const src = reconstructVerify(manifest, opts.customerShare, got.value.share);
  got.value.share.fill(0); // share 2 is not needed once the code is loaded
  if (!src.ok) return src;
  const t1 = performance.now();
  const fns = evaluateModule(manifest, src.value, opts.evaluateTimeoutMs);
  src.value.fill(0);
  const t2 = performance.now();
  if (!fns.ok) return fns;

  let lease: GhostLease | null = got.value.lease;
  let exportsMap: Map<string, Fn> | null = fns.value;
  let state: GhostStatus['state'] = 'active';
  let lastError: XghostError | null = null;
  let renewals = 0;
  let renewTimer: ReturnType<typeof setTimeout> | undefined;
  let expiryTimer: ReturnType<typeof setTimeout> | undefined;
  let clockTimer: ReturnType<typeof setInterval> | undefined;

  const clearTimers = () => {
    if (renewTimer) clearTimeout(renewTimer);
    if (expiryTimer) clearTimeout(expiryTimer);
    if (clockTimer) clearInterval(clockTimer);
    renewTimer = expiryTimer = clockTimer = undefined;
  };
  const purge = (e: XghostError) => {
    if (state !== 'active') return;
    exportsMap?.clear();
    exportsMap = null;
    state = 'purged';
    lastError = e;
    clearTimers();
    opts.onPurge?.(e);
  };
  const expiredError = (): XghostError => {
    if (lastError !== null && lastError.code === 'BILLING_REQUIRED') return lastError;
    return xghostErr(
      'LEASE_EXPIRED',
      'the lease ran out and was not renewed',
      'Check payment and connectivity to the vendor server',
    ).error;
  };
  const schedule = () => {
    if (lease === null) return;
    const left = lease.notAfter - now();
    if (expiryTimer) clearTimeout(expiryTimer);
    // setTimeout overflows above 2^31-1 ms (~24.8 days; lease files run up to 366): re-arm.
    const armExpiry = () => {
      const rest = (lease as GhostLease).notAfter - now();
      expiryTimer = setTimeout(
        // Re-check on firing: long delays are chunked, and timers may fire a little early.
        () => (lease !== null && lease.notAfter > now() ? armExpiry() : purge(expiredError())),
        Math.min(Math.max(0, rest), MAX_TIMER_MS),
      );
      expiryTimer.unref?.();
    };
    armExpiry();
    if (tier === 'online') {
      const before =
        opts.renewBeforeMs ?? Math.min(60_000, Math.floor((lease.notAfter - lease.issuedAt) / 2));
      if (renewTimer) clearTimeout(renewTimer);
      renewTimer = setTimeout(
        () => void renewLoop(),
        Math.min(Math.max(0, left - before), MAX_TIMER_MS),
      );
      renewTimer.unref?.();
    }
  };
  const renew = async (leaseFile?: string | GhostLeaseFile): Promise<Result<void, XghostError>> => {
    if (state !== 'active') return { ok: false, error: lastError ?? expiredError() };
    const c = await clockCheck(true);
    if (!c.ok) {
      purge(c.error);
      return c;
    }
    if (tier !== 'online' && leaseFile === undefined) return ok(undefined);
    const r = tier === 'online' ? await fetchLease() : await loadFile(leaseFile);
    if (!r.ok) {
      lastError = r.error;
      return r;
    }
    r.value.share.fill(0);
    if (lease !== null && r.value.lease.shareSha256 !== lease.shareSha256) {
      // A lease for a different share 2 belongs to another build of this bundle id.
      const e = xghostErr(
        'LEASE_INVALID',
        'renewed lease is for another share 2',
        'Restart with the current build',
        { subCode: 'SHARE_MISMATCH' },
      );
      lastError = e.error;
      return e;
    }
    lease = r.value.lease;
    lastError = null;
    renewals++;
    schedule();
    return ok(undefined);
  };
  const renewLoop = async () => {
    const r = await renew();
    if (!r.ok && state === 'active' && lease !== null) {
      // Retry until notAfter (the expiry timer purges then).
      const left = lease.notAfter - now();
      if (left > 0) {
        renewTimer = setTimeout(() => void renewLoop(), Math.min(Math.max(250, left / 4), 5_000));
        renewTimer.unref?.();
      }
    }
  };
  schedule();
  if (opts.clockStateFile !== undefined) {
    clockTimer = setInterval(
      () => void clockCheck(true).then((c) => !c.ok && purge(c.error)),
      60_000,
    );
    clockTimer.unref?.();
  }
  const timings = { reconstructVerifyMs: t1 - t0, evaluateMs: t2 - t1 };

  const ghost: Ghost = {
    call(name, ...args) {
      if (state !== 'active')
        return state === 'disposed'
          ? xghostErr('GHOST_DISPOSED', 'ghost was disposed', 'Create a new ghost')
          : { ok: false, error: lastError ?? expiredError() };
      const t = now();
      if (t >= (lease as GhostLease).notAfter) {
        purge(expiredError());
        return { ok: false, error: lastError as unknown as XghostError };
      }
      if (t + tolerance < clock.lastSeen) {
        const e = xghostErr('CLOCK_ROLLBACK', 'clock moved backwards', 'Fix the system clock');
        purge(e.error);
        return e;
      }
      if (t > clock.lastSeen) clock.lastSeen = t;
      const f = (exportsMap as Map<string, Fn>).get(name);
      if (f === undefined)
        return xghostErr(
          'EXPORT_NOT_FOUND',
          `${String(name)} is not a declared export`,
          `Declared: ${manifest.exports.join(', ')}`,
          { field: 'name' },
        );
      try {
        return { ok: true, value: f(...args) };
      } catch (e) {
        return xghostErr(
          'CALL_FAILED',
          `${name} threw: ${(e as Error)?.message ?? String(e)}`,
          'See the vendor documentation of this export',
        );
      }
    },
    status() {
      return {
        state,
        bundleId: manifest.bundleId,
        version: manifest.version,
        exports: manifest.exports,
        tier,
        lease: lease && { epoch: lease.epoch, notAfter: lease.notAfter, mode: lease.mode },
        renewals,
        lastError,
        timings,
      };
    },
    renew,
    dispose() {
      if (state === 'active')
        purge({
          code: 'GHOST_DISPOSED',
          message: 'disposed',
          hint: 'Create a new ghost',
          docs: xghostDocsUrl('GHOST_DISPOSED'),
        });
      state = 'disposed';
      clearTimers();
      lease = null;
    },
  };
  return ok(ghost);
}
