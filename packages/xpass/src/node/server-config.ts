/**
 * `xpass serve` configuration from environment variables:
 *
 *   XPASS_PORT (3600), XPASS_HOST (127.0.0.1), XPASS_EPOCH_HOURS (24), XPASS_GRACE_HOURS (72),
 *   XPASS_OVERLAP_MINUTES (15), XPASS_RATE_LIMIT (100 share fetches per DID per minute),
 *   XPASS_DATA_DIR (per-user: `$XDG_DATA_HOME/xorida/xpass` or the platform's equivalent, never the
 *   working directory; agent-sdk server-kit/data-dir.ts), XPASS_REDIS_URL (unset: files), XPASS_ADMIN_TOKEN (required for admin routes; generated into
 *   <data dir>/admin-token when unset), XPASS_ENABLE_DEBUG_ENDPOINTS (0), XPASS_AUDIT_HEAD_EVERY (16),
 *   XPASS_STRIPE_WEBHOOK_SECRET (unset: no `POST /webhooks/stripe`), XPASS_STRIPE_MAPPING_FILE
 *   (JSON, stripe-mapping.ts), XPASS_WEBHOOK_URLS (comma-separated http(s) URLs of outbound
 *   state-change webhooks, outbound-webhooks.ts)
 *
 * Pitfall: hours and minutes may be fractional but must come to whole seconds.
 *
 * @module
 */
import { defaultDataDir } from '@xorida/agent-sdk/node';
import { ok, type Result } from 'xorida';
import { type XpassError, xpassErr } from '../errors.js';

/** Parsed server settings. */
export interface ServerConfig {
  readonly port: number;
  readonly host: string;
  readonly epochMs: number;
  readonly graceMs: number;
  readonly overlapMs: number;
  readonly rateLimit: number;
  readonly dataDir: string;
  readonly adminToken: string | undefined;
  readonly debugEndpoints: boolean;
  readonly auditHeadEvery: number;
  /** Redis URL of the optional Redis backend, or undefined (files). */
  readonly redisUrl: string | undefined;
  /** Stripe endpoint signing secret (`whsec_...`), or undefined (no Stripe route). */
  readonly stripeWebhookSecret: string | undefined;
  /** Path of the Stripe-to-connection mapping JSON, or undefined. */
  readonly stripeMappingFile: string | undefined;
  /** Outbound webhook receiver URLs (empty: none). */
  readonly webhookUrls: readonly string[];
}

/** Default billing server port. */
export const DEFAULT_XPASS_PORT = 3600;

function num(
  env: Record<string, string | undefined>,
  name: string,
  def: number,
  min: number,
  max: number,
): Result<number, XpassError> {
  const raw = env[name];
  if (raw === undefined || raw === '') return ok(def);
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min || v > max)
    return xpassErr(
      'INVALID_INPUT',
      `${name} must be a number in ${min}..${max}, got ${JSON.stringify(raw)}`,
      { field: name },
    );
  return ok(v);
}

/**
 * Reads the configuration.
 * @param env usually `process.env`
 * @returns the settings or `INVALID_INPUT` naming the variable
 */
export function serverConfigFromEnv(
  env: Record<string, string | undefined>,
): Result<ServerConfig, XpassError> {
  const port = num(env, 'XPASS_PORT', DEFAULT_XPASS_PORT, 0, 65535);
  if (!port.ok) return port;
  const epochH = num(env, 'XPASS_EPOCH_HOURS', 24, 1 / 3600, 24 * 365);
  if (!epochH.ok) return epochH;
  const graceH = num(env, 'XPASS_GRACE_HOURS', 72, 0, 24 * 365 * 10);
  if (!graceH.ok) return graceH;
  const overlapM = num(env, 'XPASS_OVERLAP_MINUTES', 15, 0, 60 * 24 * 365);
  if (!overlapM.ok) return overlapM;
  const rate = num(env, 'XPASS_RATE_LIMIT', 100, 1, 1_000_000);
  if (!rate.ok) return rate;
  const every = num(env, 'XPASS_AUDIT_HEAD_EVERY', 16, 1, 1_000_000);
  if (!every.ok) return every;
  const epochMs = Math.round(epochH.value * 3_600_000);
  const overlapMs = Math.round(overlapM.value * 60_000);
  if (epochMs % 1000 !== 0 || overlapMs % 1000 !== 0)
    return xpassErr(
      'INVALID_INPUT',
      'XPASS_EPOCH_HOURS and XPASS_OVERLAP_MINUTES must come to whole seconds',
      { field: 'XPASS_EPOCH_HOURS' },
    );
  const webhookUrls = (env.XPASS_WEBHOOK_URLS ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  for (const u of webhookUrls)
    if (!/^https?:\/\/[^\s]+$/.test(u) || !URL.canParse(u))
      return xpassErr(
        'INVALID_INPUT',
        `XPASS_WEBHOOK_URLS: ${JSON.stringify(u)} is not an http(s) URL`,
        {
          field: 'XPASS_WEBHOOK_URLS',
        },
      );
  return ok({
    port: Math.floor(port.value),
    host: env.XPASS_HOST || '127.0.0.1',
    epochMs,
    graceMs: Math.round(graceH.value * 3_600_000),
    overlapMs,
    rateLimit: Math.floor(rate.value),
    dataDir: env.XPASS_DATA_DIR || defaultDataDir('xpass', { env }),
    adminToken: env.XPASS_ADMIN_TOKEN || undefined,
    debugEndpoints: env.XPASS_ENABLE_DEBUG_ENDPOINTS === '1',
    auditHeadEvery: Math.floor(every.value),
    redisUrl: env.XPASS_REDIS_URL || undefined,
    stripeWebhookSecret: env.XPASS_STRIPE_WEBHOOK_SECRET || undefined,
    stripeMappingFile: env.XPASS_STRIPE_MAPPING_FILE || undefined,
    webhookUrls,
  });
}
