#!/usr/bin/env node
/**
 * `xlink` executable: runs `runCli` with the process arguments and exits with its code.
 *
 * @module
 */
import { runCli } from './program.js';

runCli(process.argv.slice(2), {
  out: (s) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`),
  err: (s) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`xlink: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
