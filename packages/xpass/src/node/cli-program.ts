/**
 * The `xpass` command line, as a function of its arguments and output streams (testable
 * without spawning a process).
 *
 *   xpass serve                       (configuration from XPASS_* environment variables)
 *   xpass audit verify <file> --public-key <hex|did:key> [--head <head.json>] [--require-signed-tail]
 *
 * Exit codes: 0 verified, 1 verification failed, 2 usage error.
 *
 * @module
 */

import { join } from 'node:path';
import { waitForSignal } from '@xorida/agent-sdk/node';
import { bytesToHex } from 'xorida';
import type { SignedHead } from '../audit-chain.js';
import { parsePublicKey, readSignedHead, verifyAuditFile } from './audit-file.js';
import { startBillingServer } from './billing-server.js';
import { serverConfigFromEnv } from './server-config.js';

/** Where the CLI writes, and what it reads. */
export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Environment for `serve` (usually `process.env`). */
  readonly env?: Record<string, string | undefined>;
  /** Resolves when `serve` should stop (default: SIGINT or SIGTERM). */
  readonly waitForStop?: () => Promise<void>;
}

const USAGE = `usage:
  xpass serve
      start the billing server; configured by XPASS_PORT (3600), XPASS_HOST (127.0.0.1),
      XPASS_EPOCH_HOURS (24), XPASS_GRACE_HOURS (72), XPASS_OVERLAP_MINUTES (15),
      XPASS_RATE_LIMIT (100 per DID per minute),
      XPASS_DATA_DIR ($XDG_DATA_HOME/xorida/xpass, else ~/.local/share/xorida/xpass;
      ~/Library/Application Support/xorida/xpass on macOS, %LOCALAPPDATA%\\xorida\\xpass on Windows),
      XPASS_ADMIN_TOKEN (else generated into <data dir>/admin-token),
      XPASS_ENABLE_DEBUG_ENDPOINTS (0), XPASS_AUDIT_HEAD_EVERY (16), XPASS_REDIS_URL (unset)
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
  if (args[0] === 'serve') {
    const cfg = serverConfigFromEnv(io.env ?? {});
    if (!cfg.ok) {
      io.err(`xpass: ${cfg.error.message}`);
      return 2;
    }
    const s = await startBillingServer({
      ...cfg.value,
      ...(cfg.value.adminToken === undefined ? {} : { adminToken: cfg.value.adminToken }),
    });
    if (!s.ok) {
      io.err(
        `xpass: cannot start: ${s.error.code}${s.error.subCode ? `:${s.error.subCode}` : ''}: ${s.error.message}`,
      );
      return 1;
    }
    const server = s.value;
    io.out(`xpass billing server listening on ${server.url}`);
    io.out(`public key ${bytesToHex(server.service.publicKey)} (pin it in agents)`);
    io.out(
      cfg.value.adminToken === undefined
        ? `admin token: see ${join(cfg.value.dataDir, 'admin-token')}`
        : 'admin token: from XPASS_ADMIN_TOKEN',
    );
    if (cfg.value.debugEndpoints)
      io.err(
        'WARNING: debug endpoints are ON: they receive both shares of a connection (README threat model)',
      );
    await (io.waitForStop ?? waitForSignal)();
    await server.close();
    io.out('xpass billing server stopped');
    return 0;
  }
  io.err(USAGE);
  return args.length === 0 || args[0] === '--help' || args[0] === 'help' ? 0 : 2;
}
