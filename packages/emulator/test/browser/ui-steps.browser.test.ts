/**
 * An execution's steps in the developer UI, in headless Chromium: the step history as a tree
 * that grows live, a step opened with its details, variables, log lines and the outbound calls it
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

// Waits for a callback, then loops: its later steps appear while the page is open.
const WAITER = `main:
  steps:
    - create:
        call: events.create_callback_endpoint
        args:
          http_callback_method: POST
        result: cb
    - ready:
        call: sys.log
        args:
          text: callback ready
    - wait:
        call: events.await_callback
        args:
          callback: \${cb}
          timeout: 3600
        result: req
    - loop:
        for:
          value: i
          in: [1, 2]
          steps:
            - say:
                call: sys.log
                args:
                  text: \${"item " + string(i)}
    - done:
        return: \${req.http_request.body}
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
  /** Resolves when the execution has written `text` with sys.log. */
  const logged = (executionId: string, text: string) => rig!.logged(executionId, text);
  const executionPath = (workflow: string, id: string) =>
    `/console/workflows/workflow/${LOCATION}/${workflow}/execution/${id}`;

  beforeAll(async () => {
    rig = await startUiRig({ projectId: PROJECT, location: LOCATION });
    ({ emulator, browser } = rig);
    emulator.deploy('looper', LOOPER, { location: LOCATION });
    emulator.deploy('waiter', WAITER, { location: LOCATION });
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
    // The narrow details panel gives the call its room: no time or step columns, the URL readable.
    expect(await details.locator('#step-calls th.opt').first().isVisible()).toBe(false);
    expect((await calls.first().locator('td.path').boundingBox())!.width).toBeGreaterThan(200);
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

  it("follows a running execution's steps live, nested as they ran, and opens a step's variables and log lines", async () => {
    const rec = emulator.services.executions.create(ref, LOCATION, 'waiter', {
      executionHistoryLevel: 'EXECUTION_HISTORY_DETAILED',
    });
    await logged(rec.executionId, 'callback ready');
    await page.goto(url(executionPath('waiter', rec.executionId)));
    await page.locator('.live-live').waitFor();
    const row = (step: string) => page.locator(`#steps [role="treeitem"][data-step="${step}"]`);
    await row('wait').locator('.state-in_progress').waitFor();
    expect(await row('say').count()).toBe(0);
    // From now on the steps come as live stepEntry events: the page lists no step entries again.
    const listed: string[] = [];
    page.on('request', (r) => {
      if (/\/stepEntries\?/.test(r.url())) listed.push(r.url());
    });

    // Another tool delivers the callback: the loop's iterations and their steps appear, nested.
    const name = `projects/${PROJECT}/locations/${LOCATION}/workflows/waiter/executions/${rec.executionId}`;
    const [callback] = emulator.deps.runtime.callbacks.list(name);
    const delivered = await fetch(`${emulator.url}/v1/${name}/callbacks/${callback!.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"approved":true}',
    });
    expect(delivered.status).toBe(200);
    await page.locator('.summary-state .state', { hasText: 'SUCCEEDED' }).waitFor();
    await row('done').waitFor();
    await row('wait').locator('.state-succeeded').waitFor();
    const iterations = page.locator('#steps [data-type="STEP_FOR_ITERATION"]');
    expect(await iterations.count()).toBe(2);
    const loop = page.locator('#steps [data-step="loop"][data-type="STEP_FOR"]');
    expect(await loop.getAttribute('aria-level')).toBe('1');
    expect(await loop.getAttribute('aria-expanded')).toBe('true');
    expect(await iterations.nth(1).getAttribute('aria-level')).toBe('2');
    expect(await iterations.nth(1).getAttribute('aria-label')).toMatch(
      /^iteration 2 of 2, for iteration, succeeded/,
    );
    expect(await row('say').count()).toBe(2);
    expect(await row('say').nth(1).getAttribute('aria-level')).toBe('3');
    expect(listed).toEqual([]);
    // Its log lines came live too.
    await page.locator('#logs [data-log="sys.log"]', { hasText: 'item 2' }).waitFor();

    // The second iteration's step: its variables after it ran, and its own log line.
    await row('say').nth(1).click();
    const variable = (v: string) => page.locator(`#step-variables tr[data-variable="${v}"] td.value`);
    await variable('i').waitFor();
    expect(JSON.parse((await variable('i').textContent()) ?? '')).toBe(2);
    expect(JSON.parse((await variable('req').textContent()) ?? '').http_request.body).toEqual({
      approved: true,
    });
    const own = page.locator('#step-logs .log-line');
    await own.first().waitFor();
    expect(await own.count()).toBe(1);
    expect(await own.locator('.log-text').textContent()).toBe('item 2');

    // With the keyboard: Left goes to the iteration, Left again closes it, Right opens it.
    await row('say').nth(1).focus();
    await page.keyboard.press('ArrowLeft');
    expect(await page.evaluate('document.activeElement?.getAttribute("aria-label")')).toMatch(
      /^iteration 2 of 2/,
    );
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction(`document.querySelectorAll('#steps [data-step="say"]').length === 1`);
    expect(await iterations.nth(1).getAttribute('aria-expanded')).toBe('false');
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(`document.querySelectorAll('#steps [data-step="say"]').length === 2`);
  });
});
