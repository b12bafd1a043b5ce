/**
 * Customer runtime: `createGhost` verifies the manifest, gets share 2 (share server or lease
 * file), verifies the lease, reconstructs, checks the source SHA-256, evaluates the module in a
 * `node:vm` context that holds only the globals the manifest declares, and exposes only the
 * declared exports through `ghost.call`. Online it renews the lease before it runs out; when it
 * cannot, at `notAfter` it drops the code and calls fail.
 *
 * Pitfalls: `node:vm` is not a security boundary against the bundle itself (the vendor's code
 * is trusted by the vendor, and declared host globals such as `console` are host objects). It
 * keeps the module's internals out of the customer application's reach and keeps host
 * capabilities (`process`, `require`, `eval`) out of the module. Purging drops references; JS
 * cannot zero strings, so a customer with root can dump reconstructed code from memory.
 *
 * @module
 */
import { readFile, writeFile } from 'node:fs/promises';
import vm from 'node:vm';
import {
  type Agent,
  type AgentIdentity,
  decryptEnvelope,
  envelopeFromJson,
  keyDocumentToJson,
  parseDidKey,
  verifyEnvelopeSignatures,
} from '@xorida/agent-sdk';
import { base64urlDecode, ed25519Verify, sha256Hex } from '@xorida/agent-sdk/crypto';
import { decodeShare, ok, type Result, reconstructInto } from 'xorida';
import {
  billingScope,
  type GhostLease,
  type GhostLeaseFile,
  type GhostManifest,
  leaseSigningInput,
  manifestSigningInput,
  parseLease,
  parseManifest,
  SHARE_REQUEST_PATH,
  XGHOST_PRODUCT_TYPE,
  type XghostError,
  xghostErr,
} from '../index.js';
import { identityOf } from './vendor.js';

// Strict base64url of a 64-byte signature; anything else becomes an empty one that never verifies.
const fromB64u = (s: string): Uint8Array => base64urlDecode(s, 64) ?? new Uint8Array(0);

/**
 * Checks a manifest's shape and vendor signature.
 * @param input parsed manifest or its JSON text
 * @param vendorDid optional pinned vendor DID
 * @returns the manifest, or `MANIFEST_INVALID` (`MALFORMED`, `BAD_SIGNATURE`, `VENDOR_MISMATCH`)
 */
export function verifyManifest(
  input: unknown,
  vendorDid?: string,
): Result<GhostManifest, XghostError> {
  const m = parseManifest(input);
  if (!m.ok) return m;
  if (vendorDid !== undefined && m.value.vendorDid !== vendorDid)
    return xghostErr(
      'MANIFEST_INVALID',
      'manifest is signed by another vendor',
      'Use the manifest your vendor shipped',
      { subCode: 'VENDOR_MISMATCH', field: 'vendorDid' },
    );
  const pub = parseDidKey(m.value.vendorDid);
  if (
    !pub.ok ||
    !ed25519Verify(pub.value, manifestSigningInput(m.value), fromB64u(m.value.signature))
  )
    return xghostErr(
      'MANIFEST_INVALID',
      'manifest signature does not verify',
      'The manifest was altered; reinstall it from the vendor',
      { subCode: 'BAD_SIGNATURE', field: 'signature' },
    );
  return m;
}

/** Checks of {@link openLeaseFile}. */
export interface OpenLeaseOptions {
  readonly manifest: GhostManifest;
  readonly customer: AgentIdentity;
  /** Online: the request nonce the lease must echo. */
  readonly challenge?: string;
  readonly now: number;
}

/**
 * Verifies a lease (shape, vendor signature, bundle, customer DID, challenge, expiry) and opens
 * share 2 from its Xlink envelope (sender = vendor, recipient = customer, SHA-256 = lease's).
 * @returns the lease and the encoded share 2, or `LEASE_INVALID` / `LEASE_EXPIRED`
 */
export async function openLeaseFile(
  file: unknown,
  o: OpenLeaseOptions,
): Promise<Result<{ lease: GhostLease; share: Uint8Array }, XghostError>> {
  const f = file as GhostLeaseFile | null;
  if (f === null || typeof f !== 'object' || f.type !== 'xghost-lease-file' || f.v !== 1)
    return xghostErr(
      'LEASE_INVALID',
      'not an xghost lease file',
      'Import the file `xghost lease export` wrote',
      { subCode: 'MALFORMED' },
    );
  const l = parseLease(f.lease);
  if (!l.ok) return l;
  const lease = l.value;
  const inv = (subCode: string, message: string, field?: string) =>
    xghostErr('LEASE_INVALID', message, 'Ask the vendor for a lease for this bundle and DID', {
      subCode,
      ...(field ? { field } : {}),
    });
  if (lease.vendorDid !== o.manifest.vendorDid)
    return inv('VENDOR_MISMATCH', 'lease is from another vendor', 'vendorDid');
  const pub = parseDidKey(lease.vendorDid);
  if (!pub.ok || !ed25519Verify(pub.value, leaseSigningInput(lease), fromB64u(lease.signature)))
    return inv('BAD_SIGNATURE', 'lease signature does not verify', 'signature');
  if (lease.bundleId !== o.manifest.bundleId)
    return inv('WRONG_BUNDLE', 'lease is for another bundle', 'bundleId');
  if (lease.customerDid !== o.customer.did)
    return inv('WRONG_CUSTOMER', 'lease is for another customer DID', 'customerDid');
  if (o.challenge !== undefined && lease.challenge !== o.challenge)
    return inv('CHALLENGE_MISMATCH', 'lease does not answer this request', 'challenge');
  if (o.challenge === undefined && lease.mode !== 'file')
    return inv('WRONG_MODE', 'an online lease cannot be imported as a file', 'mode');
  if (o.now >= lease.notAfter)
    return xghostErr(
      'LEASE_EXPIRED',
      `lease ran out at ${new Date(lease.notAfter).toISOString()}`,
      'Renew the payment / import a new lease file',
      { field: 'notAfter' },
    );
  const env = envelopeFromJson(f.sealedShare);
  if (!env.ok) return inv('BAD_ENVELOPE', `sealed share: ${env.error.message}`, 'sealedShare');
  const e = env.value;
  if (
    e.sender !== lease.vendorDid ||
    e.recipient !== o.customer.did ||
    e.scope !== billingScope(lease.bundleId)
  )
    return inv(
      'BAD_ENVELOPE',
      'sealed share has the wrong sender, recipient or scope',
      'sealedShare',
    );
  const header = verifyEnvelopeSignatures(e, undefined);
  if (!header.ok)
    return inv('BAD_ENVELOPE', 'sealed share signature does not verify', 'sealedShare');
  const share = await decryptEnvelope(e, o.customer, header.value);
  if (!share.ok)
    return inv('BAD_ENVELOPE', 'sealed share does not decrypt with this identity', 'sealedShare');
  if (sha256Hex(share.value) !== lease.shareSha256) {
    share.value.fill(0);
    return inv('SHARE_MISMATCH', 'share 2 does not match the lease', 'shareSha256');
  }
  return ok({ lease, share: share.value });
}

/** Options of {@link createGhost}. */
export interface CreateGhostOptions {
  /** Manifest object or JSON text. */
  readonly manifest: unknown;
  /** Encoded share 1 (the customer's artifact). */
  readonly customerShare: Uint8Array;
  /** Online tier: base URL of `xghost serve`. */
  readonly server?: string;
  /** Air-gapped tier: a lease file (path or parsed JSON). */
  readonly shareFile?: string | GhostLeaseFile;
  /** The customer's agent (its DID signs requests; share 2 is sealed to it). */
  readonly agent: Agent;
  /** Default: `online` with `server`, `air-gapped` with `shareFile`. */
  readonly tier?: 'online' | 'air-gapped';
  /** Pin the vendor DID (recommended: otherwise any key can sign a look-alike manifest). */
  readonly vendorDid?: string;
  /** Epoch length the customer reports (default 24 h, as xpass). */
  readonly epochMs?: number;
  /** Renew this long before `notAfter` (default min(60 s, half the lease)). */
  readonly renewBeforeMs?: number;
  /** Air-gapped: file that keeps the latest time seen (clock-rollback detection). */
  readonly clockStateFile?: string;
  /** Allowed backwards step of the clock (default 60 s). */
  readonly clockToleranceMs?: number;
  /** Evaluation timeout of the module body (default 2000 ms). */
  readonly evaluateTimeoutMs?: number;
  readonly now?: () => number;
  readonly fetch?: typeof fetch;
  /** Called once when the code is purged (billing, expiry, clock). */
  readonly onPurge?: (error: XghostError) => void;
}

/** What `ghost.status()` reports. */
export interface GhostStatus {
  readonly state: 'active' | 'purged' | 'disposed';
  readonly bundleId: string;
  readonly version: string;
  readonly exports: readonly string[];
  readonly tier: 'online' | 'air-gapped';
  readonly lease: {
    readonly epoch: number;
    readonly notAfter: number;
    readonly mode: string;
  } | null;
  readonly renewals: number;
  readonly lastError: XghostError | null;
  /** Milliseconds: reconstruct + verify, and evaluate, of the last load. */
  readonly timings: { readonly reconstructVerifyMs: number; readonly evaluateMs: number };
}

/** A running bundle. */
export interface Ghost {
  /** Calls a declared export; synchronous; `CALL_FAILED` if it throws. */
  call(name: string, ...args: unknown[]): Result<unknown, XghostError>;
  status(): GhostStatus;
  /**
   * Renews the lease now: online, from the share server; air-gapped, from a new lease file
   * (path or parsed) the vendor exported for the same build and DID.
   */
  renew(leaseFile?: string | GhostLeaseFile): Promise<Result<void, XghostError>>;
  /** Stops timers and drops the code and share 2. Idempotent. */
  dispose(): void;
}

type Fn = (...a: unknown[]) => unknown;

/** @internal Reconstructs, checks the SHA-256 and evaluates; exported for benchmarks. */
export function reconstructVerify(
  manifest: GhostManifest,
  customerShare: Uint8Array,
  vendorShare: Uint8Array,
): Result<Uint8Array, XghostError> {
  const a = decodeShare(customerShare);
  const b = decodeShare(vendorShare);
  if (!a.ok || !b.ok)
    return xghostErr(
      'SHARE_INVALID',
      `share does not decode: ${(a.ok ? b : a).ok ? '' : ((a.ok ? b : a) as { error: { message: string } }).error.message}`,
      'Reinstall the customer share file',
      { field: a.ok ? 'vendorShare' : 'customerShare' },
    );
  for (const s of [a.value, b.value])
    if (s.productType !== XGHOST_PRODUCT_TYPE || s.originalLength !== manifest.sourceBytes)
      return xghostErr(
        'SHARE_INVALID',
        'share is not a share of this bundle (product type or length)',
        'Use the share file shipped with this manifest',
        { subCode: 'NOT_THIS_BUNDLE' },
      );
  const out = new Uint8Array(manifest.sourceBytes);
  const n = reconstructInto([a.value, b.value], out);
  b.value.payload.fill(0); // share 2's copy (share 1 is on the customer's disk anyway)
  if (!n.ok)
    return xghostErr(
      'SOURCE_MISMATCH',
      `reconstruction failed: ${n.error.code}`,
      'A share was altered or belongs to another build',
      { subCode: n.error.code },
    );
  if (n.value !== out.length || sha256Hex(out) !== manifest.sourceSha256) {
    out.fill(0);
    return xghostErr(
      'SOURCE_MISMATCH',
      'reconstructed source does not match the manifest SHA-256',
      'A share was altered or belongs to another build',
    );
  }
  return ok(out);
}

/** @internal Evaluates a module in a fresh context; returns only the declared exports. */
export function evaluateModule(
  manifest: GhostManifest,
  source: Uint8Array,
  timeoutMs = 2000,
): Result<Map<string, Fn>, XghostError> {
  const sandbox: Record<string, unknown> = Object.create(null);
  for (const g of manifest.globals) sandbox[g] = (globalThis as Record<string, unknown>)[g];
  const context = vm.createContext(sandbox, {
    name: `xghost:${manifest.bundleId}`,
    codeGeneration: { strings: false, wasm: false },
  });
  // V8 puts a (silent) `console` into every context: remove it unless declared.
  const prelude = manifest.globals.includes('console') ? '' : 'delete globalThis.console;';
  // The module object is created INSIDE the context, so no host object leaks in through it.
  const code = `${prelude}(function () { 'use strict'; const module = { exports: {} }; const exports = module.exports;\n${new TextDecoder().decode(source)}\n;return module.exports; })()`;
  let exportsObj: Record<string, unknown>;
  try {
    exportsObj = vm.runInContext(code, context, {
      timeout: timeoutMs,
      filename: `xghost-${manifest.bundleId}.js`,
    }) as Record<string, unknown>;
  } catch (e) {
    return xghostErr(
      'EVALUATION_FAILED',
      `module evaluation threw: ${(e as Error)?.name ?? 'error'}`,
      'The bundle does not run in the sandbox (does it need a global it did not declare?)',
    );
  }
  const out = new Map<string, Fn>();
  for (const name of manifest.exports) {
    const f = exportsObj?.[name];
    if (typeof f !== 'function')
      return xghostErr(
        'EXPORT_NOT_FOUND',
        `declared export ${name} is not a function of the module`,
        'Rebuild with the right --exports',
        { field: name },
      );
    out.set(name, f as Fn);
  }
  return ok(out);
}

/** Largest delay `setTimeout` accepts (larger values fire at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

const BILLING_CODES = new Set(['BILLING_REQUIRED', 'CONNECTION_SUSPENDED', 'CONNECTION_REVOKED']);

/**
 * Starts a ghost: verify, get share 2, reconstruct, evaluate, schedule renewals.
 * @returns the ghost, or the first failure (`MANIFEST_INVALID`, `LEASE_INVALID`, `LEASE_EXPIRED`,
 *   `CLOCK_ROLLBACK`, `BILLING_REQUIRED`, `SOURCE_MISMATCH`, `NETWORK_ERROR`, ...)
 */
export async function createGhost(opts: CreateGhostOptions): Promise<Result<Ghost, XghostError>> {
  const now = opts.now ?? Date.now;
  const tier = opts.tier ?? (opts.server !== undefined ? 'online' : 'air-gapped');
  if (tier === 'online' && opts.server === undefined)
    return xghostErr('INVALID_INPUT', 'online tier needs `server`', 'Pass the share server URL', {
      field: 'server',
    });
  if (tier === 'air-gapped' && opts.shareFile === undefined)
    return xghostErr('INVALID_INPUT', 'air-gapped tier needs `shareFile`', 'Pass the lease file', {
      field: 'shareFile',
    });
  const mf = verifyManifest(opts.manifest, opts.vendorDid);
  if (!mf.ok) return mf;
  const manifest = mf.value;
  const ident = identityOf(opts.agent);
  if (!ident.ok) return ident;
  const identity = ident.value;
  const epochMs = opts.epochMs ?? 86_400_000;
  const tolerance = opts.clockToleranceMs ?? 60_000;
  const doFetch = opts.fetch ?? fetch;

  // Clock-rollback detection (air-gapped; online too when a state file is given).
  let lastSeen = 0;
  if (opts.clockStateFile !== undefined) {
    try {
      const j = JSON.parse(await readFile(opts.clockStateFile, 'utf8')) as { lastSeen?: unknown };
      if (Number.isSafeInteger(j.lastSeen)) lastSeen = j.lastSeen as number;
    } catch {
      /* first start */
    }
  }
  const clockCheck = async (persist: boolean): Promise<Result<void, XghostError>> => {
    const t = now();
    if (t + tolerance < lastSeen)
      return xghostErr(
        'CLOCK_ROLLBACK',
        `clock is ${lastSeen - t} ms behind the latest time seen`,
        'Fix the system clock; the runtime refuses a clock moved backwards',
      );
    if (t > lastSeen) lastSeen = t;
    if (persist && opts.clockStateFile !== undefined) {
      try {
        await writeFile(opts.clockStateFile, JSON.stringify({ lastSeen }), { mode: 0o600 });
      } catch (e) {
        return xghostErr(
          'IO_FAILED',
          `cannot write ${opts.clockStateFile}: ${(e as Error).message}`,
          'Check permissions',
        );
      }
    }
    return ok(undefined);
  };

  const fetchLease = async (): Promise<
    Result<{ lease: GhostLease; share: Uint8Array }, XghostError>
  > => {
    const body = JSON.stringify({
      bundleId: manifest.bundleId,
      epoch: Math.floor(now() / epochMs),
      keyDocument: keyDocumentToJson(opts.agent.keyDocument),
    });
    const headers = opts.agent.signRequest({ method: 'POST', path: SHARE_REQUEST_PATH, body });
    let res: Response;
    try {
      res = await doFetch(new URL(SHARE_REQUEST_PATH, opts.server).toString(), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        signal: AbortSignal.timeout(10_000),
      });
    } catch (e) {
      return xghostErr(
        'NETWORK_ERROR',
        `share server unreachable: ${(e as Error).message}`,
        'Check the server URL and network',
      );
    }
    let json: unknown;
    try {
      json = await res.json();
    } catch {
      return xghostErr(
        'REQUEST_REJECTED',
        `share server answered ${res.status} without JSON`,
        'Check the server URL',
      );
    }
    if (!res.ok) {
      const e = (json as { error?: { code?: string; message?: string } }).error;
      const code = typeof e?.code === 'string' ? e.code : 'REQUEST_REJECTED';
      if (BILLING_CODES.has(code))
        return xghostErr(
          'BILLING_REQUIRED',
          `vendor refused share 2: ${code}`,
          'Bring the payment for this bundle up to date',
          { subCode: code },
        );
      const known = ['BUNDLE_NOT_FOUND', 'RATE_LIMITED', 'REQUEST_REJECTED'].includes(code)
        ? (code as XghostError['code'])
        : 'REQUEST_REJECTED';
      return xghostErr(
        known,
        `share server: ${e?.message ?? res.status}`,
        'See docs/errors.md#xghost',
        { subCode: code },
      );
    }
    return openLeaseFile(json, {
      manifest,
      customer: identity,
      challenge: headers['x-xlink-nonce'],
      now: now(),
    });
  };

  const loadFile = async (
    source: string | GhostLeaseFile | undefined = opts.shareFile,
  ): Promise<Result<{ lease: GhostLease; share: Uint8Array }, XghostError>> => {
    let file: unknown = source;
    if (typeof file === 'string') {
      try {
        file = JSON.parse(await readFile(file, 'utf8'));
      } catch (e) {
        return xghostErr(
          'IO_FAILED',
          `cannot read the lease file: ${(e as Error).message}`,
          'Check the path',
        );
      }
    }
    return openLeaseFile(file, { manifest, customer: identity, now: now() });
  };

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
      if (t + tolerance < lastSeen) {
        const e = xghostErr('CLOCK_ROLLBACK', 'clock moved backwards', 'Fix the system clock');
        purge(e.error);
        return e;
      }
      if (t > lastSeen) lastSeen = t;
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
          docs: 'docs/errors.md#xghost',
        });
      state = 'disposed';
      clearTimers();
      lease = null;
    },
  };
  return ok(ghost);
}
