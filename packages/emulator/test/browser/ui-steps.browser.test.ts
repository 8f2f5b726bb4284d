/**
 * An execution's steps in the developer UI, in headless Chromium: the step history as a tree,
 * a step opened with its details, variables, log lines and the outbound calls it
 * made, and the execution's logs with a severity filter; read from the Executions API's step
 * entries, `/emulator/v1/logs` and the request log, as a user's tools read them.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import {
  CHROMIUM_MISSING,
  pageWatchedForErrors,
  requireBrowserWhenAsked,
  startUiRig,
  tabUntil,
  type UiRig,
} from './ui-harness.js';

requireBrowserWhenAsked();

const PROJECT = 'steps-proj';
const LOCATION = 'europe-west1';

// Two iterations, each with a call answered by a stub and an assignment, then a warning.
const LOOPER = `main:
  params: [args]
  steps:
    - init:
        assign:
          - total: 0
    - loop:
        for:
          value: i
          in: [1, 2]
          steps:
            - fetch:
                call: http.get
                args:
                  url: \${"https://steps.example.com/items/" + string(i)}
                result: resp
            - add:
                assign:
                  - total: \${total + resp.body.n}
    - note:
        call: sys.log
        args:
          text: \${"total " + string(total)}
          severity: WARNING
    - done:
        return: \${total}
`;

describe('an execution’s steps in headless Chromium', () => {
  if (CHROMIUM_MISSING !== undefined) {
    it('runs the UI in a browser', (ctx) => ctx.skip(CHROMIUM_MISSING));
    return;
  }
  let rig: UiRig | undefined;
  let emulator: RunningEmulator;
  let browser: Browser;
  let page: Page;
  const ref = { alias: PROJECT, project: PROJECT };
  const url = (path: string) => `${emulator.url}${path}${path.includes('?') ? '&' : '?'}project=${PROJECT}`;
  const executionPath = (workflow: string, id: string) =>
    `/console/workflows/workflow/${LOCATION}/${workflow}/execution/${id}`;

  beforeAll(async () => {
    rig = await startUiRig({ projectId: PROJECT, location: LOCATION });
    ({ emulator, browser } = rig);
    emulator.deploy('looper', LOOPER, { location: LOCATION });
    emulator.deps.stubs.add({
      id: 'items',
      method: 'GET',
      url: 'https://steps.example.com/items/*',
      body: { n: 5 },
    });
  }, 120_000);

  beforeEach(async () => {
    // Script errors and content-security-policy refusals fail the test that caused them.
    const watched = await pageWatchedForErrors(browser);
    page = watched.page;
    return watched.close;
  });

  afterAll(async () => {
    await rig?.close();
  });

  it('lists the steps in a tree, and a step opened from the keyboard shows what it was and the call it made', async () => {
    const rec = emulator.services.executions.create(ref, LOCATION, 'looper', {
      executionHistoryLevel: 'EXECUTION_HISTORY_DETAILED',
    });
    await emulator.services.executions.whenSettled(rec);
    expect(rec.state).toBe('SUCCEEDED');
    await page.goto(url(executionPath('looper', rec.executionId)));
    const rows = page.locator('#steps [role="treeitem"]');
    await page.locator('#steps [data-step="done"]').waitFor();
    // Each call step ran twice; the second run's row, opened with the keyboard.
    const fetches = page.locator('#steps [data-step="fetch"]');
    expect(await fetches.count()).toBe(2);
    expect(await tabUntil(page, `document.activeElement?.getAttribute('role') === 'treeitem'`, 80)).toBe(
      true,
    );
    const secondFetch = await fetches.nth(1).getAttribute('data-entry');
    for (let i = 0; i < 20; i++) {
      if ((await page.evaluate('document.activeElement?.dataset.entry')) === secondFetch) break;
      await page.keyboard.press('ArrowDown');
    }
    expect(await page.evaluate('document.activeElement?.dataset.entry')).toBe(secondFetch);
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`step=${secondFetch}`));
    const details = page.locator('#step-details');
    await details.locator('#step-details-title', { hasText: 'fetch' }).waitFor();
    expect(await fetches.nth(1).getAttribute('aria-selected')).toBe('true');
    expect(await details.locator('.state').textContent()).toBe('SUCCEEDED');
    // Its own call (the second item), answered by the stub; not the first run's.
    const calls = details.locator('#step-calls tbody tr');
    await calls.first().waitFor();
    expect(await calls.count()).toBe(1);
    expect(await calls.textContent()).toContain('GET https://steps.example.com/items/2');
    expect(await calls.textContent()).toContain('by items');
    // Home and End move to the first and last rows.
    await page.keyboard.press('End');
    expect(await page.evaluate('document.activeElement?.dataset.step')).toBe('done');
    await page.keyboard.press('Home');
    expect(await page.evaluate('document.activeElement?.dataset.step')).toBe('init');
    expect(await rows.first().getAttribute('data-step')).toBe('init');
    // The link to the step's line marks it in the source.
    await details.getByRole('button', { name: /^Show line \d+ in the source$/ }).click();
    await page.locator('.source-lines tr.marked').waitFor();
    expect(await page.locator('.source-lines tr.marked').textContent()).toContain('- fetch:');
  });

  it("shows the execution's logs with a severity filter, and a step's own log lines", async () => {
    const rec = emulator.services.executions.create(ref, LOCATION, 'looper', {
      executionHistoryLevel: 'EXECUTION_HISTORY_DETAILED',
      callLogLevel: 'LOG_ALL_CALLS',
    });
    await emulator.services.executions.whenSettled(rec);
    await page.goto(url(executionPath('looper', rec.executionId)));
    const lines = page.locator('#logs .log-line');
    await page.locator('#logs [data-log="execution"][data-severity="INFO"]').nth(1).waitFor();
    // Its start and end, the call logs of its three call steps (begun and succeeded), the warning.
    expect(await page.locator('#logs [data-log="call"]').count()).toBe(6);
    const warning = page.locator('#logs [data-log="sys.log"]');
    expect(await warning.count()).toBe(1);
    expect(await warning.getAttribute('data-severity')).toBe('WARNING');
    expect(await warning.locator('.log-text').textContent()).toBe('total 10');
    expect(await warning.locator('.log-step').textContent()).toBe('main.note');
    expect(await lines.count()).toBe(9);
    const shown = () =>
      lines.evaluateAll((ls) =>
        ls.map((l) => `${l.getAttribute('data-severity')} ${l.getAttribute('data-log')}`),
      );
    const count = (n: number) =>
      page.waitForFunction(`document.querySelectorAll('#logs .log-line').length === ${n}`);
    // WARNING and up: the warning alone; INFO and up: with the start and end.
    await page.getByLabel('Lowest severity').selectOption('WARNING');
    await count(1);
    expect(await shown()).toEqual(['WARNING sys.log']);
    await page.getByLabel('Lowest severity').selectOption('INFO');
    await count(3);
    expect(await shown()).toEqual(['INFO execution', 'WARNING sys.log', 'INFO execution']);
    // Everything but the call logs.
    await page.getByLabel('Lowest severity').selectOption('DEFAULT');
    await count(9);
    await page.getByLabel('call logs').uncheck();
    await count(3);

    // A step's own lines: the second fetch has its own call's, not the first one's.
    await page.locator('#steps [data-step="fetch"]').nth(1).click();
    const own = page.locator('#step-logs .log-line');
    await own.first().waitFor();
    expect(await own.count()).toBe(2);
    expect(await own.nth(0).textContent()).toContain('BEGUN http.get');
    expect(await own.nth(0).textContent()).toContain('https://steps.example.com/items/2');
    expect(await page.locator('#step-logs').textContent()).not.toContain('items/1');
    // The note step: its warning between the begun and succeeded lines of its call.
    await page.locator('#steps [data-step="note"]').click();
    await page.locator('#step-logs [data-log="sys.log"]').waitFor();
    expect(
      await own.evaluateAll((ls) =>
        ls.map((l) => `${l.getAttribute('data-severity')} ${l.getAttribute('data-log')}`),
      ),
    ).toEqual(['DEBUG call', 'WARNING sys.log', 'DEBUG call']);
  });
});
