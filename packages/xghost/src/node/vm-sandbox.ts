/**
 * Ghost step 4: evaluate the module in a `node:vm` context that holds only the globals the
 * manifest declares, and keep only the declared exports. `node:vm` is not a security boundary
 * against the module itself (see runtime.ts).
 *
 * @module
 */
import vm from 'node:vm';
import { ok, type Result } from 'xorida';
import { type GhostManifest, type XghostError, xghostErr } from '../index.js';
import type { Fn } from './ghost-types.js';

/** @internal Evaluates a module in a fresh context; returns only the declared exports. */
export function evaluateModule(
  manifest: GhostManifest,
  source: Uint8Array,
  timeoutMs = 2000,
): Result<Map<string, Fn>, XghostError> {
  const sandbox: Record<string, unknown> = Object.create(null);
  for (const g of manifest.globals) sandbox[g] = (globalThis as Record<string, unknown>)[g];
  const context = vm.createContext(sandbox, {
    name: `xghost:${manifest.bundleId}`,
    codeGeneration: { strings: false, wasm: false },
  });
  // V8 puts a (silent) `console` into every context: remove it unless declared.
  const prelude = manifest.globals.includes('console') ? '' : 'delete globalThis.console;';
  // The module object is created INSIDE the context, so no host object leaks in through it.
  const code = `${prelude}(function () { 'use strict'; const module = { exports: {} }; const exports = module.exports;\n${new TextDecoder().decode(source)}\n;return module.exports; })()`;
  let exportsObj: Record<string, unknown>;
  try {
    exportsObj = vm.runInContext(code, context, {
      timeout: timeoutMs,
      filename: `xghost-${manifest.bundleId}.js`,
    }) as Record<string, unknown>;
  } catch (e) {
    return xghostErr(
      'EVALUATION_FAILED',
      `module evaluation threw: ${(e as Error)?.name ?? 'error'}`,
      'The bundle does not run in the sandbox (does it need a global it did not declare?)',
    );
  }
  const out = new Map<string, Fn>();
  for (const name of manifest.exports) {
    const f = exportsObj?.[name];
    if (typeof f !== 'function')
      return xghostErr(
        'EXPORT_NOT_FOUND',
        `declared export ${name} is not a function of the module`,
        'Rebuild with the right --exports',
        { field: name },
      );
    out.set(name, f as Fn);
  }
  return ok(out);
}
