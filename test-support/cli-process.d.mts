/** Types of cli-process.mjs (real-process CLI test helpers); see that file for the docs. */
import type { ChildProcess } from 'node:child_process';

export interface CliSandbox {
  readonly root: string;
  readonly cwd: string;
  readonly home: string;
  readonly config: string;
  readonly data: string;
  /** PATH, HOME, XDG_CONFIG_HOME and XDG_DATA_HOME pointing into the sandbox. */
  readonly env: Record<string, string>;
  /** Every path created under cwd/home/config/data, e.g. `data/xorida/xpass/admin-token`. */
  written(): string[];
  remove(): void;
}

export interface CliRunOptions {
  readonly sandbox?: CliSandbox;
  readonly env?: Record<string, string>;
  readonly cwd?: string;
  readonly timeoutMs?: number;
  /** Node options before the script, e.g. `['--import', 'tsx']`. */
  readonly nodeArgs?: readonly string[];
}

export interface CliExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly out: string;
  readonly err: string;
}

export interface CliRun {
  readonly child: ChildProcess;
  readonly out: string;
  readonly err: string;
  readonly exited: Promise<CliExit>;
  waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
}

export function builtCli(packageDir: string): string;
export function packageCli(
  packageDir: string,
  prefix?: string,
): { readonly bin: string; readonly version: string; sandbox(): CliSandbox };
export function freePort(): Promise<number>;
export function cliSandbox(prefix?: string): CliSandbox;
export function startCli(bin: string, args: readonly string[], opts?: CliRunOptions): CliRun;
export function runCli(
  bin: string,
  args: readonly string[],
  opts?: CliRunOptions,
): Promise<CliExit & { readonly written: string[] }>;
