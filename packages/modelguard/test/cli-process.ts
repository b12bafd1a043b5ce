// Runs the modelguard CLI from source as a separate process (tsx), for real-process tests that
// need no build; the spawning is the shared test-support/cli-process.mjs.
import { join } from 'node:path';
import { runCli } from '../../../test-support/cli-process.mjs';

const pkg = join(import.meta.dirname, '..');
const bin = join(pkg, 'src', 'node', 'cli.ts');

/**
 * Spawns `modelguard <args>` and collects its output.
 * @param args the arguments after the program name
 * @returns the exit code and the full stdout / stderr text
 */
export async function cli(
  args: string[],
): Promise<{ code: number | null; out: string; err: string }> {
  const r = await runCli(bin, args, {
    cwd: pkg,
    env: process.env as Record<string, string>,
    nodeArgs: ['--conditions=@xorida/source', '--import', 'tsx'],
    timeoutMs: 120_000,
  });
  return { code: r.code, out: r.out, err: r.err };
}
