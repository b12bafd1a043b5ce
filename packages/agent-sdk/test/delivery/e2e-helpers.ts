// Real-process helpers for the delivery end-to-end tests: every `xlink` command and `xlink serve`
// runs in its own Node process. The CLI runs from source through tsx, or the built
// `dist/node/cli.js` when XLINK_E2E_BUILT=1 (run `pnpm build` first).
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const pkg = join(here, '..', '..');

function argvFor(args: string[]): string[] {
  return process.env.XLINK_E2E_BUILT === '1'
    ? [join(pkg, 'dist', 'node', 'cli.js'), ...args]
    : [
        '--conditions=@xorida/source',
        '--import',
        'tsx',
        join(pkg, 'src', 'node', 'cli', 'bin.ts'),
        ...args,
      ];
}

/** Environment of every child: the caller's, minus Redis unless asked for. */
export function childEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.REDIS_URL;
  delete env.XLINK_REDIS_URL;
  for (const [k, v] of Object.entries(extra))
    if (v === undefined) delete env[k];
    else env[k] = v;
  return env;
}

export function spawnXlink(
  args: string[],
  env: Record<string, string | undefined>,
): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, argvFor(args), { cwd: pkg, env: childEnv(env), stdio: 'pipe' });
}

export interface Run {
  code: number | null;
  out: string;
  err: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
  json: any;
}

/** Runs one `xlink` command to completion in its own process. */
export function xlink(args: string[], env: Record<string, string | undefined>): Promise<Run> {
  const c = spawnXlink(args, env);
  const out: Buffer[] = [];
  let err = '';
  c.stdout.on('data', (d: Buffer) => out.push(d));
  c.stderr.on('data', (d) => (err += String(d)));
  return new Promise((resolve) =>
    c.on('close', (code) => {
      const text = Buffer.concat(out).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(text.trim().split('\n').pop() ?? '');
      } catch {}
      resolve({ code, out: text, err, json });
    }),
  );
}

export interface Served {
  url: string;
  relayDid: string;
  stop(): Promise<void>;
}

/** Starts `xlink serve` and waits for its JSON ready line. */
export async function serve(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<Served> {
  const p = spawnXlink(['serve', '--port', '0', '--json', '--quiet', ...args], env);
  const ready = await new Promise<{ url: string; relayDid: string }>((resolve, reject) => {
    let buf = '';
    let errText = '';
    const t = setTimeout(() => reject(new Error(`serve did not start: ${errText}`)), 30_000);
    p.stderr.on('data', (d) => (errText += String(d)));
    p.stdout.on('data', (d) => {
      buf += String(d);
      const line = buf.split('\n').find((l) => l.includes('"url"'));
      if (line) {
        clearTimeout(t);
        resolve(JSON.parse(line));
      }
    });
    p.on('exit', (c) => reject(new Error(`serve exited ${c}: ${errText}`)));
  });
  return {
    ...ready,
    stop: async () => {
      if (p.exitCode !== null) return;
      const done = new Promise((r) => p.on('exit', r));
      p.kill('SIGTERM');
      await done;
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
