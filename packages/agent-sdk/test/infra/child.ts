/** Spawns a TypeScript fixture in its own Node process (sources through tsx, like vitest). */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export function spawnFixture(
  name: string,
  args: string[] = [],
  env: Record<string, string> = {},
): ChildProcessWithoutNullStreams {
  return spawn(
    process.execPath,
    ['--conditions=@xorida/source', '--import', 'tsx', join(here, 'fixtures', name), ...args],
    { cwd: join(here, '..', '..'), env: { ...process.env, ...env }, stdio: 'pipe' },
  );
}

/** Resolves with the first stdout line matching `re` (rejects on exit or timeout). */
export function waitForLine(
  child: ChildProcessWithoutNullStreams,
  re: RegExp,
  timeoutMs = 20_000,
): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buf = '';
    let errText = '';
    const t = setTimeout(
      () => reject(new Error(`timeout waiting for ${re}; stderr: ${errText}`)),
      timeoutMs,
    );
    child.stderr.on('data', (d) => {
      errText += String(d);
    });
    const onData = (d: Buffer) => {
      buf += String(d);
      for (const line of buf.split('\n')) {
        const m = line.match(re);
        if (m) {
          clearTimeout(t);
          child.stdout.off('data', onData);
          resolve(m);
          return;
        }
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`child exited (${code}) before ${re}; stderr: ${errText}`));
    });
  });
}
