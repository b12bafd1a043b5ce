import type { Options } from 'tsup';

/** Build settings every package shares: ESM + CJS + .d.ts, ES2022, no minification. */
export function packageBuild(entry: Record<string, string>, extra: Partial<Options> = {}): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'es2022',
    treeshake: true,
    splitting: false,
    ...extra,
  };
}
