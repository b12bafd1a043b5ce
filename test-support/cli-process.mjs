/**
 * Real-process test helpers for the package CLIs (`xlink`, `xpass`, `xghost`, `modelguard`):
 * each run spawns the built executable (`dist/node/cli.js`, as `npx <cli>` runs it) with
 * `process.execPath`, in a sandbox of empty directories (working directory, HOME, XDG config
 * and data homes), so a test can assert that a failed run wrote nothing anywhere.
 *
 * Plain JavaScript with a declaration file (cli-process.d.mts) so every package's tests can
 * import it without widening their TypeScript `rootDir`.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/**
 * The built executable of a package.
 * @param packageDir the package directory (e.g. `join(import.meta.dirname, '..')`)
 * @returns the absolute path of `dist/node/cli.js`
 * @throws Error naming `pnpm build` when the package was not built
 */
export function builtCli(packageDir) {
  const bin = join(packageDir, 'dist', 'node', 'cli.js');
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`pnpm build\` first`);
  return bin;
}

/**
 * The built CLI of a package, its version, and sandboxes removed after the test file.
 * @param packageDir the package directory
 * @param prefix sandbox directory name prefix
 * @returns `{ bin, version, sandbox() }` (`sandbox()`: a fresh {@link cliSandbox})
 */
export function packageCli(packageDir, prefix = 'cli-') {
  const bin = builtCli(packageDir);
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  const boxes = [];
  afterAll(() => {
    for (const b of boxes.splice(0)) b.remove();
  });
  return {
    bin,
    version,
    sandbox: () => {
      const b = cliSandbox(prefix);
      boxes.push(b);
      return b;
    },
  };
}

/**
 * A loopback TCP port nobody listens on right now (bound to 0, read, released).
 * @returns the port number
 */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Creates empty directories for one CLI run: `cwd`, `home`, `config`, `data` under a fresh
 * temporary root.
 * @param prefix temporary directory name prefix
 * @returns the paths, the environment pointing HOME / XDG_CONFIG_HOME / XDG_DATA_HOME at them,
 *   `written()` (every path created under the four directories, relative) and `remove()`
 */
export function cliSandbox(prefix = 'cli-') {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const dirs = {};
  for (const d of ['cwd', 'home', 'config', 'data']) {
    dirs[d] = join(root, d);
    mkdirSync(dirs[d]);
  }
  return {
    root,
    ...dirs,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dirs.home,
      XDG_CONFIG_HOME: dirs.config,
      XDG_DATA_HOME: dirs.data,
    },
    written: () =>
      Object.entries(dirs).flatMap(([name, dir]) =>
        readdirSync(dir, { recursive: true }).map((p) => `${name}/${String(p)}`),
      ),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/**
 * Starts a CLI process (stdin closed, stdout / stderr collected).
 * @param bin the executable script (see {@link builtCli})
 * @param args arguments after the program name
 * @param opts `sandbox` (cwd and env from {@link cliSandbox}), `env` (added over it), `cwd`,
 *   `nodeArgs` (Node options before the script, e.g. tsx's loader to run sources)
 * @returns the child, its output so far, `waitFor(re, ms)` (resolves with the first stdout
 *   match, rejects when the process exits or after `ms`, default 20000) and `exited` (resolves
 *   with `{ code, signal, out, err }`)
 */
export function startCli(bin, args, opts = {}) {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), bin, ...args], {
    cwd: opts.cwd ?? opts.sandbox?.cwd ?? tmpdir(),
    env: { ...(opts.sandbox?.env ?? { PATH: process.env.PATH ?? '' }), ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run = { child, out: '', err: '' };
  child.stdout.on('data', (d) => {
    run.out += String(d);
  });
  child.stderr.on('data', (d) => {
    run.err += String(d);
  });
  run.exited = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, out: run.out, err: run.err }));
  });
  run.waitFor = (re, ms = 20_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => finish(new Error(`timeout waiting for ${re}; stderr: ${run.err}`)),
        ms,
      );
      const check = () => {
        const m = run.out.match(re);
        if (m) finish(undefined, m);
      };
      const onExit = () =>
        finish(new Error(`exited before ${re}; stdout: ${run.out}; stderr: ${run.err}`));
      function finish(e, m) {
        clearTimeout(timer);
        child.stdout.off('data', check);
        child.off('close', onExit);
        if (e) reject(e);
        else resolve(m);
      }
      child.stdout.on('data', check);
      child.on('close', onExit);
      check();
    });
  return run;
}

/**
 * Runs a CLI process to completion.
 * @param bin the executable script
 * @param args arguments after the program name
 * @param opts as {@link startCli}, plus `timeoutMs` (default 30000; the process is killed then)
 * @returns `{ code, signal, out, err, written }` (`written`: the sandbox's files, or `[]`)
 */
export async function runCli(bin, args, opts = {}) {
  const run = startCli(bin, args, opts);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
  try {
    const r = await run.exited;
    return { ...r, written: opts.sandbox ? opts.sandbox.written() : [] };
  } finally {
    clearTimeout(timer);
  }
}
