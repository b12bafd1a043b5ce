/**
 * Default per-user data directory of a server, never the working directory:
 * - Linux and other Unix: `$XDG_DATA_HOME/xorida/<server>`, else `~/.local/share/xorida/<server>`
 *   (XDG Base Directory Specification, https://specifications.freedesktop.org/basedir-spec/latest/)
 * - macOS: `~/Library/Application Support/xorida/<server>`
 * - Windows: `%LOCALAPPDATA%\xorida\<server>`, else `~\AppData\Local\xorida\<server>`
 * Created with mode 0700 (owner only): servers keep signing seeds and tokens there.
 *
 * @module
 */
import { chmod, mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, win32 } from 'node:path';
import { err, ok, type Result } from 'xorida';

/** Inputs of {@link defaultDataDir} (all default to the running process). */
export interface DataDirContext {
  readonly env?: Record<string, string | undefined>;
  readonly platform?: NodeJS.Platform;
  readonly home?: string;
}

/**
 * The default data directory of `server`.
 * @param server server name (`xlink`, `xpass`, ...), one path segment
 * @param ctx environment, platform and home directory (tests)
 * @returns an absolute path
 */
export function defaultDataDir(server: string, ctx: DataDirContext = {}): string {
  const env = ctx.env ?? process.env;
  const platform = ctx.platform ?? process.platform;
  const home = ctx.home ?? homedir();
  if (platform === 'win32') {
    const base = env.LOCALAPPDATA || win32.join(home, 'AppData', 'Local');
    return win32.join(base, 'xorida', server);
  }
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'xorida', server);
  const xdg = env.XDG_DATA_HOME;
  // The spec says relative XDG paths are invalid and must be ignored.
  const base = xdg && isAbsolute(xdg) ? xdg : join(home, '.local', 'share');
  return join(base, 'xorida', server);
}

/**
 * Creates `dir` (and parents) with mode 0700; an existing directory is tightened to 0700 only
 * when this call created it (an operator's own directory keeps its mode).
 * @param dir path
 * @returns `ok(dir)` or `STORAGE_FAILED`
 */
export async function ensureDataDir(
  dir: string,
): Promise<Result<string, { code: 'STORAGE_FAILED'; message: string; hint: string }>> {
  try {
    const created = await mkdir(dir, { recursive: true, mode: 0o700 });
    if (created !== undefined && process.platform !== 'win32') await chmod(dir, 0o700);
    return ok(dir);
  } catch (e) {
    return err({
      code: 'STORAGE_FAILED',
      message: `cannot create ${dir}: ${(e as Error).message}`,
      hint: 'Pick a writable data directory',
    });
  }
}
