/**
 * The developer UI's pages other than an execution's, in headless Chromium: each readable in
 * light and dark mode (WCAG AA contrast), fitting at 1280×800 and 390×844 with no table scrolling
 * sideways on the phone, and usable from the keyboard; and the step graph's `next` jumps drawn
 * around the boxes, never behind them.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import { loadStubsFile } from '../../src/stubs/index.js';
import {
  CHROMIUM_MISSING,
  expectReadable,
  focusVisible,
  inEveryLook,
  pageOverflow,
  requireBrowserWhenAsked,
  startUiRig,
  tabUntil,
  type UiRig,
} from './ui-harness.js';

requireBrowserWhenAsked();

const PROJECT = 'pages-proj';
const LOCATION = 'us-central1';
const REPO = resolve(fileURLToPath(new URL('../../../..', import.meta.url)));

const GREET = `main:
  params: [args]
  steps:
    - build:
        assign:
          - greeting: \${"hello " + args.name}
    - done:
        return: \${greeting}
`;
const BROKEN = `main:
  steps:
    - build:
        assign:
          - greeting: \${"hello " + }
`;
const SLEEPER = `main:
  steps:
    - nap:
        call: sys.sleep
        args:
          seconds: 3600
`;
// Calls the process-order example's stubs: one answered, one that no stub answers (blocked).
const CALLER = `main:
  steps:
    - validate:
        call: http.post
        args:
          url: https://api.example.com/validate
          body: {}
        result: ok
    - unknown:
        try:
          call: http.get
          args:
            url: https://nowhere.example.com/x
        except:
          as: e
          steps:
            - ignore:
                assign:
                  - failed: true
    - done:
        return: \${ok.body}
`;
// Jumps out of switch arms that have arms to their right, out of a try body that has an except
// block to its right, and out of an arm of a switch inside another switch's arm.
const JUMPS = `main:
  params: [args]
  steps:
    - route:
        switch:
          - condition: \${args.n > 100}
            next: big
          - condition: \${args.n > 10}
            steps:
              - medium:
                  assign:
                    - size: medium
            next: finish
          - condition: \${args.n > 5}
            steps:
              - inner:
                  switch:
                    - condition: \${args.n > 7}
                      next: big
                    - condition: true
                      assign:
                        - size: six
          - condition: true
            assign:
              - size: small
    - guarded:
        try:
          steps:
            - first:
                assign:
                  - a: 1
            - leave:
                next: finish
        except:
          as: e
          steps:
            - recover:
                assign:
                  - a: 2
    - big:
        assign:
          - size: big
    - finish:
        return: \${size}
`;

describe('developer UI pages in headless Chromium', () => {
  if (CHROMIUM_MISSING !== undefined) {
    it('runs the UI in a browser', (ctx) => ctx.skip(CHROMIUM_MISSING));
    return;
  }
  let emulator: RunningEmulator;
  let browser: Browser;
  let rig: UiRig | undefined;
  const ref = { alias: PROJECT, project: PROJECT };
  const url = (path: string) => `${emulator.url}${path}${path.includes('?') ? '&' : '?'}project=${PROJECT}`;
  const workflowPage = (id: string, tab?: string) =>
    `/console/workflows/workflow/${LOCATION}/${id}${tab ? `?tab=${tab}` : ''}`;

  beforeAll(async () => {
    // A good and a broken file in the watched directory.
    let seen = 0;
    let bothSeen: () => void = () => undefined;
    const deployed = new Promise<void>((done) => (bothSeen = done));
    rig = await startUiRig({
      projectId: PROJECT,
      location: LOCATION,
      files: { 'greet.yaml': GREET, 'broken.yaml': BROKEN },
      beforeWatch: (e) =>
        e.deps.files.onChange(() => {
          if (++seen === 2) bothSeen();
        }),
    });
    ({ emulator, browser } = rig);
    await deployed;
    // The process-order example's stubs: long IDs, URLs and match expressions, as `pnpm start` has them.
    emulator.deps.stubs.addAll(await loadStubsFile(join(REPO, 'examples/process-order/stubs.yaml')));
    // A second revision of greet, executions that succeed, fail and are cancelled, and calls
    // that a stub answered and that nothing answered.
    emulator.deploy('greet', `${GREET}# revised\n`, { location: LOCATION });
    for (const [id, source] of [
      ['sleeper', SLEEPER],
      ['caller', CALLER],
      ['jumps', JUMPS],
    ] as const)
      emulator.deploy(id, source, { location: LOCATION });
    const ex = emulator.services.executions;
    await ex.whenSettled(ex.create(ref, LOCATION, 'greet', { argument: '{"name":"Ada"}' }));
    await ex.whenSettled(ex.create(ref, LOCATION, 'greet', { argument: '{}' }));
    await ex.whenSettled(ex.create(ref, LOCATION, 'caller', {}));
    const sleeping = ex.create(ref, LOCATION, 'sleeper', {});
    ex.cancel(ref, LOCATION, 'sleeper', sleeping.executionId);
    await ex.whenSettled(sleeping);
  }, 120_000);

  afterAll(async () => {
    await rig?.close();
  });

  interface PageCheck {
    name: string;
    path: string;
    /** What shows that the page has its data. */
    ready: string;
    /** Text whose contrast is checked (each must be on the page). */
    text: string[];
    /** A script true when Tab has reached the page's main control. */
    tabTo: string;
  }

  const PAGES: PageCheck[] = [
    {
      name: 'workflows',
      path: '/',
      ready: '#deploy-problems .pos',
      text: [
        'h1',
        '.kicker',
        'nav a[aria-current="page"]',
        'nav a:not([aria-current])',
        '#deploy-problems .pos',
        '#deploy-problems .problem-message',
        '#deploy-problems .muted',
        'table.list th',
        'tr[data-workflow="greet"] a',
        'tr[data-workflow="greet"] .state-succeeded',
        'tr[data-workflow="greet"] .state-failed',
        'tr[data-workflow="sleeper"] .state-cancelled',
        '.count',
        '.project',
        '.live',
      ],
      tabTo: `document.activeElement?.closest('tr')?.dataset.workflow === 'greet'`,
    },
    {
      name: 'workflow source',
      path: workflowPage('greet'),
      ready: '.source-lines .hljs-template-variable',
      text: [
        'h1',
        'dl.facts dt',
        '.field label',
        '#workflow-tab-source',
        '#workflow-tab-graph',
        '.source-lines td.ln',
        '.source-lines .hljs-attr',
        '.source-lines .hljs-template-variable',
        '.source-lines .hljs-comment',
      ],
      tabTo: `document.activeElement?.id === 'workflow-tab-source'`,
    },
    {
      name: 'workflow graph',
      path: workflowPage('jumps', 'graph'),
      ready: '.graph-svg .box',
      text: [
        '.graph-svg .box .box-title',
        '.graph-svg .box .box-sub',
        '.graph-svg .group .group-title',
        '.graph-svg .group .group-sub',
        '.graph-svg .arm-label',
        '.graph-svg .pill .pill-text',
      ],
      tabTo: `document.activeElement?.getAttribute('aria-label')?.startsWith('route: ') === true`,
    },
    {
      name: 'workflow revisions',
      path: workflowPage('greet', 'revisions'),
      ready: '#revisions button.link',
      text: ['#revisions code', '#revisions tr.current td', '#revisions button.link', '#revisions .muted'],
      tabTo: `document.activeElement?.matches('#revisions button.link') === true`,
    },
    {
      name: 'executions',
      path: '/console/workflows/executions',
      ready: '#executions .state-cancelled',
      text: [
        '.filters label',
        '#executions a.mono',
        '#executions .state-succeeded',
        '#executions .state-failed',
        '#executions .state-cancelled',
      ],
      tabTo: `document.activeElement?.id === 'filter-state'`,
    },
    {
      name: 'stubs and requests',
      path: '/console/workflows/stubs',
      ready: '#requests .outcome-blocked',
      text: [
        '#stubs code',
        '#stubs .muted',
        '#stubs button.hits',
        '#stubs button.secondary',
        'details.add-stubs > summary',
        '.filters label',
        '#requests code',
        '#requests .outcome-stub',
        '#requests .outcome-blocked',
        '#requests .status',
      ],
      tabTo: `document.activeElement?.matches('#stubs button.hits') === true`,
    },
  ];

  it('every page is readable in light and dark mode, fits at 1280×800 and 390×844 with no table scrolling sideways, and Tab reaches its controls', async () => {
    const looks = await inEveryLook(browser, async (page, look) => {
      for (const spec of PAGES) {
        const where = `${spec.name}, ${look.name}`;
        await page.goto(url(spec.path));
        await page.locator(spec.ready).first().waitFor();
        expect(await pageOverflow(page), where).toBe(0);
        // Tables fit the phone's width: what does not fit wraps or is left out (`.opt`).
        const sideways = await page.evaluate(`[...document.querySelectorAll('.table-wrap')]
          .filter((w) => w.scrollWidth > w.clientWidth)
          .map((w) => w.querySelector('table')?.id || w.closest('section')?.getAttribute('aria-labelledby'))`);
        expect(sideways, `${where}: tables that scroll sideways`).toEqual([]);
        await expectReadable(page, spec.text, where);
        // From the top of the page, Tab reaches the page's main control, with a visible focus.
        expect(await tabUntil(page, spec.tabTo, 80), `${where}: Tab reaches ${spec.tabTo}`).toBe(true);
        expect(await focusVisible(page), `${where}: focus is visible`).toBe(true);
      }
    });
    expect(looks).toBe(4);
  });

  it('is usable with the keyboard alone: the workflow tabs with arrow keys, a filter, the request details', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(15_000);
    try {
      await page.goto(url(workflowPage('greet')));
      await page.locator('.source-lines').waitFor();
      expect(await tabUntil(page, `document.activeElement?.id === 'workflow-tab-source'`)).toBe(true);
      await page.keyboard.press('End');
      await page.waitForURL(/tab=executions/);
      await page.locator('#executions').waitFor();
      expect(await page.evaluate('document.activeElement?.id')).toBe('workflow-tab-executions');
      await page.keyboard.press('ArrowLeft');
      await page.waitForURL(/tab=revisions/);
      // Enter on "View source" of the first revision shows that revision.
      expect(await tabUntil(page, `document.activeElement?.matches('#revisions button.link') === true`)).toBe(
        true,
      );
      await page.keyboard.press('Enter');
      await page.waitForURL(/revision=/);
      await page.locator('.source-lines').waitFor();
      expect(await page.locator('.source-lines').textContent()).not.toContain('# revised');

      // The executions list filtered by state from the keyboard.
      await page.goto(url('/console/workflows/executions'));
      await page.locator('#executions').waitFor();
      expect(await tabUntil(page, `document.activeElement?.id === 'filter-state'`)).toBe(true);
      // Typing a closed select's option picks it.
      await page.keyboard.type('CANCELLED');
      await page.waitForURL(/state=CANCELLED/);
      await page.locator('#executions .state-cancelled').waitFor();
      expect(await page.locator('#executions .state-succeeded').count()).toBe(0);

      // A request's details open with Enter on its summary.
      await page.goto(url('/console/workflows/stubs'));
      await page.locator('#requests summary').first().waitFor();
      expect(await tabUntil(page, `document.activeElement?.matches('#requests summary') === true`, 120)).toBe(
        true,
      );
      await page.keyboard.press('Enter');
      await page.locator('#requests details[open] .request-detail').waitFor();
    } finally {
      await page.close();
    }
  });

  it('draws `next` jumps around the boxes: from switch arms and a try body with columns to their right, none runs behind a box', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(15_000);
    try {
      await page.goto(url(workflowPage('jumps', 'graph')));
      await page.locator('.graph-svg .edge-jump').first().waitFor({ state: 'attached' });
      const crossings = await page.evaluate(`(() => {
        const svg = document.querySelector('.graph-svg');
        const boxes = [...svg.querySelectorAll('g.box')].map((g) => {
          const r = g.querySelector(':scope > rect');
          return {
            label: g.getAttribute('aria-label') || g.textContent,
            x: +r.getAttribute('x'), y: +r.getAttribute('y'),
            w: +r.getAttribute('width'), h: +r.getAttribute('height'),
          };
        });
        const jumps = [...svg.querySelectorAll('path.edge-jump')].map((p) => p.getAttribute('d'));
        const out = [];
        for (const d of jumps) {
          // "M x,y H x V y ...": absolute moves along the axes only.
          const tokens = d.match(/[MHV][^MHV]+/g);
          let x = 0, y = 0;
          const segments = [];
          for (const t of tokens) {
            const n = t.slice(1).trim().split(/[ ,]+/).map(Number);
            if (t[0] === 'M') { x = n[0]; y = n[1]; continue; }
            const [nx, ny] = t[0] === 'H' ? [n[0], y] : [x, n[0]];
            segments.push([x, y, nx, ny]);
            x = nx; y = ny;
          }
          for (const [x1, y1, x2, y2] of segments)
            for (const b of boxes) {
              // Strictly inside the box (a jump starts and ends on a box's edge).
              const inX = Math.max(x1, x2) > b.x + 1 && Math.min(x1, x2) < b.x + b.w - 1;
              const inY = Math.max(y1, y2) > b.y + 1 && Math.min(y1, y2) < b.y + b.h - 1;
              if (inX && inY) out.push(d + ' crosses ' + b.label);
            }
        }
        return { jumps: jumps.length, out };
      })()`);
      // route's arms: → big, medium → finish, inner's → big; guarded's leave → finish.
      expect(crossings).toEqual({ jumps: 4, out: [] });
    } finally {
      await page.close();
    }
  });
});
