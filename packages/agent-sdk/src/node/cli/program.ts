/**
 * The `xlink` command line (commander): `init`, `create`, `serve`, `register`, `revoke`,
 * `lookup`, `send`, `receive`, `invite`, `connect`, `whoami`.
 *
 * Pitfalls:
 * - `--json` prints exactly one JSON object on stdout per command (`serve`: one line when
 *   listening), for scripts.
 * - Exit codes: 0 success, 1 the operation failed (code, message and hint printed), 2 bad usage.
 * - Registry / relay URLs: `--registry` or `XLINK_REGISTRY_URL`; `--relay` or
 *   `XLINK_RELAY_URL`, default the registry. Admin token: `--admin-token` or
 *   `XLINK_ADMIN_TOKEN`. Keystore: `--keystore`, `XLINK_KEYSTORE`, else the config dir.
 * - The private key is never printed.
 *
 * @module
 */
import { join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { Redis } from 'ioredis';
import { Agent, isPendingShares } from '../../agent.js';
import { acceptInvite, connect } from '../../connect.js';
import { envelopeToCompact, parseEnvelope } from '../../envelope.js';
import { HttpTrustRegistry } from '../../http-trust-registry.js';
import { HttpsTransportAdapter } from '../../https-transport.js';
import type { AgentIdentity } from '../../identity.js';
import { createInvite } from '../../invite.js';
import { MemoryNonceStore } from '../../nonce-store.js';
import type { TrustRegistry } from '../../registry.js';
import { registryEntryToJson } from '../../registry-entry-json.js';
import { RelayClient } from '../../relay-client.js';
import { FileTrustRegistry } from '../file-trust-registry.js';
import {
  FileInviteStore,
  type InviteStore,
  inviteRoutes,
  RedisInviteStore,
} from '../invite-routes.js';
import { createRequestVerifier } from '../lib/signed-request-check.js';
import { RedisTrustRegistry } from '../redis-trust-registry.js';
import { createXlinkServer } from '../xlink-server.js';
import {
  createKeystore,
  defaultKeystorePath,
  loadKeystore,
  loadOrCreateKeystore,
} from './keystore.js';

/** Output sinks (tests capture them). */
export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
  env?: NodeJS.ProcessEnv;
}

/** Exit codes. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

interface Failure {
  code: string;
  subCode?: string | undefined;
  message: string;
  hint?: string | undefined;
}

class CliFailure extends Error {
  constructor(readonly detail: Failure) {
    super(detail.message);
  }
}

function parseDuration(v: string): number {
  const m = /^(\d+)\s*(ms|s|m|h|d)?$/.exec(v.trim());
  if (!m) throw new InvalidArgumentError('expected a duration, e.g. 30m, 24h, 7d');
  const mult: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  return Number(m[1]) * (mult[m[2] ?? 's'] ?? 1000);
}

function parsePort(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) > 65535)
    throw new InvalidArgumentError('expected a port 0..65535');
  return Number(v);
}

function collect(v: string, prev: string[] = []): string[] {
  return [
    ...prev,
    ...v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

/**
 * Runs the CLI.
 * @param argv arguments after the executable (e.g. `['init', '--name', 'billing']`)
 * @param io output sinks and environment
 * @returns the exit code (`serve` resolves only when the server stops)
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const env = io.env ?? process.env;
  let code = EXIT_OK;
  let json = false;
  const print = (human: string, obj: unknown) => {
    io.out(json ? JSON.stringify(obj) : human);
  };
  const fail = (f: Failure): never => {
    throw new CliFailure(f);
  };
  const unwrap = <T>(r: { ok: true; value: T } | { ok: false; error: Failure }): T => {
    if (!r.ok) return fail(r.error);
    return r.value;
  };
  const keystorePath = (o: { keystore?: string }) => o.keystore ?? defaultKeystorePath(env);
  const registryUrl = (o: { registry?: string }) => {
    const u = o.registry ?? env.XLINK_REGISTRY_URL;
    if (!u)
      fail({
        code: 'USAGE',
        message: 'no registry URL',
        hint: 'Pass --registry <url> or set XLINK_REGISTRY_URL',
      });
    return u as string;
  };
  const relayUrl = (o: { registry?: string; relay?: string }) =>
    o.relay ?? env.XLINK_RELAY_URL ?? registryUrl(o);
  const adminToken = (o: { adminToken?: string }) => o.adminToken ?? env.XLINK_ADMIN_TOKEN;
  const agentFrom = (
    identity: AgentIdentity,
    o: { registry?: string; relay?: string; adminToken?: string },
    name?: string,
    scopes?: string[],
  ) => {
    const token = adminToken(o);
    return Agent.fromParts({
      identity,
      ...(name !== undefined ? { name } : {}),
      ...(scopes ? { scopes } : {}),
      nonceStore: new MemoryNonceStore(),
      registry: new HttpTrustRegistry({
        baseUrl: registryUrl(o),
        signer: identity,
        ...(token ? { authToken: token } : {}),
      }),
      transport: new HttpsTransportAdapter({ baseUrl: relayUrl(o) }),
    });
  };

  const program = new Command('xlink')
    .description('Xlink: DID identities and signed, encrypted envelopes between services')
    .option('--json', 'print one JSON object per command (for scripts)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, '')),
      writeErr: (s) => io.err(s.replace(/\n$/, '')),
    })
    .showHelpAfterError()
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 operation failed (code, message, hint printed), 2 usage error.',
    );
  program.hook('preAction', (cmd) => {
    json = Boolean(cmd.optsWithGlobals().json);
  });

  const ksOpt = [
    '--keystore <path>',
    'keystore file (default $XLINK_KEYSTORE or <config dir>/xlink/keystore.json)',
  ] as const;
  const regOpt = ['--registry <url>', 'registry base URL (default $XLINK_REGISTRY_URL)'] as const;
  const relayOpt = [
    '--relay <url>',
    'relay base URL (default $XLINK_RELAY_URL, else the registry)',
  ] as const;
  const tokenOpt = [
    '--admin-token <token>',
    'registry admin bearer token (default $XLINK_ADMIN_TOKEN)',
  ] as const;

  program
    .command('init')
    .description('create a local identity in the keystore and print its DID')
    .requiredOption('--name <name>', 'service name')
    .option(...ksOpt)
    .option('--force', 'replace an existing keystore (its identity is lost)')
    .action((o: { name: string; keystore?: string; force?: boolean }) => {
      const path = keystorePath(o);
      const r = unwrap(createKeystore(path, o.name, Boolean(o.force)));
      print(`${r.file.did}\n(keystore: ${path})`, {
        did: r.file.did,
        name: o.name,
        keystore: path,
      });
    });

  program
    .command('whoami')
    .description('print the DID of the local identity')
    .option(...ksOpt)
    .action((o: { keystore?: string }) => {
      const r = unwrap(loadKeystore(keystorePath(o)));
      print(r.file.did, { did: r.file.did, name: r.file.name, keystore: keystorePath(o) });
    });

  const register = async (
    o: {
      name?: string;
      scope?: string[];
      keystore?: string;
      registry?: string;
      adminToken?: string;
      did?: string;
    },
    create: boolean,
  ) => {
    const path = keystorePath(o);
    const ks = create
      ? unwrap(createKeystore(path, o.name ?? 'xlink-service'))
      : unwrap(loadKeystore(path));
    if (o.did && o.did !== ks.identity.did)
      fail({
        code: 'USAGE',
        message:
          '--did must be the keystore identity (registering a foreign DID needs its key document)',
        hint: 'Use the keystore of that service (--keystore)',
      });
    const scopes = o.scope?.length ? o.scope : ['*'];
    const agent = agentFrom(ks.identity, o, o.name ?? ks.file.name, scopes);
    unwrap(await agent.register());
    print(`registered ${agent.did} (${scopes.join(', ')})`, {
      did: agent.did,
      scopes,
      registered: true,
    });
  };

  program
    .command('create')
    .description('init + register: create an identity and register it')
    .requiredOption('--name <name>', 'service name')
    .option('--scope <scope>', 'scope this service may send (repeatable / comma list)', collect)
    .option(...ksOpt)
    .option(...regOpt)
    .option(...tokenOpt)
    .action((o) => register(o, true));

  program
    .command('register')
    .description('register the keystore identity (admin token, else DID-signed self-registration)')
    .option('--did <did>', 'must equal the keystore DID')
    .option('--name <name>', 'display name (default: the keystore name)')
    .option('--scope <scope>', 'scope this service may send (repeatable / comma list)', collect)
    .option(...ksOpt)
    .option(...regOpt)
    .option(...tokenOpt)
    .action((o) => register(o, false));

  program
    .command('revoke')
    .description('revoke a DID (admin token required)')
    .requiredOption('--did <did>', 'DID to revoke')
    .option('--reason <text>', 'reason recorded in the registry')
    .option(...regOpt)
    .option(...tokenOpt)
    .action(async (o: { did: string; reason?: string; registry?: string; adminToken?: string }) => {
      const token = adminToken(o);
      if (!token)
        fail({
          code: 'USAGE',
          message: 'revoke needs an admin token',
          hint: 'Pass --admin-token or set XLINK_ADMIN_TOKEN',
        });
      const reg = new HttpTrustRegistry({ baseUrl: registryUrl(o), authToken: token as string });
      const e = unwrap(await reg.revoke(o.did, o.reason));
      print(`revoked ${e.did}`, registryEntryToJson(e));
    });

  program
    .command('lookup')
    .description('resolve a DID in the registry (key document verified)')
    .requiredOption('--did <did>', 'DID to resolve')
    .option(...regOpt)
    .action(async (o: { did: string; registry?: string }) => {
      const reg = new HttpTrustRegistry({ baseUrl: registryUrl(o) });
      const e = unwrap(await reg.resolve(o.did));
      print(
        `${e.did} ${e.status} name=${e.name ?? ''} scopes=${e.scopes.join(',')}`,
        registryEntryToJson(e),
      );
    });

  program
    .command('send')
    .description('encrypt, sign and deliver a JSON payload through the relay')
    .requiredOption('--to <did>', 'recipient DID')
    .requiredOption('--payload <json>', 'JSON object payload')
    .requiredOption('--scope <scope>', 'scope of the message')
    .option(...ksOpt)
    .option(...regOpt)
    .option(...relayOpt)
    .action(
      async (o: {
        to: string;
        payload: string;
        scope: string;
        keystore?: string;
        registry?: string;
        relay?: string;
      }) => {
        let payload: unknown;
        try {
          payload = JSON.parse(o.payload);
        } catch {
          fail({
            code: 'USAGE',
            message: '--payload is not JSON',
            hint: `e.g. --payload '{"amount":5}'`,
          });
        }
        const ks = unwrap(loadKeystore(keystorePath(o)));
        const agent = agentFrom(ks.identity, o);
        const r = unwrap(
          await agent.send({
            to: o.to,
            payload: payload as Record<string, unknown>,
            scope: o.scope,
          }),
        );
        const compact = envelopeToCompact(unwrap(parseEnvelope(r.envelope)));
        print(`sent v${r.version} envelope to ${r.to} (nonce ${r.nonce})\n${compact}`, {
          to: r.to,
          version: r.version,
          nonce: r.nonce,
          envelope: compact,
        });
      },
    );

  program
    .command('receive')
    .description('verify and decrypt an envelope (--envelope) or pull the mailbox from the relay')
    .option('--envelope <compact>', 'compact (or JSON) envelope to open')
    .option('--wait <ms>', 'long-poll the relay this long when empty (default 0)', (v) => Number(v))
    .option('--limit <n>', 'at most this many messages (default 100)', (v) => Number(v))
    .option('--no-ack', 'leave pulled messages in the mailbox')
    .option(...ksOpt)
    .option(...regOpt)
    .option(...relayOpt)
    .action(
      async (o: {
        envelope?: string;
        wait?: number;
        limit?: number;
        ack: boolean;
        keystore?: string;
        registry?: string;
        relay?: string;
      }) => {
        const ks = unwrap(loadKeystore(keystorePath(o)));
        const agent = agentFrom(ks.identity, o);
        const show = (m: { sender: string; scope: string; payload: unknown; version: number }) => ({
          sender: m.sender,
          scope: m.scope,
          version: m.version,
          payload:
            m.payload instanceof Uint8Array
              ? { bytesBase64: Buffer.from(m.payload).toString('base64') }
              : m.payload,
        });
        if (o.envelope !== undefined) {
          let env: unknown = o.envelope;
          if (o.envelope.trim().startsWith('{')) env = JSON.parse(o.envelope);
          const m = unwrap(await agent.receive(env as string));
          if (isPendingShares(m)) return print(`pending share ${m.received}/${m.threshold}`, m);
          const s = show(m);
          return print(
            `from ${s.sender} [${s.scope}] v${s.version}: ${JSON.stringify(s.payload)}`,
            { messages: [s] },
          );
        }
        const relay = new RelayClient({ baseUrl: relayUrl(o), signer: ks.identity });
        const pulled = unwrap(await relay.pull({ limit: o.limit ?? 100, waitMs: o.wait ?? 0 }));
        const messages: unknown[] = [];
        const rejected: unknown[] = [];
        const ackIds: string[] = [];
        for (const p of pulled) {
          const m = await agent.receive(p.envelope as string);
          ackIds.push(p.id); // refused envelopes are dropped too (they would fail again)
          if (!m.ok)
            rejected.push({
              id: p.id,
              code: m.error.code,
              subCode: m.error.subCode,
              message: m.error.message,
            });
          else if (!isPendingShares(m.value)) messages.push(show(m.value));
        }
        if (o.ack && ackIds.length) unwrap(await relay.ack(ackIds));
        const lines = messages.map((m) => {
          const s = m as ReturnType<typeof show>;
          return `from ${s.sender} [${s.scope}] v${s.version}: ${JSON.stringify(s.payload)}`;
        });
        for (const r of rejected) lines.push(`rejected ${JSON.stringify(r)}`);
        print(lines.length ? lines.join('\n') : 'no messages', { messages, rejected });
        if (rejected.length && !messages.length) code = EXIT_FAILED;
      },
    );

  program
    .command('invite')
    .description('create a one-time invite code for a new service (QR-ready URL included)')
    .argument('<service>', 'name of the invited service')
    .option('--scope <scope>', 'scope granted to the invitee (repeatable / comma list)', collect)
    .option('--expires <duration>', 'lifetime, e.g. 30m, 24h, 7d (default 24h)', parseDuration)
    .option(...ksOpt)
    .option(...regOpt)
    .option(...relayOpt)
    .action(
      (
        service: string,
        o: {
          scope?: string[];
          expires?: number;
          keystore?: string;
          registry?: string;
          relay?: string;
        },
      ) => {
        const ks = unwrap(loadKeystore(keystorePath(o)));
        const r = unwrap(
          createInvite({
            identity: ks.identity,
            service,
            registry: registryUrl(o),
            relay: relayUrl(o),
            scopes: o.scope?.length ? o.scope : ['*'],
            expiresIn: o.expires ?? 86_400_000,
          }),
        );
        print(`${r.code}\n${r.url}\nexpires ${new Date(r.payload.exp).toISOString()}`, {
          code: r.code,
          url: r.url,
          inviter: r.payload.inviter,
          scopes: r.payload.scopes,
          expires: new Date(r.payload.exp).toISOString(),
        });
      },
    );

  program
    .command('connect')
    .description('accept an invite (--invite), or find a peer by service name, domain or URL')
    .argument('[target]', 'service name, domain or URL')
    .option('--invite <code>', 'invite code XLK-... (or its xlink://invite URL)')
    .option('--name <name>', 'service name for a new identity (default xlink-service)')
    .option('--allow-insecure-http', 'allow http:// discovery to loopback (tests)')
    .option(...ksOpt)
    .option(...regOpt)
    .action(
      async (
        target: string | undefined,
        o: {
          invite?: string;
          name?: string;
          allowInsecureHttp?: boolean;
          keystore?: string;
          registry?: string;
        },
      ) => {
        const ks = unwrap(loadOrCreateKeystore(keystorePath(o), o.name ?? 'xlink-service'));
        if (o.invite) {
          const r = unwrap(
            await acceptInvite(o.invite, { identity: ks.identity, name: o.name ?? ks.file.name }),
          );
          return print(
            `connected to ${r.inviter.did} via ${r.invite.registry} (scopes ${r.entry.scopes.join(', ')})`,
            {
              did: r.entry.did,
              inviter: r.inviter.did,
              registry: r.invite.registry,
              relay: r.invite.relay,
              scopes: r.entry.scopes,
            },
          );
        }
        if (!target)
          fail({
            code: 'USAGE',
            message: 'connect needs a target or --invite',
            hint: 'xlink connect payments | xlink connect --invite XLK-...',
          });
        const reg = o.registry ?? env.XLINK_REGISTRY_URL;
        const r = unwrap(
          await connect(target as string, {
            identity: ks.identity,
            ...(reg ? { registry: reg } : {}),
            ...(o.allowInsecureHttp ? { allowInsecureHttp: true } : {}),
          }),
        );
        print(`${target} is ${r.did} (endpoint ${r.endpoint})`, {
          did: r.did,
          endpoint: r.endpoint,
          self: r.agent.did,
        });
      },
    );

  let serving: Promise<void> | undefined;
  program
    .command('serve')
    .description('run the registry + relay server (file storage or Redis)')
    .option('--port <port>', 'port (default 3300; 0 = ephemeral)', parsePort, 3300)
    .option('--host <host>', 'bind address (default 127.0.0.1)', '127.0.0.1')
    .option('--data-dir <dir>', 'file storage directory (default ./xlink-data unless --redis-url)')
    .option('--redis-url <url>', 'Redis URL (registry, relay and nonces in Redis)')
    // Off by default (issue 4: only "when the server is configured to accept it"): with it on,
    // anyone can register a fresh DID with any scope the server allows.
    .option(
      '--self-registration [scopes]',
      'accept DID-signed self-registration (optionally only these comma-separated scopes); off by default',
      false,
    )
    .option('--quiet', 'no request logs')
    .option(...tokenOpt)
    .action(
      async (o: {
        port: number;
        host: string;
        dataDir?: string;
        redisUrl?: string;
        selfRegistration: boolean | string;
        quiet?: boolean;
        adminToken?: string;
      }) => {
        const closers: (() => Promise<void>)[] = [];
        let registry: TrustRegistry;
        let store: InviteStore;
        const dataDir = o.dataDir ?? (o.redisUrl ? undefined : './xlink-data');
        if (o.redisUrl) {
          const client = new Redis(o.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: true });
          client.on('error', () => {});
          try {
            await client.connect();
          } catch (e) {
            client.disconnect();
            fail({
              code: 'STORAGE_FAILED',
              message: `Redis unreachable: ${(e as Error).message}`,
              hint: 'Check --redis-url',
            });
          }
          closers.push(async () => {
            await client.quit().catch(() => client.disconnect());
          });
          registry = new RedisTrustRegistry({ client, keyPrefix: 'xlink:registry:' });
          store = new RedisInviteStore(client, 'xlink:invite:');
        } else {
          const fr = new FileTrustRegistry({ path: join(dataDir as string, 'registry.jsonl') });
          const opened = await fr.open();
          if (!opened.ok) return fail(opened.error);
          closers.push(() => fr.close());
          registry = fr;
          const s = await FileInviteStore.open(join(dataDir as string, 'invites.jsonl'));
          if (!s.ok) {
            await fr.close();
            return fail(s.error);
          }
          store = s.value;
          closers.push(() => store.close());
        }
        const token = adminToken(o);
        const selfReg =
          typeof o.selfRegistration === 'string'
            ? { scopes: collect(o.selfRegistration) }
            : o.selfRegistration;
        const server = await createXlinkServer({
          registry,
          ...(o.redisUrl ? { redisUrl: o.redisUrl } : { dataDir: dataDir as string }),
          ...(token ? { adminToken: token } : {}),
          selfRegistration: selfReg,
          ...(o.quiet || json ? { logger: false } : {}),
        });
        if (!server.ok) {
          for (const c of closers) await c();
          return fail(server.error);
        }
        const s = server.value;
        await s.app.register(inviteRoutes, {
          registry,
          store,
          verifyRequest: createRequestVerifier(new MemoryNonceStore()),
        });
        const l = await s.listen({ port: o.port, host: o.host });
        if (!l.ok) {
          await s.close();
          for (const c of closers) await c();
          return fail(l.error);
        }
        const { url, port } = l.value;
        print(
          `xlink serve listening on ${url} (storage ${o.redisUrl ? 'redis' : `file ${dataDir}`})`,
          { url, port, storage: o.redisUrl ? 'redis' : 'file' },
        );
        serving = new Promise<void>((resolve) => {
          const stop = async () => {
            process.off('SIGTERM', stop);
            process.off('SIGINT', stop);
            await s.close();
            for (const c of closers) await c().catch(() => {});
            resolve();
          };
          process.on('SIGTERM', stop);
          process.on('SIGINT', stop);
        });
      },
    );

  try {
    await program.parseAsync([...argv], { from: 'user' });
    if (serving) await serving;
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (
        e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.version' ||
        e.exitCode === 0
      )
        return EXIT_OK;
      return EXIT_USAGE;
    }
    if (e instanceof CliFailure) {
      const d = e.detail;
      if (json) io.out(JSON.stringify({ error: d }));
      else
        io.err(
          `xlink: ${d.code}${d.subCode ? `:${d.subCode}` : ''}: ${d.message}${d.hint ? `\n  hint: ${d.hint}` : ''}`,
        );
      return d.code === 'USAGE' ? EXIT_USAGE : EXIT_FAILED;
    }
    throw e;
  }
}
