/**
 * `xlink invite` (create a one-time invite code) and `xlink connect` (accept an invite, or find
 * a peer by service name, domain or URL).
 *
 * @module
 */
import { InvalidArgumentError } from 'commander';
import { acceptInvite, connect } from '../../connect.js';
import { createInvite } from '../../invite.js';
import { EXIT_USAGE } from '../cli-kit/errors.js';
import { parseList } from '../cli-kit/options.js';
import { loadKeystore, loadOrCreateKeystore } from './keystore.js';
import {
  type ConnectionOptions,
  keystoreOption,
  registryOption,
  relayOption,
  type XlinkContext,
} from './shared-options.js';

/**
 * Parses a duration such as `30m`, `24h`, `7d` (a bare number is seconds).
 * @param v the text
 * @returns milliseconds
 * @throws InvalidArgumentError when it does not parse
 */
export function parseDuration(v: string): number {
  const m = /^(\d+)\s*(ms|s|m|h|d)?$/.exec(v.trim());
  if (!m) throw new InvalidArgumentError('expected a duration, e.g. 30m, 24h, 7d');
  const mult: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  return Number(m[1]) * (mult[m[2] ?? 's'] ?? 1000);
}

/**
 * Adds `invite` and `connect` to the program.
 * @param x the shared context (program, option resolvers)
 */
export function addInviteCommands(x: XlinkContext): void {
  const { cli } = x;

  cli.program
    .command('invite')
    .description('create a one-time invite code for a new service (QR-ready URL included)')
    .argument('<service>', 'name of the invited service')
    .option('--scope <scope>', 'scope granted to the invitee (repeatable / comma list)', parseList)
    .option('--expires <duration>', 'lifetime, e.g. 30m, 24h, 7d (default 24h)', parseDuration)
    .addOption(keystoreOption())
    .addOption(registryOption())
    .addOption(relayOption())
    .action((service: string, o: ConnectionOptions & { scope?: string[]; expires?: number }) => {
      const ks = cli.unwrap(loadKeystore(x.keystorePath(o)));
      const r = cli.unwrap(
        createInvite({
          identity: ks.identity,
          service,
          registry: x.registryUrl(o),
          relay: x.relayUrl(o),
          scopes: o.scope?.length ? o.scope : ['*'],
          expiresIn: o.expires ?? 86_400_000,
        }),
      );
      cli.print(`${r.code}\n${r.url}\nexpires ${new Date(r.payload.exp).toISOString()}`, {
        code: r.code,
        url: r.url,
        inviter: r.payload.inviter,
        scopes: r.payload.scopes,
        expires: new Date(r.payload.exp).toISOString(),
      });
    });

  cli.program
    .command('connect')
    .description('accept an invite (--invite), or find a peer by service name, domain or URL')
    .argument('[target]', 'service name, domain or URL')
    .option('--invite <code>', 'invite code XLK-... (or its xlink://invite URL)')
    .option('--name <name>', 'service name for a new identity (default xlink-service)')
    .option('--allow-insecure-http', 'allow http:// discovery to loopback (tests)')
    .option(
      '--scope <scope>',
      'scopes to register a new identity with (repeatable / comma list; default *)',
      parseList,
    )
    .addOption(keystoreOption())
    .addOption(registryOption())
    .action(
      async (
        target: string | undefined,
        o: ConnectionOptions & {
          invite?: string;
          name?: string;
          allowInsecureHttp?: boolean;
          scope?: string[];
        },
      ) => {
        // Usage is checked before the keystore may be created.
        if (!o.invite && !target)
          cli.fail(
            {
              code: 'USAGE',
              message: 'connect needs a target or --invite',
              hint: 'xlink connect payments | xlink connect --invite XLK-...',
            },
            EXIT_USAGE,
          );
        const ks = cli.unwrap(loadOrCreateKeystore(x.keystorePath(o), o.name ?? 'xlink-service'));
        if (o.invite) {
          const r = cli.unwrap(
            await acceptInvite(o.invite, { identity: ks.identity, name: o.name ?? ks.file.name }),
          );
          return cli.print(
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
        const r = cli.unwrap(
          await connect(target as string, {
            identity: ks.identity,
            ...(o.registry ? { registry: o.registry } : {}),
            ...(o.allowInsecureHttp ? { allowInsecureHttp: true } : {}),
            ...(o.scope?.length ? { scopes: o.scope } : {}),
            name: o.name ?? ks.file.name,
          }),
        );
        cli.print(`${target} is ${r.did} (endpoint ${r.endpoint})`, {
          did: r.did,
          endpoint: r.endpoint,
          self: r.agent.did,
        });
      },
    );
}
