/**
 * `createEnterpriseTrustRegistry({ http, file })`: a central HTTP registry with a local durable
 * file as fallback. Reads try HTTP first and fall back to the file when HTTP is unreachable or
 * failing (never when HTTP answers "not registered"); entries read over HTTP are mirrored into
 * the file so the fallback knows the peers seen so far. Writes go to both.
 * `status()` makes the fallback visible (mode, counters, last error).
 *
 * Pitfalls:
 * - During an HTTP outage, revocations made centrally are not seen: the file answers with what
 *   it mirrored last. `status().mode === 'fallback'` tells you this is happening; alert on it.
 * - A write that reached only one backend is reported in `status().partialWrites`.
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import type { XlinkErrorDetail } from '../errors.js';
import { HttpTrustRegistry, type HttpTrustRegistryOptions } from '../http-trust-registry.js';
import type { RegisterInput, RegistryEntry, TrustRegistry } from '../registry.js';
import { FileTrustRegistry, type FileTrustRegistryOptions } from './file-trust-registry.js';

/** Fallback visibility. */
export interface EnterpriseRegistryStatus {
  /** `http` while the last HTTP call worked, `fallback` after it failed. */
  readonly mode: 'http' | 'fallback';
  /** Reads answered by the file because HTTP failed. */
  readonly fallbackReads: number;
  /** Writes that reached only one of the two backends. */
  readonly partialWrites: number;
  /** Last HTTP failure (code and message), if any. */
  readonly lastHttpError?: string;
  /** ms since the Unix epoch of the last HTTP failure. */
  readonly lastHttpErrorAt?: number;
}

/** A {@link TrustRegistry} with a {@link EnterpriseRegistryStatus}. */
export interface EnterpriseTrustRegistry extends TrustRegistry {
  status(): EnterpriseRegistryStatus;
  readonly http: HttpTrustRegistry;
  readonly file: FileTrustRegistry;
  close(): Promise<void>;
}

const HTTP_DOWN = new Set(['NETWORK_ERROR', 'STORAGE']);
function httpFailed(e: XlinkErrorDetail): boolean {
  if (e.code === 'LOOKUP_FAILED') return true;
  return e.subCode !== undefined && (HTTP_DOWN.has(e.subCode) || /^HTTP_5\d\d$/.test(e.subCode));
}

/**
 * Builds the combined registry.
 * @param options `http` ({@link HttpTrustRegistryOptions}) and `file`
 *   ({@link FileTrustRegistryOptions}), or ready-made instances
 * @returns the registry (no I/O until first use)
 */
export function createEnterpriseTrustRegistry(options: {
  http: HttpTrustRegistryOptions | HttpTrustRegistry;
  file: FileTrustRegistryOptions | FileTrustRegistry;
}): EnterpriseTrustRegistry {
  const http =
    options.http instanceof HttpTrustRegistry ? options.http : new HttpTrustRegistry(options.http);
  const file =
    options.file instanceof FileTrustRegistry ? options.file : new FileTrustRegistry(options.file);
  let mode: 'http' | 'fallback' = 'http';
  let fallbackReads = 0;
  let partialWrites = 0;
  let lastHttpError: string | undefined;
  let lastHttpErrorAt: number | undefined;
  const down = (e: XlinkErrorDetail) => {
    mode = 'fallback';
    lastHttpError = `${e.code}${e.subCode ? `/${e.subCode}` : ''}: ${e.message}`;
    lastHttpErrorAt = Date.now();
  };

  return {
    http,
    file,
    status: () => ({
      mode,
      fallbackReads,
      partialWrites,
      ...(lastHttpError !== undefined ? { lastHttpError, lastHttpErrorAt } : {}),
    }),
    async resolve(did: string): Promise<Result<RegistryEntry, XlinkErrorDetail>> {
      const r = await http.resolve(did);
      if (r.ok) {
        mode = 'http';
        await file.upsert(r.value); // mirror; a failure here only weakens the fallback
        return r;
      }
      if (!httpFailed(r.error)) {
        mode = 'http';
        return r;
      }
      down(r.error);
      fallbackReads++;
      return file.resolve(did);
    },
    async register(input: RegisterInput): Promise<Result<RegistryEntry, XlinkErrorDetail>> {
      const r = await http.register(input);
      if (r.ok) {
        mode = 'http';
        const f = await file.upsert(r.value);
        if (!f.ok) partialWrites++;
        return r;
      }
      if (!httpFailed(r.error)) return r;
      down(r.error);
      const f = await file.register(input);
      if (f.ok) partialWrites++;
      return f;
    },
    async revoke(did: string, reason?: string): Promise<Result<RegistryEntry, XlinkErrorDetail>> {
      const [h, f] = await Promise.all([http.revoke(did, reason), file.revoke(did, reason)]);
      if (!h.ok && httpFailed(h.error)) down(h.error);
      if (h.ok !== f.ok) partialWrites++;
      if (h.ok) return h;
      return f.ok && httpFailed(h.error) ? f : h;
    },
    async list(): Promise<Result<readonly RegistryEntry[], XlinkErrorDetail>> {
      const r = await http.list();
      if (r.ok) return ok(r.value);
      if (!httpFailed(r.error)) return r;
      down(r.error);
      fallbackReads++;
      return file.list();
    },
    close: () => file.close(),
  };
}
