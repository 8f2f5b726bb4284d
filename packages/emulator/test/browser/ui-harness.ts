/**
 * What the UI's browser tests and the screenshot script share: a fresh build of the UI bundle
 * (so a test never runs against a stale `dist/ui`) and Debian's headless Chromium.
 */
import { existsSync, type FSWatcher } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { expect } from 'vitest';
import { startEmulator, type RunningEmulator, type StartEmulatorOptions } from '../../src/emulator.js';
import { watchWorkflowsDirectory } from '../../src/server/workflow-files.js';

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

/**
 * A script that evaluates to a function of CSS selectors giving, for the first element each one
 * finds, the WCAG contrast ratio of its text against what is behind it (computed colours,
 * translucent layers composited). For SVG text the colour is its fill and what is behind it the
 * fill of its group's shape, over the page behind the drawing.
 */
export const CONTRAST_SCRIPT = `
(() => {
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return undefined;
    const [r, g, b, a = '1'] = m[1].split(/[ ,/]+/).filter(Boolean);
    return [Number(r), Number(g), Number(b), Number(a)];
  };
  const over = (top, under) => {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + under[i] * (1 - a)).concat(1);
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) layers.push(c);
      if (c && c[3] === 1) break;
    }
    let bg = [255, 255, 255, 1];
    for (const l of layers.reverse()) bg = over(l, bg);
    return bg;
  };
  const svgBackground = (el) => {
    const base = background(el.ownerSVGElement.parentElement);
    const shape = el.closest('g')?.querySelector(':scope > rect');
    const fill = shape ? parse(getComputedStyle(shape).fill) : undefined;
    return fill ? over(fill, base) : base;
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  return (selectors) => selectors.flatMap((sel) => {
    const el = document.querySelector(sel);
    if (!el) return [{ sel, missing: true }];
    const svg = el instanceof SVGElement;
    const bg = svg ? svgBackground(el) : background(el);
    const fg = over(parse(svg ? getComputedStyle(el).fill : getComputedStyle(el).color), bg);
    return [{ sel, ratio: Math.round(ratio(fg, bg) * 100) / 100 }];
  });
})()
`;

export interface Contrast {
  sel: string;
  ratio?: number;
  /** Nothing on the page matches the selector. */
  missing?: boolean;
}

/** The contrast of the text each selector finds (see `CONTRAST_SCRIPT`). */
export function contrastOf(page: Page, selectors: readonly string[]): Promise<Contrast[]> {
  return page.evaluate<Contrast[]>(`${CONTRAST_SCRIPT}(${JSON.stringify(selectors)})`);
}

/** How many pixels the page is wider than the window (0 when it fits). */
export function pageOverflow(page: Page): Promise<number> {
  return page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
}

/** Presses Tab until `reached` (a script) is true, at most `max` times; whether it was reached. */
export async function tabUntil(page: Page, reached: string, max = 60): Promise<boolean> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate<boolean>(reached)) return true;
  }
  return false;
}

/**
 * Whether the focused element shows that it has focus: an outline, or (a node of the step
 * graph, whose shape is its focus ring) its shape's stroke in the focus colour.
 */
export function focusVisible(page: Page): Promise<boolean> {
  return page.evaluate<boolean>(`(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return false;
    const cs = getComputedStyle(el);
    if (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 1) return true;
    const probe = document.createElement('div');
    probe.style.color = 'var(--focus)';
    document.body.append(probe);
    const focus = getComputedStyle(probe).color;
    probe.remove();
    const shape = el instanceof SVGElement ? el.querySelector(':scope > rect') : null;
    if (!shape) return false;
    const s = getComputedStyle(shape);
    return s.stroke === focus && parseFloat(s.strokeWidth) >= 2;
  })()`);
}

/** A listening emulator serving a fresh build of the UI, a directory it watches, and Chromium. */
export interface UiRig {
  emulator: RunningEmulator;
  browser: Browser;
  /** The watched directory (workflows deploy to `location` from it). */
  dir: string;
  /** Resolves when the execution has written `text` with `sys.log` (at once if it has). */
  logged(executionId: string, text: string): Promise<void>;
  close(): Promise<void>;
}

export interface UiRigOptions extends StartEmulatorOptions {
  projectId: string;
  /** Where the watched directory's workflows deploy. */
  location: string;
  /** Files in the watched directory before it is watched (deployed as the watch starts). */
  files?: Record<string, string>;
  /** Sees the emulator before the watch starts (to listen to its deploys). */
  beforeWatch?: (emulator: RunningEmulator) => void;
}

/**
 * Builds the UI, starts the emulator on a loopback port serving it and watching a new directory
 * as `--workflows-dir` does, and launches Chromium.
 */
export async function startUiRig({
  location,
  files = {},
  beforeWatch,
  ...options
}: UiRigOptions): Promise<UiRig> {
  const uiDir = await buildUiBundle();
  const dir = await mkdtemp(join(tmpdir(), 'wf-ui-test-'));
  const logs: { executionId: string; text: string }[] = [];
  const logWaiters: { executionId: string; text: string; resolve: () => void }[] = [];
  const logged = (executionId: string, text: string) =>
    logs.some((l) => l.executionId === executionId && l.text === text)
      ? Promise.resolve()
      : new Promise<void>((resolve) => logWaiters.push({ executionId, text, resolve }));
  await Promise.all(Object.entries(files).map(([name, text]) => writeFile(join(dir, name), text)));
  let emulator: RunningEmulator | undefined;
  let watcher: FSWatcher | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    watcher?.close();
    await browser?.close();
    await emulator?.stop();
    await rm(dir, { recursive: true, force: true });
    await rm(uiDir, { recursive: true, force: true });
  };
  try {
    const started = await startEmulator({
      host: '127.0.0.1',
      port: 0,
      ...options,
      uiDir,
      logger: {
        log(entry) {
          options.logger?.log(entry);
          const text = typeof entry.payload === 'string' ? entry.payload : '';
          logs.push({ executionId: entry.executionId, text });
          for (const w of logWaiters.splice(0)) {
            if (w.executionId === entry.executionId && w.text === text) w.resolve();
            else logWaiters.push(w);
          }
        },
      },
    });
    emulator = started;
    beforeWatch?.(started);
    watcher = await watchWorkflowsDirectory({
      dir,
      project: options.projectId,
      location,
      files: started.deps.files,
      deploy: (id, source) => started.deploy(id, source, { location }),
      settleMs: 20,
    });
    browser = await launchChromium();
    return { emulator: started, browser, dir, logged, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The looks every page is checked in: light and dark, at 1280×800 and 390×844. */
export const LOOKS = (['light', 'dark'] as const).flatMap((colorScheme) =>
  [
    { width: 1280, height: 800 },
    { width: 390, height: 844 },
  ].map((viewport) => ({
    colorScheme,
    viewport,
    name: `${colorScheme} ${viewport.width}×${viewport.height}`,
  })),
);

/** Runs `check` on a new page in each of `LOOKS` (a context each, closed after); how many ran to the end. */
export async function inEveryLook(
  browser: Browser,
  check: (page: Page, look: (typeof LOOKS)[number]) => Promise<void>,
): Promise<number> {
  let done = 0;
  for (const look of LOOKS) {
    const context = await browser.newContext({ viewport: look.viewport, colorScheme: look.colorScheme });
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      await check(page, look);
      done++;
    } finally {
      await context.close();
    }
  }
  return done;
}

/** Fails unless the text of each selector is on the page with at least WCAG AA's 4.5:1 contrast. */
export async function expectReadable(page: Page, selectors: readonly string[], where: string): Promise<void> {
  for (const r of await contrastOf(page, selectors)) {
    expect(r.missing, `${where}: ${r.sel} is on the page`).toBeUndefined();
    expect(r.ratio, `${where}: contrast of ${r.sel}`).toBeGreaterThanOrEqual(4.5);
  }
}

/**
 * A new 1280×800 page that notes script errors and content-security-policy refusals, and the
 * function that closes it and fails when there were any (a `beforeEach` returns it).
 */
export async function pageWatchedForErrors(
  browser: Browser,
): Promise<{ page: Page; close: () => Promise<void> }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(15_000);
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Uncaught/.test(m.text())) problems.push(m.text());
  });
  return {
    page,
    close: async () => {
      await page.close();
      expect(problems).toEqual([]);
    },
  };
}
