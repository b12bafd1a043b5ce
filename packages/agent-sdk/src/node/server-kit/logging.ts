/**
 * Structured request logs (pino, through Fastify's logger): on by default, level from the
 * option, else `LOG_LEVEL`, else `info`; `false` or level `silent` turns them off. Secrets are
 * redacted by path so no bearer token, signature, seed, secret or share appears in a log line
 * (Fastify logs request headers only at `trace`, but plugins and handlers may log objects too).
 *
 * @module
 */
import type { FastifyServerOptions } from 'fastify';

/** Pino log levels accepted by `LOG_LEVEL`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Paths censored in every log object (pino redaction syntax). */
export const REDACTED_LOG_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-xlink-signature"]',
  'req.headers["x-admin-token"]',
  'headers.authorization',
  'headers["x-xlink-signature"]',
  '*.authorization',
  '*.signature',
  '*.secret',
  '*.seed',
  '*.token',
  '*.adminToken',
  '*.share',
  '*.share1',
  '*.share2',
  '*.ed25519Seed',
  'authorization',
  'signature',
  'secret',
  'seed',
  'token',
  'adminToken',
];

/** Logger option of {@link loggerOptions}. */
export type KitLoggerOption = FastifyServerOptions['logger'] | undefined;

/**
 * Fastify `logger` settings with redaction.
 * @param logger `false` silences; `true`/undefined: pino at `level`; an object is merged over
 *   the defaults (its `redact` is added to ours)
 * @param level explicit level (wins over `env.LOG_LEVEL`)
 * @param env environment (reads `LOG_LEVEL`)
 * @returns the value for `Fastify({ logger })`; an unknown level falls back to `info`
 */
export function loggerOptions(
  logger: KitLoggerOption,
  level?: string,
  env: Record<string, string | undefined> = process.env,
): FastifyServerOptions['logger'] {
  if (logger === false) return false;
  const wanted = level ?? env.LOG_LEVEL ?? 'info';
  const lvl = (LOG_LEVELS as readonly string[]).includes(wanted) ? wanted : 'info';
  const base = { level: lvl, redact: { paths: [...REDACTED_LOG_PATHS], censor: '[redacted]' } };
  if (typeof logger === 'object' && logger !== null) {
    const o = logger as { level?: string; redact?: string[] | { paths: string[] } };
    const extra = Array.isArray(o.redact) ? o.redact : (o.redact?.paths ?? []);
    return {
      ...base,
      ...o,
      level: level ?? o.level ?? lvl,
      redact: { paths: [...REDACTED_LOG_PATHS, ...extra], censor: '[redacted]' },
    } as FastifyServerOptions['logger'];
  }
  return base;
}
