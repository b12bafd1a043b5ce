/**
 * `HttpTrustRegistry`: a {@link TrustRegistry} backed by a registry server
 * (`createXlinkServer` in `@xorida/agent-sdk/node`, routes in docs/formats.md).
 *
 * Writes authenticate with the admin bearer token (`authToken`) or, without one, as
 * self-registration signed by `signer` (the registering DID's own key; the server must allow
 * self-registration). Reads are public.
 *
 * Pitfalls:
 * - Every entry the server returns is re-verified (key document against the DID); the server
 *   is trusted for scopes and revocation only.
 * - `cacheTtlMs` (default 0 = off) trades revocation latency for fewer round trips: a revoked
 *   sender stays accepted for up to that long.
 * - Network failures come back as `LOOKUP_FAILED` (subCode `NETWORK_ERROR`), distinct from
 *   `DID_NOT_IN_REGISTRY`, so a fallback (createEnterpriseTrustRegistry) can tell them apart.
 *
 * @module
 */
import { LRUCache } from 'lru-cache';
import { ok, type Result } from 'xorida';
import { type XlinkErrorDetail, xlinkErr } from './errors.js';
import { checkBaseUrl } from './https-transport.js';
import type { AgentIdentity } from './identity.js';
import { keyDocumentToJson } from './key-document.js';
import {
  describeHttpError,
  type HttpCallPolicy,
  httpCall,
  httpErrorCode,
} from './lib/http-call.js';
import {
  type RegisterInput,
  type RegistryEntry,
  type TrustRegistry,
  validateRegistration,
} from './registry.js';
import { registryEntryFromJson } from './registry-entry-json.js';
import { type RequestSigner, signRequest } from './request-signature.js';

/** Options of {@link HttpTrustRegistry}. */
export interface HttpTrustRegistryOptions extends Omit<HttpCallPolicy, 'signal'> {
  /** Registry server base URL. */
  readonly baseUrl: string;
  /** Admin bearer token for register/revoke/list. */
  readonly authToken?: string;
  /** Signs self-registration when there is no `authToken` (an AgentIdentity or agent.requestSigner()). */
  readonly signer?: RequestSigner | AgentIdentity;
  /** Cache resolved entries this long, ms (default 0 = no cache). */
  readonly cacheTtlMs?: number;
  readonly allowInsecureHttp?: boolean;
}

type Method = 'GET' | 'POST';

/** Trust registry client over HTTP(S). */
export class HttpTrustRegistry implements TrustRegistry {
  readonly baseUrl: string;
  private readonly opts: HttpTrustRegistryOptions;
  /** Resolved entries with their expiry (Unix ms); bounded, least recently used evicted first. */
  private readonly cache = new LRUCache<string, { entry: RegistryEntry; until: number }>({
    max: 10_000,
  });

  /**
   * @param options {@link HttpTrustRegistryOptions} (timeouts in ms)
   * @throws TypeError on an invalid base URL (programming error)
   */
  constructor(options: HttpTrustRegistryOptions) {
    const base = checkBaseUrl(options?.baseUrl, options?.allowInsecureHttp);
    if (!base.ok) throw new TypeError(`${base.error.code}: ${base.error.message}`);
    this.baseUrl = base.value;
    this.opts = options;
  }

  private call(method: Method, path: string, payload?: unknown, auth = false) {
    const body = payload === undefined ? undefined : JSON.stringify(payload);
    return httpCall(() => {
      const headers: Record<string, string> = {};
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (auth && this.opts.authToken) headers.authorization = `Bearer ${this.opts.authToken}`;
      else if (auth && this.opts.signer)
        Object.assign(headers, signRequest(this.opts.signer, { method, path, body: body ?? '' }));
      return {
        // `path` already carries any prefix of baseUrl (it is what gets signed)
        url: `${new URL(this.baseUrl).origin}${path}`,
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
      };
    }, this.opts);
  }

  private pathOf(suffix: string): string {
    return `${new URL(this.baseUrl).pathname.replace(/\/+$/, '')}${suffix}`;
  }

  /** See {@link TrustRegistry.register}; adds `REGISTRATION_FAILED` subCodes `UNAUTHORIZED`, `NETWORK_ERROR`. */
  async register(input: RegisterInput): Promise<Result<RegistryEntry, XlinkErrorDetail>> {
    const doc = validateRegistration(input);
    if (!doc.ok) return doc;
    const r = await this.call(
      'POST',
      this.pathOf('/registry/register'),
      {
        keyDocument: keyDocumentToJson(doc.value),
        scopes: [...input.scopes],
        ...(input.name !== undefined ? { name: input.name } : {}),
      },
      true,
    );
    if (!r.ok)
      return xlinkErr('REGISTRATION_FAILED', r.error.message, r.error.hint, {
        subCode: 'NETWORK_ERROR',
      });
    if (r.value.status === 200 || r.value.status === 201) {
      const e = registryEntryFromJson(r.value.json);
      if (!e.ok) return e;
      return ok(e.value);
    }
    const code = httpErrorCode(r.value.json);
    return xlinkErr(
      'REGISTRATION_FAILED',
      `registration refused: ${describeHttpError(r.value.status, r.value.json)}`,
      r.value.status === 401
        ? 'Pass authToken, or a signer with self-registration on'
        : 'See subCode',
      { subCode: code.subCode ?? code.code ?? `HTTP_${r.value.status}` },
    );
  }

  /** See {@link TrustRegistry.resolve}; network failures are `LOOKUP_FAILED` / `NETWORK_ERROR`. */
  async resolve(did: string): Promise<Result<RegistryEntry, XlinkErrorDetail>> {
    const ttl = this.opts.cacheTtlMs ?? 0;
    if (ttl > 0) {
      const c = this.cache.get(did);
      if (c && c.until > Date.now()) return ok(c.entry);
    }
    if (typeof did !== 'string' || did.length === 0 || did.length > 128)
      return xlinkErr('INVALID_DID', 'DID must be a non-empty string', 'Pass a did:key', {
        field: 'did',
      });
    const r = await this.call('GET', this.pathOf(`/registry/resolve/${encodeURIComponent(did)}`));
    if (!r.ok)
      return xlinkErr('LOOKUP_FAILED', r.error.message, r.error.hint, { subCode: 'NETWORK_ERROR' });
    if (r.value.status === 404)
      return xlinkErr('DID_NOT_IN_REGISTRY', 'DID is not registered', 'Register the agent first', {
        field: 'did',
      });
    if (r.value.status !== 200)
      return xlinkErr(
        'LOOKUP_FAILED',
        `resolve failed: ${describeHttpError(r.value.status, r.value.json)}`,
        'Check the registry server',
        { subCode: `HTTP_${r.value.status}` },
      );
    const e = registryEntryFromJson(r.value.json);
    if (!e.ok) return e;
    if (e.value.did !== did)
      return xlinkErr('LOOKUP_FAILED', 'registry answered another DID', 'Check the server', {
        subCode: 'MALFORMED_ENTRY',
      });
    if (ttl > 0) {
      this.cache.set(did, { entry: e.value, until: Date.now() + ttl });
    }
    return ok(e.value);
  }

  /** See {@link TrustRegistry.revoke}; needs `authToken`. */
  async revoke(did: string, reason?: string): Promise<Result<RegistryEntry, XlinkErrorDetail>> {
    this.cache.delete(did);
    const r = await this.call(
      'POST',
      this.pathOf('/registry/revoke'),
      { did, ...(reason !== undefined ? { reason } : {}) },
      true,
    );
    if (!r.ok)
      return xlinkErr('REVOCATION_FAILED', r.error.message, r.error.hint, {
        subCode: 'NETWORK_ERROR',
      });
    if (r.value.status === 404)
      return xlinkErr('DID_NOT_IN_REGISTRY', 'DID is not registered', 'Check the DID', {
        field: 'did',
      });
    if (r.value.status !== 200) {
      const code = httpErrorCode(r.value.json);
      return xlinkErr(
        'REVOCATION_FAILED',
        `revocation refused: ${describeHttpError(r.value.status, r.value.json)}`,
        'Revocation needs the admin token',
        { subCode: code.code ?? `HTTP_${r.value.status}` },
      );
    }
    return registryEntryFromJson(r.value.json);
  }

  /** See {@link TrustRegistry.list}; needs `authToken` (GET /registry/list). */
  async list(): Promise<Result<readonly RegistryEntry[], XlinkErrorDetail>> {
    const r = await this.call('GET', this.pathOf('/registry/list'), undefined, true);
    if (!r.ok)
      return xlinkErr('LOOKUP_FAILED', r.error.message, r.error.hint, { subCode: 'NETWORK_ERROR' });
    const list = (r.value.json as { entries?: unknown } | undefined)?.entries;
    if (r.value.status !== 200 || !Array.isArray(list))
      return xlinkErr(
        'LOOKUP_FAILED',
        `list failed: ${describeHttpError(r.value.status, r.value.json)}`,
        'Listing needs the admin token',
        { subCode: `HTTP_${r.value.status}` },
      );
    const out: RegistryEntry[] = [];
    for (const j of list) {
      const e = registryEntryFromJson(j);
      if (!e.ok) return e;
      out.push(e.value);
    }
    return ok(out);
  }
}
