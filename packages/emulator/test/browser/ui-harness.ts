/**
 * What the UI's browser tests and the screenshot script share: a fresh build of the UI bundle
 * (so a test never runs against a stale `dist/ui`) and Debian's headless Chromium.
 */
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { build } from 'vite';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Why the browser tests cannot run here, or `undefined` when Chromium is installed. The tests
 * then skip with this reason, which the closing summary prints; with
 * WORKFLOWS_KIT_REQUIRE_BROWSER=1 (CI) a missing browser fails the test file instead.
 */
export const CHROMIUM_MISSING: string | undefined = existsSync(CHROMIUM)
  ? undefined
  : `no headless Chromium at ${CHROMIUM}: the browser tests did not run (apt-get install chromium, or set CHROMIUM_PATH)`;

/** Throws when the browser is missing but WORKFLOWS_KIT_REQUIRE_BROWSER=1 says it must be there. */
export function requireBrowserWhenAsked(): void {
  if (CHROMIUM_MISSING !== undefined && process.env.WORKFLOWS_KIT_REQUIRE_BROWSER === '1') {
    throw new Error(`WORKFLOWS_KIT_REQUIRE_BROWSER=1, but: ${CHROMIUM_MISSING}`);
  }
}

const UI_CONFIG = fileURLToPath(new URL('../../ui/vite.config.ts', import.meta.url));

/** Builds the UI from its sources into a new temporary directory and returns the directory. */
export async function buildUiBundle(): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), 'wf-ui-'));
  await build({ configFile: UI_CONFIG, logLevel: 'error', build: { outDir, emptyOutDir: true } });
  return outDir;
}

/** Headless Chromium kept on loopback: its background services would otherwise try to reach Google. */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Playwright gives the browser a fresh, empty profile (user-data-dir) of its own.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}
