// Headless Chromium for the repository's browser checks (the runtime matrix and the docs-site
// check): Debian's chromium (/usr/bin/chromium, or CHROMIUM_PATH) driven by playwright-core, so
// no browser download is needed. Each launch gets a fresh temporary profile: playwright-core
// creates (and removes) its own --user-data-dir for every non-persistent launch.
import { existsSync } from 'node:fs';

/** The Chromium executable: CHROMIUM_PATH, else Debian's package path. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for a quiet, offline, sandbox-less headless run (CI containers run as root). */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

/** True when the Chromium executable exists. */
export function hasChromium() {
  return existsSync(CHROMIUM);
}

/**
 * Launches headless Chromium.
 * @returns {Promise<import('playwright-core').Browser>} close it with `browser.close()`
 * @throws Error naming the path when Chromium is not installed (install Debian's `chromium`)
 */
export async function launchChromium() {
  if (!hasChromium()) {
    throw new Error(`no chromium at ${CHROMIUM}: install Debian's chromium package`);
  }
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
}
