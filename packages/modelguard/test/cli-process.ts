// Runs the modelguard CLI from source as a separate process (tsx), for real-process tests.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const bin = join(import.meta.dirname, '..', 'src', 'node', 'cli.ts');

/**
 * Spawns `modelguard <args>` and collects its output.
 * @param args the arguments after the program name
 * @returns the exit code and the full stdout / stderr text
 */
export function cli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const c = spawn(
      process.execPath,
      ['--conditions=@xorida/source', '--import', 'tsx', bin, ...args],
      { cwd: join(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => {
      out += d;
    });
    c.stderr.on('data', (d) => {
      err += d;
    });
    c.on('error', reject);
    c.on('close', (code) => resolve({ code, out, err }));
  });
}
