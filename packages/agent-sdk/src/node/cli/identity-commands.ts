/**
 * `xlink` identity and registry commands: `init`, `whoami`, `create`, `register`, `revoke`,
 * `lookup`. The private key is never printed.
 *
 * @module
 */
import { HttpTrustRegistry } from '../../http-trust-registry.js';
import { registryEntryToJson } from '../../registry-entry-json.js';
import { EXIT_USAGE } from '../cli-kit/errors.js';
import { parseList } from '../cli-kit/options.js';
import { createKeystore, loadKeystore } from './keystore.js';
import {
  adminTokenOption,
  type ConnectionOptions,
  keystoreOption,
  registryOption,
  type XlinkContext,
} from './shared-options.js';

interface RegisterOptions extends ConnectionOptions {
  name?: string;
  scope?: string[];
  did?: string;
}

/**
 * Adds the identity and registry commands to the program.
 * @param x the shared context (program, option resolvers)
 */
export function addIdentityCommands(x: XlinkContext): void {
  const { cli } = x;
  const { program } = cli;

  program
    .command('init')
    .description('create a local identity in the keystore and print its DID')
    .requiredOption('--name <name>', 'service name')
    .addOption(keystoreOption())
    .option('--force', 'replace an existing keystore (its identity is lost)')
    .action((o: { name: string; keystore?: string; force?: boolean }) => {
      const path = x.keystorePath(o);
      const r = cli.unwrap(createKeystore(path, o.name, Boolean(o.force)));
      cli.print(`${r.file.did}\n(keystore: ${path})`, {
        did: r.file.did,
        name: o.name,
        keystore: path,
      });
    });

  program
    .command('whoami')
    .description('print the DID of the local identity')
    .addOption(keystoreOption())
    .action((o: { keystore?: string }) => {
      const r = cli.unwrap(loadKeystore(x.keystorePath(o)));
      cli.print(r.file.did, { did: r.file.did, name: r.file.name, keystore: x.keystorePath(o) });
    });

  const register = async (o: RegisterOptions, create: boolean) => {
    // The registry URL is checked before the keystore is created (nothing written on bad usage).
    x.registryUrl(o);
    const path = x.keystorePath(o);
    const ks = create
      ? cli.unwrap(createKeystore(path, o.name ?? 'xlink-service'))
      : cli.unwrap(loadKeystore(path));
    if (o.did && o.did !== ks.identity.did)
      cli.fail(
        {
          code: 'USAGE',
          message:
            '--did must be the keystore identity (registering a foreign DID needs its key document)',
          hint: 'Use the keystore of that service (--keystore)',
        },
        EXIT_USAGE,
      );
    const scopes = o.scope?.length ? o.scope : ['*'];
    const agent = x.agentFrom(ks.identity, o, o.name ?? ks.file.name, scopes);
    cli.unwrap(await agent.register());
    cli.print(`registered ${agent.did} (${scopes.join(', ')})`, {
      did: agent.did,
      scopes,
      registered: true,
    });
  };

  program
    .command('create')
    .description('init + register: create an identity and register it')
    .requiredOption('--name <name>', 'service name')
    .option('--scope <scope>', 'scope this service may send (repeatable / comma list)', parseList)
    .addOption(keystoreOption())
    .addOption(registryOption())
    .addOption(adminTokenOption())
    .action((o: RegisterOptions) => register(o, true));

  program
    .command('register')
    .description('register the keystore identity (admin token, else DID-signed self-registration)')
    .option('--did <did>', 'must equal the keystore DID')
    .option('--name <name>', 'display name (default: the keystore name)')
    .option('--scope <scope>', 'scope this service may send (repeatable / comma list)', parseList)
    .addOption(keystoreOption())
    .addOption(registryOption())
    .addOption(adminTokenOption())
    .action((o: RegisterOptions) => register(o, false));

  program
    .command('revoke')
    .description('revoke a DID (admin token required)')
    .requiredOption('--did <did>', 'DID to revoke')
    .option('--reason <text>', 'reason recorded in the registry')
    .addOption(registryOption())
    .addOption(adminTokenOption())
    .action(async (o: ConnectionOptions & { did: string; reason?: string }) => {
      const token =
        o.adminToken ??
        cli.fail(
          {
            code: 'USAGE',
            message: 'revoke needs an admin token',
            hint: 'Pass --admin-token or set XLINK_ADMIN_TOKEN',
          },
          EXIT_USAGE,
        );
      const reg = new HttpTrustRegistry({ baseUrl: x.registryUrl(o), authToken: token });
      const e = cli.unwrap(await reg.revoke(o.did, o.reason));
      cli.print(`revoked ${e.did}`, registryEntryToJson(e));
    });

  program
    .command('lookup')
    .description('resolve a DID in the registry (key document verified)')
    .requiredOption('--did <did>', 'DID to resolve')
    .addOption(registryOption())
    .action(async (o: ConnectionOptions & { did: string }) => {
      const reg = new HttpTrustRegistry({ baseUrl: x.registryUrl(o) });
      const e = cli.unwrap(await reg.resolve(o.did));
      cli.print(
        `${e.did} ${e.status} name=${e.name ?? ''} scopes=${e.scopes.join(',')}`,
        registryEntryToJson(e),
      );
    });
}
