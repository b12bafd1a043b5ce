/**
 * Migration from API keys to Xlink.
 *
 * Server side, `new DualModeAdapter({ agent, legacyKeyValidator, mode })`: `adapter.middleware()`
 * (Express / `node:http`) accepts either an Xlink envelope (`Content-Type:
 * application/xlink-envelope+json`, verified by `agent.middleware()`) or a legacy API key
 * (`Authorization: Bearer <key>` / `ApiKey <key>`, `?api_key=`, or the `X-API-Key` header,
 * names configurable). It sets `req.auth` to `{ mode: 'xlink', did, scope, message }` or
 * `{ mode: 'api-key', ...validatorResult }`. Modes:
 * - `hybrid`: both accepted;
 * - `deprecation`: both accepted, API-key answers carry `X-Deprecated-Auth: true` and
 *   `X-Migration-Url`;
 * - `xlink-only`: API keys refused with 401 `API_KEY_REJECTED` and a migration hint.
 * `getMetrics()` counts requests per kind, failed auth and average latency (validation time) per kind.
 *
 * Client side, `new DualModeClient({ xlink: { agent, to, scope }, fallback: { type: 'api-key', key,
 * url } })`: `call(action, params)` sends `{ action, params }` as an Xlink envelope through the
 * agent's transport, and on failure posts it to `fallback.url` with the API key; `removeFallback()`
 * ends the fallback; `getMetrics()` reports the split.
 *
 * Pitfalls:
 * - The API key is a bearer secret: it is compared by your validator, never logged here.
 * - A request with an invalid Xlink envelope is NOT retried as an API-key request.
 *
 * @module
 */
import type { Agent } from './agent.js';
import type { MiddlewareRequest, MiddlewareResponse } from './agent-middleware.js';
import type { AgentMessage } from './agent-types.js';
import { ENVELOPE_MEDIA_TYPE } from './envelope.js';
import type { Payload } from './lib/payload.js';

/** Migration phase. */
export type DualMode = 'hybrid' | 'deprecation' | 'xlink-only';

/** `req.auth` after the middleware. */
export type DualModeAuth =
  | {
      readonly mode: 'xlink';
      readonly did: string;
      readonly scope: string;
      readonly message: AgentMessage;
    }
  | ({ readonly mode: 'api-key' } & Record<string, unknown>);

/** Options of {@link DualModeAdapter}. */
export interface DualModeAdapterOptions {
  readonly agent: Agent;
  /** Your existing key check: an object describing the caller, or null/undefined to refuse. */
  readonly legacyKeyValidator: (
    apiKey: string,
  ) =>
    | Promise<Record<string, unknown> | null | undefined>
    | Record<string, unknown>
    | null
    | undefined;
  /** Default `hybrid`. */
  readonly mode?: DualMode;
  /** Sent as `X-Migration-Url` and in the 401 hint (default `https://docs.xorida.dev/xlink/migration`). */
  readonly migrationUrl?: string;
  /** Header carrying a key (default `x-api-key`). */
  readonly apiKeyHeader?: string;
  /** Query parameter carrying a key (default `api_key`). */
  readonly apiKeyQuery?: string;
}

/** Request counters. */
export interface DualModeMetrics {
  readonly mode: DualMode;
  readonly totalRequests: number;
  readonly xlinkRequests: number;
  readonly apiKeyRequests: number;
  /** Share of authenticated requests that used Xlink, percent (one decimal). */
  readonly xlinkPercentage: number;
  readonly apiKeyPercentage: number;
  /** Refused requests (bad envelope, unknown key, key in xlink-only mode, no credentials). */
  readonly failedAuth: number;
  /** Average authentication time per kind, ms. */
  readonly avgLatencyMs: { readonly xlink: number; readonly apiKey: number };
  /** API-key requests answered per mode (deprecation progress). */
  readonly apiKeyRequestsByMode: Readonly<Record<DualMode, number>>;
}

/** The request shape the DualModeAdapter middleware reads and annotates (`auth`). */
export type DualModeRequest = MiddlewareRequest & { url?: string; auth?: DualModeAuth };
type Req = DualModeRequest;

function json(res: MiddlewareResponse, status: number, body: unknown) {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(body));
}

const pct = (a: number, total: number) => (total ? Math.round((1000 * a) / total) / 10 : 0);

/** Server-side API key / Xlink dual authentication. */
export class DualModeAdapter {
  private mode: DualMode;
  private readonly opts: DualModeAdapterOptions;
  private readonly xlinkMw: ReturnType<Agent['middleware']>;
  private readonly m = {
    xlink: 0,
    apiKey: 0,
    failed: 0,
    xlinkMs: 0,
    apiKeyMs: 0,
    byMode: { hybrid: 0, deprecation: 0, 'xlink-only': 0 } as Record<DualMode, number>,
  };

  constructor(options: DualModeAdapterOptions) {
    if (!options?.agent || typeof options.legacyKeyValidator !== 'function')
      throw new TypeError('DualModeAdapter: agent and legacyKeyValidator required');
    this.opts = options;
    this.mode = options.mode ?? 'hybrid';
    if (!['hybrid', 'deprecation', 'xlink-only'].includes(this.mode))
      throw new TypeError(`DualModeAdapter: unknown mode ${this.mode}`);
    this.xlinkMw = options.agent.middleware();
  }

  /** Switches the migration phase. */
  setMode(mode: DualMode): void {
    if (!['hybrid', 'deprecation', 'xlink-only'].includes(mode))
      throw new TypeError(`DualModeAdapter: unknown mode ${mode}`);
    this.mode = mode;
  }

  /** The current phase. */
  getMode(): DualMode {
    return this.mode;
  }

  /** Counters since construction. */
  getMetrics(): DualModeMetrics {
    const { xlink, apiKey, failed } = this.m;
    const ok = xlink + apiKey;
    return {
      mode: this.mode,
      totalRequests: ok + failed,
      xlinkRequests: xlink,
      apiKeyRequests: apiKey,
      xlinkPercentage: pct(xlink, ok),
      apiKeyPercentage: pct(apiKey, ok),
      failedAuth: failed,
      avgLatencyMs: {
        xlink: xlink ? Math.round((100 * this.m.xlinkMs) / xlink) / 100 : 0,
        apiKey: apiKey ? Math.round((100 * this.m.apiKeyMs) / apiKey) / 100 : 0,
      },
      apiKeyRequestsByMode: { ...this.m.byMode },
    };
  }

  private extractKey(req: Req): string | undefined {
    const h = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const auth = h('authorization');
    const m = auth ? /^(?:Bearer|ApiKey)\s+(.+)$/i.exec(auth.trim()) : null;
    if (m?.[1]) return m[1];
    const custom = h((this.opts.apiKeyHeader ?? 'x-api-key').toLowerCase());
    if (custom) return custom;
    if (req.url) {
      const q = new URL(req.url, 'http://x').searchParams.get(this.opts.apiKeyQuery ?? 'api_key');
      if (q) return q;
    }
    return undefined;
  }

  /** Express / node:http middleware `(req, res, next)`. */
  middleware(): (req: Req, res: MiddlewareResponse, next: (e?: unknown) => void) => void {
    const migrationUrl = this.opts.migrationUrl ?? 'https://docs.xorida.dev/xlink/migration';
    return (req, res, next) => {
      const t0 = performance.now();
      const ct = req.headers['content-type'];
      const type = (Array.isArray(ct) ? ct[0] : ct)?.split(';')[0]?.trim().toLowerCase();
      if (type === ENVELOPE_MEDIA_TYPE) {
        // agent.middleware answers refusals itself; count them through the response status
        let passed = false;
        const end = res.end.bind(res);
        res.end = ((body?: string) => {
          if (!passed) this.m.failed++;
          return end(body);
        }) as typeof res.end;
        this.xlinkMw(req, res, (e?: unknown) => {
          if (e) return next(e);
          passed = true;
          const msg = req.agentMessage as AgentMessage;
          this.m.xlink++;
          this.m.xlinkMs += performance.now() - t0;
          req.auth = { mode: 'xlink', did: msg.sender, scope: msg.scope, message: msg };
          next();
        });
        return;
      }
      const key = this.extractKey(req);
      if (key === undefined) {
        this.m.failed++;
        return json(res, 401, {
          error: {
            code: 'UNAUTHORIZED',
            message: 'no credentials: send an Xlink envelope or an API key',
            hint: `Migrate to Xlink envelopes: ${migrationUrl}`,
          },
        });
      }
      if (this.mode === 'xlink-only') {
        this.m.failed++;
        res.setHeader('x-migration-url', migrationUrl);
        return json(res, 401, {
          error: {
            code: 'API_KEY_REJECTED',
            message: 'API keys are no longer accepted; send an Xlink envelope',
            hint: `Migrate to Xlink: ${migrationUrl}`,
          },
        });
      }
      const mode = this.mode;
      Promise.resolve()
        .then(() => this.opts.legacyKeyValidator(key))
        .then((who) => {
          if (!who) {
            this.m.failed++;
            return json(res, 401, {
              error: {
                code: 'UNAUTHORIZED',
                message: 'invalid API key',
                hint: `Or migrate to Xlink: ${migrationUrl}`,
              },
            });
          }
          this.m.apiKey++;
          this.m.byMode[mode]++;
          this.m.apiKeyMs += performance.now() - t0;
          if (mode === 'deprecation') {
            res.setHeader('x-deprecated-auth', 'true');
            res.setHeader('x-migration-url', migrationUrl);
          }
          req.auth = { ...who, mode: 'api-key' };
          next();
        }, next);
    };
  }
}

/** Options of {@link DualModeClient}. */
export interface DualModeClientOptions {
  /** Xlink path: the agent (its transport delivers to the service), the service DID and scope. */
  readonly xlink?: { readonly agent: Agent; readonly to: string; readonly scope: string };
  /** Legacy path: POST `{ action, params }` JSON to `url` with `Authorization: Bearer <key>`. */
  readonly fallback?: { readonly type: 'api-key'; readonly key: string; readonly url: string };
  readonly fetch?: typeof fetch;
}

/** Result of {@link DualModeClient.call}. */
export interface DualModeCallResult {
  readonly via: 'xlink' | 'api-key';
  /** HTTP status of the API-key call (Xlink deliveries are 2xx when ok). */
  readonly status?: number;
  readonly body?: unknown;
  /** Why Xlink was not used / failed (code), when the fallback ran. */
  readonly xlinkError?: string;
}

/** Client side: Xlink first, API key fallback until `removeFallback()`. */
export class DualModeClient {
  private fallback: DualModeClientOptions['fallback'];
  private readonly counts = { xlink: 0, apiKey: 0, failed: 0 };

  constructor(private readonly opts: DualModeClientOptions) {
    if (!opts?.xlink && !opts?.fallback)
      throw new TypeError('DualModeClient: xlink or fallback required');
    this.fallback = opts.fallback;
  }

  /** Stops using the API key (100 % migrated). */
  removeFallback(): void {
    this.fallback = undefined;
  }

  /** Calls `action` with `params`; throws only when every path failed. */
  async call(action: string, params: Record<string, unknown> = {}): Promise<DualModeCallResult> {
    let xlinkError: string | undefined;
    if (this.opts.xlink) {
      const { agent, to, scope } = this.opts.xlink;
      const r = await agent.send({ to, scope, payload: { action, params } as Payload });
      if (r.ok) {
        this.counts.xlink++;
        return { via: 'xlink' };
      }
      xlinkError = `${r.error.code}${r.error.subCode ? `:${r.error.subCode}` : ''}`;
    } else xlinkError = 'NOT_CONFIGURED';
    const fb = this.fallback;
    if (!fb) {
      this.counts.failed++;
      throw new Error(`Xlink call failed (${xlinkError}) and there is no API-key fallback`);
    }
    const res = await (this.opts.fetch ?? fetch)(fb.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${fb.key}` },
      body: JSON.stringify({ action, params }),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {}
    if (res.ok) this.counts.apiKey++;
    else this.counts.failed++;
    return { via: 'api-key', status: res.status, body, xlinkError };
  }

  /** Calls per path and the Xlink share, percent. */
  getMetrics(): {
    xlinkRequests: number;
    apiKeyRequests: number;
    failed: number;
    xlinkPercentage: number;
  } {
    const { xlink, apiKey, failed } = this.counts;
    return {
      xlinkRequests: xlink,
      apiKeyRequests: apiKey,
      failed,
      xlinkPercentage: pct(xlink, xlink + apiKey),
    };
  }
}
