/**
 * The `xpass` command line, as a function of its arguments and output streams (testable
 * without spawning a process).
 *
 *   xpass audit verify <file> --public-key <hex|did:key> [--head <head.json>] [--require-signed-tail]
 *
 * Exit codes: 0 verified, 1 verification failed, 2 usage error.
 *
 * @module
 */
import type { SignedHead } from '../audit-chain.js';
import { parsePublicKey, readSignedHead, verifyAuditFile } from './audit-file.js';

/** Where the CLI writes. */
export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

const USAGE = `usage:
  xpass audit verify <file> --public-key <hex|did:key> [--head <head.json>] [--require-signed-tail]
      verify a billing-server audit log (JSONL): hash chain, sequence, signed heads;
      --head: a signed head obtained independently (GET /audit/head), must be in the log`;

function option(args: string[], name: string): string | undefined | null {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) return null;
  args.splice(i, 2);
  return v;
}

/**
 * Runs the CLI.
 * @param argv arguments after the program name
 * @param io output functions
 * @returns the exit code (0 ok, 1 failed, 2 usage)
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const args = [...argv];
  if (args[0] === 'audit' && args[1] === 'verify') {
    args.splice(0, 2);
    const keyText = option(args, '--public-key');
    const headPath = option(args, '--head');
    const requireSignedTail = args.includes('--require-signed-tail');
    const rest = args.filter((a) => a !== '--require-signed-tail');
    if (rest.length !== 1 || !keyText || headPath === null || rest[0]!.startsWith('--')) {
      io.err(USAGE);
      return 2;
    }
    const key = parsePublicKey(keyText);
    if (!key.ok) {
      io.err(`xpass: ${key.error.message}`);
      return 2;
    }
    let expectedHead: SignedHead | undefined;
    if (headPath !== undefined) {
      const h = await readSignedHead(headPath);
      if (!h.ok) {
        io.err(`xpass: ${h.error.code}:${h.error.subCode}: ${h.error.message}`);
        return 1;
      }
      expectedHead = h.value;
    }
    const v = await verifyAuditFile(rest[0]!, {
      publicKey: key.value,
      ...(expectedHead ? { expectedHead } : {}),
      requireSignedTail,
    });
    if (!v.ok) {
      io.err(`FAILED ${v.error.code}:${v.error.subCode ?? ''} ${v.error.message}`);
      return 1;
    }
    const r = v.value;
    io.out(
      `OK ${r.entries.length} entries, ${r.heads.length} signed heads, signed through seq ${r.signedThrough}` +
        (r.unsignedTail > 0
          ? `; WARNING: ${r.unsignedTail} entries after the last signed head are not covered by a signature`
          : ''),
    );
    return 0;
  }
  io.err(USAGE);
  return args.length === 0 || args[0] === '--help' || args[0] === 'help' ? 0 : 2;
}
