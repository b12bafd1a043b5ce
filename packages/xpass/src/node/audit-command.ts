/**
 * `xpass audit verify <file> --public-key <hex|did:key> [--head <head.json>]
 * [--require-signed-tail]`: checks a billing-server audit log (JSONL or the server's framed
 * file): hash chain, sequence numbers and signed heads. Exit 0 verified (with a warning when
 * entries after the last signed head are unsigned), 1 verification failed, 2 usage.
 *
 * @module
 */
import { type CliProgram, InvalidArgumentError } from '@xorida/agent-sdk/node';
import type { SignedHead } from '../audit-chain.js';
import { parsePublicKey, readSignedHead, verifyAuditFile } from './audit-file.js';

/** Parses `--public-key` at parse time, so a bad key is a usage error (exit 2). */
function publicKeyArg(text: string): Uint8Array {
  const key = parsePublicKey(text);
  if (!key.ok) throw new InvalidArgumentError(key.error.message);
  return key.value;
}

/**
 * Adds `audit verify` to the program.
 * @param cli the xpass program
 */
export function addAuditCommand(cli: CliProgram): void {
  cli.program
    .command('audit')
    .description('audit log tools')
    .command('verify <file>')
    .description('verify a billing-server audit log: hash chain, sequence, signed heads')
    .requiredOption('--public-key <hex|did:key>', 'the server public key', publicKeyArg)
    .option('--head <head.json>', 'a signed head obtained independently (GET /audit/head)')
    .option('--require-signed-tail', 'fail when entries after the last signed head are unsigned')
    .action(
      async (
        file: string,
        o: { publicKey: Uint8Array; head?: string; requireSignedTail?: boolean },
      ) => {
        let expectedHead: SignedHead | undefined;
        if (o.head !== undefined) expectedHead = cli.unwrap(await readSignedHead(o.head));
        const r = cli.unwrap(
          await verifyAuditFile(file, {
            publicKey: o.publicKey,
            ...(expectedHead ? { expectedHead } : {}),
            requireSignedTail: Boolean(o.requireSignedTail),
          }),
        );
        cli.print(
          `OK ${r.entries.length} entries, ${r.heads.length} signed heads, signed through seq ${r.signedThrough}` +
            (r.unsignedTail > 0
              ? `; WARNING: ${r.unsignedTail} entries after the last signed head are not covered by a signature`
              : ''),
          {
            ok: true,
            entries: r.entries.length,
            heads: r.heads.length,
            signedThrough: r.signedThrough,
            unsignedTail: r.unsignedTail,
          },
        );
      },
    );
}
