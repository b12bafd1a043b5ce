/**
 * The one `/health` shape of every server: `{ status, version, uptime, storage, details }`.
 * `status` is `ok` (200) or `degraded` (503, when the details callback reports it or throws);
 * `uptime` is whole seconds since the kit was created.
 *
 * @module
 */
import type { FastifyInstance } from 'fastify';

/** What a server reports about itself. */
export interface HealthReport {
  /** `degraded` answers 503. Default `ok`. */
  readonly status?: 'ok' | 'degraded';
  /** Per-server fields (counts, public keys, ...). */
  readonly details?: Record<string, unknown>;
}

/** Options of {@link registerHealth}. */
export interface HealthOptions {
  readonly version: string;
  /** Storage backend name (`file`, `redis`, `memory`, `custom`, ...). */
  readonly storage: string | (() => string);
  /** Start time, Unix ms. */
  readonly startedAt: number;
  /** Per-server details (called on every request). */
  readonly report?: () => HealthReport | Promise<HealthReport>;
}

/** JSON schema of the health answer (OpenAPI). */
export const HEALTH_RESPONSE_SCHEMA = {
  type: 'object',
  required: ['status', 'version', 'uptime', 'storage', 'details'],
  properties: {
    status: { type: 'string', enum: ['ok', 'degraded'] },
    version: { type: 'string' },
    uptime: { type: 'integer', description: 'seconds since start' },
    storage: { type: 'string' },
    details: { type: 'object', additionalProperties: true },
  },
} as const;

/**
 * Registers `GET /health` (never rate limited).
 * @param app Fastify instance
 * @param options version, storage, start time, details callback
 */
export function registerHealth(app: FastifyInstance, options: HealthOptions): void {
  app.get(
    '/health',
    {
      config: { rateLimit: false },
      schema: {
        summary: 'Liveness and storage status',
        response: { 200: HEALTH_RESPONSE_SCHEMA, 503: HEALTH_RESPONSE_SCHEMA },
      },
    },
    async (req, reply) => {
      let report: HealthReport;
      try {
        report = (await options.report?.()) ?? {};
      } catch (e) {
        req.log.warn({ err: (e as Error).message }, 'health details failed');
        report = { status: 'degraded' };
      }
      const status = report.status ?? 'ok';
      return reply.code(status === 'ok' ? 200 : 503).send({
        status,
        version: options.version,
        uptime: Math.floor((Date.now() - options.startedAt) / 1000),
        storage: typeof options.storage === 'function' ? options.storage() : options.storage,
        details: report.details ?? {},
      });
    },
  );
}
