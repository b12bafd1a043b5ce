/**
 * `xpass serve`: the billing server. Every setting is a flag with its `XPASS_*` variable as
 * fallback (the flag wins); both go through the one config path, `serverConfigFromEnv`
 * (server-config.ts): the flags given are laid over the environment under their variable names,
 * so ranges, defaults and the data-directory rule are decided in one place.
 *
 * Pitfalls:
 * - Secrets are never flag values (a command line is visible in `ps` and shell history): the
 *   admin token and the Stripe signing secret come from `--admin-token-file` /
 *   `--stripe-webhook-secret-file`, or from `XPASS_ADMIN_TOKEN` / `XPASS_STRIPE_WEBHOOK_SECRET`.
 * - Every setting is checked before the server touches the disk: a bad flag or variable exits
 *   2 and creates no data directory.
 *
 * @module
 */
import { join } from 'node:path';
import {
  type CliProgram,
  EXIT_USAGE,
  envOption,
  logLevelOption,
  parseList,
  parsePort,
  readSecretFile,
} from '@xorida/agent-sdk/node';
import { bytesToHex } from 'xorida';
import { startBillingServer } from './billing-server.js';
import { serverConfigFromEnv } from './server-config.js';

/** Flag attribute -> the variable it overrides (and falls back to). */
const SETTINGS = {
  port: ['--port <port>', 'port, 0 = ephemeral (default 3600)', 'XPASS_PORT'],
  host: ['--host <host>', 'bind address (default 127.0.0.1)', 'XPASS_HOST'],
  dataDir: [
    '--data-dir <dir>',
    'data directory (default $XDG_DATA_HOME/xorida/xpass or the platform equivalent)',
    'XPASS_DATA_DIR',
  ],
  redisUrl: ['--redis-url <url>', 'Redis URL for connections and challenges', 'XPASS_REDIS_URL'],
  epochHours: ['--epoch-hours <h>', 'epoch length, hours (default 24)', 'XPASS_EPOCH_HOURS'],
  graceHours: ['--grace-hours <h>', 'payment grace, hours (default 72)', 'XPASS_GRACE_HOURS'],
  overlapMinutes: [
    '--overlap-minutes <m>',
    'epoch overlap, minutes (default 15)',
    'XPASS_OVERLAP_MINUTES',
  ],
  rateLimit: [
    '--rate-limit <n>',
    'share fetches per DID per minute (default 100)',
    'XPASS_RATE_LIMIT',
  ],
  auditHeadEvery: [
    '--audit-head-every <n>',
    'sign an audit head every n entries (default 16)',
    'XPASS_AUDIT_HEAD_EVERY',
  ],
  stripeMappingFile: [
    '--stripe-mapping-file <path>',
    'Stripe-to-connection mapping JSON',
    'XPASS_STRIPE_MAPPING_FILE',
  ],
  webhookUrl: [
    '--webhook-url <urls>',
    'outbound state-change webhook URL(s), comma-separated, repeatable',
    'XPASS_WEBHOOK_URLS',
  ],
  debugEndpoints: [
    '--enable-debug-endpoints',
    'serve the debug endpoints (they see both shares: never in production)',
    'XPASS_ENABLE_DEBUG_ENDPOINTS',
  ],
} as const;

type SettingKey = keyof typeof SETTINGS;

interface ServeOptions extends Partial<Record<SettingKey, string | number | boolean | string[]>> {
  adminTokenFile?: string;
  stripeWebhookSecretFile?: string;
  logLevel?: string;
}

/** The flag named in errors about a variable (`XPASS_PORT` -> `--port`). */
function flagOf(envVar: string | undefined): string | undefined {
  const hit = Object.values(SETTINGS).find(([, , v]) => v === envVar);
  return hit?.[0].split(' ')[0];
}

/**
 * Adds `serve` to the program.
 * @param cli the xpass program
 */
export function addServeCommand(cli: CliProgram): void {
  const cmd = cli.program
    .command('serve')
    .description('run the billing server (stops on SIGINT/SIGTERM)');
  for (const [key, [flags, help, envVar]] of Object.entries(SETTINGS)) {
    const parse: ((v: string, prev: unknown) => unknown) | undefined =
      key === 'port'
        ? parsePort
        : key === 'webhookUrl'
          ? (v, p) => parseList(v, p as string[])
          : undefined;
    cmd.addOption(envOption<unknown>(flags, help, envVar, parse ? { parse } : {}));
  }
  cmd
    .addOption(
      envOption(
        '--admin-token-file <path>',
        'file holding the admin bearer token (else XPASS_ADMIN_TOKEN, else generated into <data dir>/admin-token)',
        'XPASS_ADMIN_TOKEN_FILE',
      ),
    )
    .addOption(
      envOption(
        '--stripe-webhook-secret-file <path>',
        'file holding the Stripe endpoint secret whsec_… (else XPASS_STRIPE_WEBHOOK_SECRET)',
        'XPASS_STRIPE_WEBHOOK_SECRET_FILE',
      ),
    )
    .addOption(logLevelOption())
    .action(async (o: ServeOptions) => {
      // Flags (and their variables) laid over the environment: one parser for both.
      const given: Record<string, string> = {};
      for (const [key, [, , envVar]] of Object.entries(SETTINGS)) {
        const v = o[key as SettingKey];
        if (v === undefined || v === false) continue;
        given[envVar] = Array.isArray(v) ? v.join(',') : v === true ? '1' : String(v);
      }
      if (o.adminTokenFile)
        given.XPASS_ADMIN_TOKEN = readSecretFile(o.adminTokenFile, '--admin-token-file');
      if (o.stripeWebhookSecretFile)
        given.XPASS_STRIPE_WEBHOOK_SECRET = readSecretFile(
          o.stripeWebhookSecretFile,
          '--stripe-webhook-secret-file',
        );
      const cfg = serverConfigFromEnv({ ...cli.env, ...given });
      if (!cfg.ok) {
        const field = (cfg.error as { field?: string }).field;
        const flag = flagOf(field);
        cli.fail(
          {
            code: 'USAGE',
            subCode: 'INVALID_VALUE',
            message: cfg.error.message,
            hint: flag ? `Fix ${flag} or ${field}` : 'Run `xpass serve --help`',
          },
          EXIT_USAGE,
        );
      }
      const c = cfg.value;
      const level = o.logLevel;
      const s = cli.unwrap(
        await startBillingServer({
          ...c,
          ...(c.adminToken === undefined ? {} : { adminToken: c.adminToken }),
          ...(cli.json() ? { logger: false } : level ? { logger: { level } } : {}),
        }),
      );
      const publicKey = bytesToHex(s.service.publicKey);
      const tokenSource =
        c.adminToken === undefined
          ? join(c.dataDir, 'admin-token')
          : o.adminTokenFile
            ? o.adminTokenFile
            : 'XPASS_ADMIN_TOKEN';
      cli.print(
        [
          `xpass billing server listening on ${s.url}`,
          `public key ${publicKey} (pin it in agents)`,
          c.adminToken === undefined
            ? `admin token: see ${tokenSource}`
            : `admin token: from ${tokenSource}`,
        ].join('\n'),
        {
          ok: true,
          url: s.url,
          port: s.port,
          publicKey,
          dataDir: c.dataDir,
          adminToken: tokenSource,
        },
      );
      if (c.debugEndpoints)
        cli.io.err(
          'WARNING: debug endpoints are ON: they receive both shares of a connection (README threat model)',
        );
      await cli.waitForStop();
      await s.close();
      if (!cli.json()) cli.io.out('xpass billing server stopped');
    });
}
