/**
 * The developer UI end to end: a fresh build of the bundle, served by a listening emulator that
 * watches a real directory, driven in Debian's headless Chromium. Each test waits on events (the
 * emulator's own, or elements appearing), never on time.
 */
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator.js';
import type { WorkflowFileChange } from '../../src/server/workflow-files.js';
import type { ExecutionRecord } from '../../src/store/types.js';
import {
  CHROMIUM_MISSING,
  expectReadable,
  focusVisible,
  inEveryLook,
  launchChromium,
  pageWatchedForErrors,
  pageOverflow,
  requireBrowserWhenAsked,
  startUiRig,
  tabUntil,
  type UiRig,
} from './ui-harness.js';

requireBrowserWhenAsked();

const PROJECT = 'ui-proj';
const LOCATION = 'europe-west1';

const GREET = `main:
  params: [args]
  steps:
    - build:
        assign:
          - greeting: \${"hello " + args.name}
    - done:
        return:
          greeting: \${greeting}
`;
// Line 5, column 35 is where the expression ends too early.
const GREET_BROKEN = `main:
  params: [args]
  steps:
    - build:
        assign:
          - greeting: \${"hello " + }
    - done:
        return: \${greeting}
`;
const SLEEPER = `main:
  steps:
    - nap:
        call: sys.sleep
        args:
          seconds: 3600
    - done:
        return: rested
`;
const APPROVAL = `main:
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
    - done:
        return: \${req.http_request.body}
`;
const FETCHER = `main:
  steps:
    - get:
        call: http.get
        args:
          url: https://inventory.example.com/items/7
        result: resp
    - done:
        return: \${resp.body}
`;

// Two outbound calls with a wait for a callback between them.
const TWO_CALLS = `main:
  steps:
    - first_call:
        call: http.get
        args:
          url: https://live.example.com/items/1
        result: a
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
    - second_call:
        call: http.get
        args:
          url: https://live.example.com/items/2
        result: b
    - done:
        return: \${b.body}
`;

// A loop, a switch that jumps, and a step that fails on line 23 (a division by zero).
const DIVIDER = `main:
  steps:
    - init:
        assign:
          - items: [1, 2, 3]
          - total: 0
    - loop:
        for:
          value: x
          in: \${items}
          steps:
            - add:
                assign:
                  - total: \${total + x}
    - check:
        switch:
          - condition: \${total > 100}
            next: big
        next: divide
    - big:
        return: big
    - divide:
        assign:
          - ratio: \${total / 0}
    - done:
        return: \${ratio}
`;
const dividerLine = (text: string) => DIVIDER.split('\n').findIndex((l) => l.includes(text)) + 1;

describe('developer UI in headless Chromium', () => {
  if (CHROMIUM_MISSING !== undefined) {
    it('runs the UI in a browser', (ctx) => ctx.skip(CHROMIUM_MISSING));
    return;
  }
  let emulator: RunningEmulator;
  let browser: Browser;
  let page: Page;
  let dir: string;
  let rig: UiRig | undefined;
  const waiters: { test: (c: WorkflowFileChange) => boolean; resolve: () => void }[] = [];

  /** Resolves when the watched directory reports a change that passes `test`. */
  const nextChange = (test: (c: WorkflowFileChange) => boolean) =>
    new Promise<void>((resolve) => waiters.push({ test, resolve }));

  const ref = { alias: PROJECT, project: PROJECT };
  const url = (path: string) => `${emulator.url}${path}${path.includes('?') ? '&' : '?'}project=${PROJECT}`;
  const executionPath = (workflow: string, id: string) =>
    `/console/workflows/workflow/${LOCATION}/${workflow}/execution/${id}`;
  const latestExecution = (workflow: string): ExecutionRecord => {
    const list = emulator.deps.store.executions.list({
      project: PROJECT,
      location: LOCATION,
      workflowId: workflow,
    });
    const last = list[list.length - 1];
    if (!last) throw new Error(`no execution of ${workflow}`);
    return last;
  };
  /** Resolves when the execution has written `text` with sys.log. */
  const logged = (executionId: string, text: string) => rig!.logged(executionId, text);
  const stateShown = (state: string) => page.locator('.summary-state .state', { hasText: state }).waitFor();
  /** Waits until the page's event stream is open: changes from then on reach the page as events. */
  const live = () => page.locator('.live-live').waitFor();

  beforeAll(async () => {
    rig = await startUiRig({
      projectId: PROJECT,
      location: LOCATION,
      files: { 'sleeper.yaml': SLEEPER, 'approval.yaml': APPROVAL, 'fetcher.yaml': FETCHER },
      beforeWatch: (e) =>
        e.deps.files.onChange((c) => {
          for (const w of waiters.splice(0)) {
            if (w.test(c)) w.resolve();
            else waiters.push(w);
          }
        }),
    });
    ({ emulator, browser, dir } = rig);
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

  it('shows a workflow deployed from the watched directory, and live, a broken save with its line and column, and the fix', async () => {
    await page.goto(url('/'));
    await live();
    // Deployed while the page is open: it appears without a reload.
    const file = join(dir, 'greet.yaml');
    let deployed = nextChange((c) => c.kind === 'deployed' && c.file === file);
    await writeFile(file, GREET);
    await deployed;
    const row = page.locator('tr[data-workflow="greet"]');
    await row.waitFor();
    expect(await row.locator('td').nth(3).textContent()).toBe(file);
    expect(await page.locator('#deploy-problems').count()).toBe(0);

    const failed = nextChange((c) => c.kind === 'problem' && c.problem.file === file);
    await writeFile(file, GREET_BROKEN);
    await failed;
    const problem = page.locator(`#deploy-problems article[data-file="${file}"]`);
    await problem.waitFor();
    expect(await problem.locator('.pos').first().textContent()).toBe('line 6, column 36');
    expect(await problem.locator('.problem-message').first().textContent()).toContain(
      'syntax error in expression',
    );
    // The revision deployed before the broken save stays.
    expect(await row.locator('td').nth(1).textContent()).toMatch(/^000001-/);

    deployed = nextChange((c) => c.kind === 'deployed' && c.file === file);
    await writeFile(file, GREET.replace('hello ', 'hi '));
    await deployed;
    await page.locator('#deploy-problems').waitFor({ state: 'detached' });
    await row.locator('td', { hasText: '2 revisions' }).waitFor();
    expect(await row.locator('td').nth(1).textContent()).toMatch(/^000002-.*\(2 revisions\)$/);
  });

  it('executes a workflow from the form, refusing an argument that is not JSON', async () => {
    emulator.deploy('greeter', GREET, { location: LOCATION });
    await page.goto(url(`/console/workflows/workflow/${LOCATION}/greeter`));
    const argument = page.getByLabel('Argument (JSON, empty for none)');
    const execute = page.getByRole('button', { name: 'Execute', exact: true });
    await argument.fill('{"name": ');
    await page.locator('.field-problem').waitFor();
    expect(await page.locator('.field-problem').textContent()).toContain('Not valid JSON');
    expect(await execute.isDisabled()).toBe(true);

    await argument.fill('{"name": "Ada"}');
    await page.locator('.field-problem').waitFor({ state: 'detached' });
    await page.getByLabel('History level').selectOption('EXECUTION_HISTORY_DETAILED');
    await page.getByLabel('Call-log level').selectOption('LOG_ALL_CALLS');
    await execute.click();
    await page.waitForURL(/\/execution\/[0-9a-f-]+\?project=ui-proj$/);
    const id = page.url().split('/execution/')[1]!.split('?')[0]!;
    const rec = latestExecution('greeter');
    expect(rec.executionId).toBe(id);
    expect(rec.executionHistoryLevel).toBe('EXECUTION_HISTORY_DETAILED');
    expect(rec.callLogLevel).toBe('LOG_ALL_CALLS');
    // The page follows the execution to its end by itself.
    await stateShown('SUCCEEDED');
    expect(rec.state).toBe('SUCCEEDED');
    expect(JSON.parse((await page.locator('#result').textContent()) ?? '')).toEqual({
      greeting: 'hello Ada',
    });
    expect(JSON.parse((await page.locator('#argument').textContent()) ?? '')).toEqual({ name: 'Ada' });
    expect(await page.locator('dd', { hasText: 'detailed' }).count()).toBe(1);
  });

  it('cancels a sleeping execution', async () => {
    const rec = emulator.services.executions.create(ref, LOCATION, 'sleeper', {});
    await page.goto(url(executionPath('sleeper', rec.executionId)));
    await stateShown('ACTIVE');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await stateShown('CANCELLED');
    await emulator.services.executions.whenSettled(rec);
    expect(rec.state).toBe('CANCELLED');
    expect(await page.getByRole('button', { name: 'Cancel' }).count()).toBe(0);
  });

  it('runs an execution again with an edited argument', async () => {
    emulator.deploy('greeter', GREET, { location: LOCATION });
    const first = emulator.services.executions.create(ref, LOCATION, 'greeter', {
      argument: JSON.stringify({ name: 'Bob' }),
    });
    await emulator.services.executions.whenSettled(first);
    await page.goto(url(executionPath('greeter', first.executionId)));
    await stateShown('SUCCEEDED');
    await page.getByRole('button', { name: 'Edit argument and run' }).click();
    const field = page
      .getByRole('form', { name: 'Run again with an edited argument' })
      .getByLabel('Argument (JSON)');
    expect(JSON.parse(await field.inputValue())).toEqual({ name: 'Bob' });
    await field.fill('{"name": "Cy"}');
    await page.getByRole('button', { name: 'Run with this argument' }).click();
    await page.waitForURL((u) => !u.pathname.endsWith(first.executionId));
    const second = latestExecution('greeter');
    expect(second.executionId).not.toBe(first.executionId);
    expect(page.url()).toContain(second.executionId);
    await stateShown('SUCCEEDED');
    expect(JSON.parse((await page.locator('#result').textContent()) ?? '')).toEqual({ greeting: 'hello Cy' });
    expect(JSON.parse((await page.locator('#argument').textContent()) ?? '')).toEqual({ name: 'Cy' });

    // "Run again" repeats the argument as it was.
    await page.getByRole('button', { name: 'Run again' }).click();
    await page.waitForURL((u) => !u.pathname.endsWith(second.executionId));
    const third = latestExecution('greeter');
    expect(third.argument).toBe(second.argument);
  });

  it('delivers a request to a callback the execution waits on', async () => {
    const rec = emulator.services.executions.create(ref, LOCATION, 'approval', {});
    // The workflow logs once its callback exists (a request delivered before the wait is queued).
    await logged(rec.executionId, 'callback ready');
    await page.goto(url(executionPath('approval', rec.executionId)));
    await stateShown('ACTIVE');
    await page.locator('form.callback').waitFor();
    await page.getByLabel('Request body (JSON)').fill('{"approved": true, "by": "ops"}');
    await page.getByRole('button', { name: 'Deliver' }).click();
    // The execution goes on, and the page shows its end as it happens.
    await stateShown('SUCCEEDED');
    expect(rec.state).toBe('SUCCEEDED');
    expect(JSON.parse((await page.locator('#result').textContent()) ?? '')).toEqual({
      approved: true,
      by: 'ops',
    });
  });

  it('adds a stub from JSON, and shows live its hits and the call it answered', async () => {
    await page.goto(url('/console/workflows/stubs'));
    await live();
    await page.getByText('Add stubs from JSON').click();
    const stubs = page.getByLabel('One stub or a list of stubs (the format of --stubs files)');
    await stubs.fill('{"id": "inventory", "method": "GET", "url": "https://inventory.example.com/items/*", ');
    expect(await page.getByRole('button', { name: 'Add', exact: true }).isDisabled()).toBe(true);
    await stubs.fill(
      '{"id": "inventory", "method": "GET", "url": "https://inventory.example.com/items/*", "body": {"sku": 7, "left": 3}}',
    );
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Added inventory.' }).waitFor();
    const row = page.locator('tr[data-stub="inventory"]');
    await row.waitFor();
    expect(await row.locator('.hits').textContent()).toBe('0');

    // A stub the server refuses: its message is shown, nothing is added.
    await stubs.fill('{"url": "https://x.example.com/", "status": 99}');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.locator('.add-stubs .error').waitFor();
    expect(await page.locator('.add-stubs .error').textContent()).toMatch(/status/i);

    // A workflow run by another tool calls it: the page shows the hit and the call as they happen.
    const rec = emulator.services.executions.create(ref, LOCATION, 'fetcher', {});
    await row.locator('.hits', { hasText: '1' }).waitFor();
    const call = page.locator('#requests tbody tr', { hasText: 'https://inventory.example.com/items/7' });
    await call.locator('.status', { hasText: '200' }).waitFor();
    expect(await call.locator('.outcome').textContent()).toBe('stub');
    expect(await call.textContent()).toContain('by inventory');
    // Its details show the response the workflow got.
    await call.locator('summary').click();
    const response = call.locator('.request-detail h4', { hasText: 'Response' }).locator('+ pre');
    expect(JSON.parse((await response.textContent()) ?? '')).toEqual({ sku: 7, left: 3 });
    await emulator.services.executions.whenSettled(rec);
    expect(rec.state).toBe('SUCCEEDED');

    // The execution's page lists the same call among its outbound calls.
    await page.goto(url(executionPath('fetcher', rec.executionId)));
    await stateShown('SUCCEEDED');
    const own = page.locator('#requests tbody tr');
    await own.first().waitFor();
    expect(await own.count()).toBe(1);
    expect(await own.textContent()).toContain('GET https://inventory.example.com/items/7');
    expect(JSON.parse((await page.locator('#result').textContent()) ?? '')).toEqual({ sku: 7, left: 3 });

    // Deleting it from the list removes it from the emulator.
    await page.goto(url('/console/workflows/stubs'));
    await page.getByRole('button', { name: 'Delete stub inventory' }).click();
    await row.waitFor({ state: 'detached' });
    expect(emulator.deps.stubs.list().some((s) => s.id === 'inventory')).toBe(false);
  });

  it('lists executions newest first and filters them by workflow and state', async () => {
    emulator.deploy('greeter', GREET, { location: LOCATION });
    const a = emulator.services.executions.create(ref, LOCATION, 'greeter', { argument: '{"name":"a"}' });
    await emulator.services.executions.whenSettled(a);
    const b = emulator.services.executions.create(ref, LOCATION, 'sleeper', {});
    await page.goto(url('/console/workflows/executions'));
    const rows = page.locator('#executions tbody tr');
    await rows.first().waitFor();
    expect(await rows.first().getAttribute('data-execution')).toBe(b.executionId);

    const rowOf = (e: ExecutionRecord) => page.locator(`#executions tr[data-execution="${e.executionId}"]`);
    /** Waits for the table of the new filter: `hidden` leaves with the old table, `shown` comes with the new. */
    const listed = async (shown: ExecutionRecord, hidden: ExecutionRecord) => {
      await rowOf(hidden).waitFor({ state: 'detached' });
      await rowOf(shown).waitFor();
    };
    await page.getByLabel('State').selectOption('ACTIVE');
    await page.waitForURL(/state=ACTIVE/);
    await listed(b, a);

    await page.getByLabel('State').selectOption('');
    await page.getByLabel('Workflow').selectOption(`${LOCATION}/greeter`);
    await page.waitForURL(/workflow=greeter/);
    await listed(a, b);
    const ids = await page
      .locator('#executions tbody tr')
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-execution')));
    expect(ids).toContain(a.executionId);
    const all = emulator.deps.store.executions.list({
      project: PROJECT,
      location: LOCATION,
      workflowId: 'greeter',
    });
    expect(ids).toEqual(all.map((e) => e.executionId).reverse());
    emulator.services.executions.cancelAll();
  });

  it('draws the step graph, and a step chosen with the keyboard is marked in the source', async () => {
    await page.goto(url(`/console/workflows/workflow/${LOCATION}/approval?tab=graph`));
    const wait = page.getByRole('button', { name: /^wait: call events\.await_callback/ });
    await wait.waitFor();
    // start → create → ready → wait → done; `done` returns, so no arrow reaches the end.
    expect(await page.locator('.graph-svg .box').count()).toBe(6);
    expect(await page.locator('.graph-svg .edge-seq').count()).toBe(4);
    await wait.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => !u.search.includes('tab=graph'));
    const marked = page.locator('.source-lines tr.marked');
    await marked.waitFor();
    expect(await marked.getAttribute('data-line')).toBe('12');
    expect(await marked.textContent()).toContain('- wait:');
  });

  it('opens the page getConsoleUrl() points to, and answers 404 for an unknown execution', async () => {
    emulator.deploy('greeter', GREET, { location: LOCATION });
    const rec = emulator.services.executions.create(ref, LOCATION, 'greeter', {
      argument: JSON.stringify({ name: '<b>x</b>' }),
    });
    await emulator.services.executions.whenSettled(rec);
    const response = await page.goto(url(executionPath('greeter', rec.executionId)));
    expect(response?.status()).toBe(200);
    await stateShown('SUCCEEDED');
    // Markup in values is text, never interpreted.
    expect(JSON.parse((await page.locator('#result').textContent()) ?? '')).toEqual({
      greeting: 'hello <b>x</b>',
    });
    expect(await page.locator('#result b').count()).toBe(0);
    // The step history is read once the execution is known: wait for its last step.
    await page.locator('#steps [role="treeitem"][data-step="done"]').waitFor();
    const steps = await page
      .locator('#steps [role="treeitem"]')
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-step')));
    expect(steps).toEqual(['build', 'done']);

    const missing = await page.goto(url(executionPath('greeter', '00000000-0000-4000-8000-000000000000')));
    expect(missing?.status()).toBe(404);
    await page.locator('p.error').waitFor();
    expect(await page.locator('p.error').textContent()).toContain('was not found');
    expect(await page.locator('#steps').count()).toBe(0);
  });
  it("updates a running execution's page live: new outbound calls, new steps, its state and result", async () => {
    emulator.deploy('two-calls', TWO_CALLS, { location: LOCATION });
    emulator.deps.stubs.add({
      id: 'live-items',
      method: 'GET',
      url: 'https://live.example.com/items/*',
      body: { n: 2 },
    });
    const rec = emulator.services.executions.create(ref, LOCATION, 'two-calls', {});
    await logged(rec.executionId, 'callback ready');
    await page.goto(url(executionPath('two-calls', rec.executionId)));
    await live();
    await stateShown('ACTIVE');
    const calls = page.locator('#requests tbody tr');
    await calls.first().waitFor();
    expect(await calls.count()).toBe(1);
    expect(await calls.first().textContent()).toContain('https://live.example.com/items/1');
    await page.locator('#steps [role="treeitem"][data-step="wait"]').waitFor();
    expect(await page.locator('#steps [role="treeitem"][data-step="second_call"]').count()).toBe(0);
    // The source marks the steps run so far; the one it waits in as running.
    const lineOf = (text: string) => TWO_CALLS.split('\n').findIndex((l) => l.includes(text)) + 1;
    const sourceLine = (text: string) => page.locator(`.source-lines tr[data-line="${lineOf(text)}"]`);
    await sourceLine('- wait:').and(page.locator('tr.ran-active')).waitFor();
    expect(await sourceLine('- first_call:').getAttribute('class')).toContain('ran-succeeded');
    expect(await sourceLine('- second_call:').getAttribute('class')).toBeNull();

    // Another tool delivers the callback: the page follows without being asked.
    const name = `projects/${PROJECT}/locations/${LOCATION}/workflows/two-calls/executions/${rec.executionId}`;
    const [callback] = emulator.deps.runtime.callbacks.list(name);
    const delivered = await fetch(`${emulator.url}/v1/${name}/callbacks/${callback!.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(delivered.status).toBe(200);
    await stateShown('SUCCEEDED');
    await calls.nth(1).locator('.status', { hasText: '200' }).waitFor();
    expect(await calls.count()).toBe(2);
    expect(await calls.nth(1).textContent()).toContain('https://live.example.com/items/2');
    await page.locator('#steps [role="treeitem"][data-step="done"]').waitFor();
    await sourceLine('- done:').and(page.locator('tr.ran-succeeded')).waitFor();
    expect(await sourceLine('- wait:').getAttribute('class')).toContain('ran-succeeded');
    expect(await sourceLine('- second_call:').getAttribute('class')).toContain('ran-succeeded');
    const steps = await page
      .locator('#steps [role="treeitem"]')
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-step')));
    expect(steps).toEqual(['first_call', 'create', 'ready', 'wait', 'second_call', 'done']);
    await page.locator('#result').waitFor();
    expect(JSON.parse((await page.locator('#result').textContent()) ?? '')).toEqual({ n: 2 });
    expect(await page.getByRole('button', { name: 'Cancel' }).count()).toBe(0);
  });

  it('updates the executions list live: a new execution appears, a cancelled one changes state', async () => {
    await page.goto(url('/console/workflows/executions'));
    await live();
    const started = emulator.services.executions.create(ref, LOCATION, 'sleeper', {});
    const row = page.locator(`#executions tr[data-execution="${started.executionId}"]`);
    await row.locator('.state', { hasText: 'ACTIVE' }).waitFor();
    // Newest first.
    expect(await page.locator('#executions tbody tr').first().getAttribute('data-execution')).toBe(
      started.executionId,
    );
    emulator.services.executions.cancel(ref, LOCATION, 'sleeper', started.executionId);
    await row.locator('.state', { hasText: 'CANCELLED' }).waitFor();

    // Filtered on a state, the list loses an execution that leaves it.
    const other = emulator.services.executions.create(ref, LOCATION, 'sleeper', {});
    await page.getByLabel('State').selectOption('ACTIVE');
    await page.waitForURL(/state=ACTIVE/);
    const otherRow = page.locator(`#executions tr[data-execution="${other.executionId}"]`);
    await otherRow.waitFor();
    emulator.services.executions.cancel(ref, LOCATION, 'sleeper', other.executionId);
    await otherRow.waitFor({ state: 'detached' });
  });

  it('reopens its event stream after an overflow and fetches what it shows again', async () => {
    await page.goto(url('/console/workflows/executions'));
    await live();
    const streams: string[] = [];
    const reopened = new Promise<void>((resolve) =>
      page.on('request', (r) => {
        if (!r.url().includes('/emulator/v1/events')) return;
        streams.push(r.url());
        resolve();
      }),
    );
    const refetched = reopened.then(
      () =>
        new Promise<void>((resolve) =>
          page.on('request', (r) => {
            if (r.url().includes('/emulator/v1/executions?')) resolve();
          }),
        ),
    );
    // More than the stream's buffer holds, written in one go: the page cannot read it in time.
    const filler = 'x'.repeat(1024 * 1024);
    for (let i = 0; i < 40; i++) {
      emulator.deps.events.publish('workflow', { project: 'elsewhere' }, () => ({
        change: 'updated',
        name: `projects/elsewhere/locations/${LOCATION}/workflows/filler`,
        location: LOCATION,
        workflowId: 'filler',
        revisionId: filler,
      }));
    }
    await reopened;
    await refetched;
    await live();
    expect(streams).toHaveLength(1);
    // Live again: a new execution still shows up.
    const started = emulator.services.executions.create(ref, LOCATION, 'sleeper', {});
    await page.locator(`#executions tr[data-execution="${started.executionId}"]`).waitFor();
    emulator.services.executions.cancel(ref, LOCATION, 'sleeper', started.executionId);
  });

  it('marks in the source the steps a failed execution ran and the line where it failed, and draws its path in the graph', async () => {
    emulator.deploy('divider', DIVIDER, { location: LOCATION });
    const rec = emulator.services.executions.create(ref, LOCATION, 'divider', {});
    await emulator.services.executions.whenSettled(rec);
    expect(rec.state).toBe('FAILED');
    await page.goto(url(executionPath('divider', rec.executionId)));
    const failing = page.locator('.source-lines tr.failing');
    await failing.waitFor();
    // The line of the failing expression, as the error's stack says.
    expect(await failing.getAttribute('data-line')).toBe(String(dividerLine('- ratio:')));
    expect(String(rec.error?.stackTrace.elements[0]?.position.line)).toBe(String(dividerLine('- ratio:')));
    const marked = (text: string) => page.locator(`.source-lines tr[data-line="${dividerLine(text)}"]`);
    for (const step of ['- init:', '- loop:', '- add:', '- check:'])
      expect(await marked(step).getAttribute('class'), step).toContain('ran-succeeded');
    expect(await marked('- divide:').getAttribute('class')).toContain('ran-failed');
    // Ran three times (the loop), said in text for screen readers too.
    expect(await marked('- add:').locator('td.mk .runs').textContent()).toBe('3');
    expect(await marked('- add:').locator('td.mk .visually-hidden').textContent()).toBe(
      'ran 3 times, last run succeeded',
    );
    for (const step of ['- big:', '- done:'])
      expect(await marked(step).getAttribute('class'), step).toBeNull();

    // To the graph with the keyboard: arrow keys move between the tabs.
    await page.getByRole('tab', { name: 'Source' }).focus();
    await page.keyboard.press('ArrowRight');
    const graphTab = page.getByRole('tab', { name: 'Graph' });
    expect(await graphTab.getAttribute('aria-selected')).toBe('true');
    await page.locator('.graph-svg.with-path').waitFor();
    expect(await page.evaluate('document.activeElement?.id')).toBe('path-tab-graph');
    const box = (name: string) => page.getByRole('button', { name: new RegExp(`^${name}: `) });
    expect(await box('add').getAttribute('aria-label')).toContain('ran 3 times, last run succeeded');
    expect(await box('add').getAttribute('class')).toContain('ran-succeeded');
    expect(await box('add').locator('.run-count').textContent()).toBe('×3');
    expect(await box('divide').getAttribute('class')).toMatch(/ran-failed.*failing/);
    expect(await box('big').getAttribute('class')).toContain('not-ran');
    expect(await box('big').getAttribute('aria-label')).toContain('did not run');
    // start → init → loop → check, and check's jump to divide; nothing into big, done or end.
    expect(await page.locator('.graph-svg .edge-seq.taken').count()).toBe(3);
    expect(await page.locator('.graph-svg .edge-jump.taken').count()).toBe(1);
    expect(await page.locator('.graph-svg .edge-jump:not(.taken)').count()).toBe(1);

    // A step chosen in the graph with the keyboard is shown in the source.
    await box('big').focus();
    await page.keyboard.press('Enter');
    const chosen = page.locator('.source-lines tr.marked');
    await chosen.waitFor();
    expect(await chosen.getAttribute('data-line')).toBe(String(dividerLine('- big:')));
    expect(await page.getByRole('tab', { name: 'Source' }).getAttribute('aria-selected')).toBe('true');

    // So is a step opened in the step list, from its details.
    await page.locator('#steps [role="treeitem"][data-step="check"]').click();
    await page
      .locator('#step-details')
      .getByRole('button', { name: /^Show line \d+ in the source$/ })
      .click();
    await page.locator(`.source-lines tr.marked[data-line="${dividerLine('- check:')}"]`).waitFor();
  });

  it('is readable in light and dark mode and fits at 1280×800 and 390×844, and its controls are reachable with Tab', async () => {
    emulator.deploy('divider', DIVIDER, { location: LOCATION });
    const rec = emulator.services.executions.create(ref, LOCATION, 'divider', {});
    await emulator.services.executions.whenSettled(rec);
    const looks = await inEveryLook(browser, async (p, look) => {
      const where = look.name;
      await p.goto(url(executionPath('divider', rec.executionId)));
      await p.locator('.source-lines tr.failing').waitFor();
      // The page follows the reader's scheme.
      const bodyBg = await p.evaluate('getComputedStyle(document.body).backgroundColor');
      expect(bodyBg, where).toBe(look.colorScheme === 'dark' ? 'rgb(15, 17, 21)' : 'rgb(246, 247, 249)');
      // Nothing makes the page wider than the screen (wide tables and the graph scroll in their boxes).
      expect(await pageOverflow(p), where).toBe(0);
      // Text against what is behind it: at least WCAG AA's 4.5:1.
      await expectReadable(
        p,
        [
          'h1',
          '.kicker a',
          'dl.facts dt',
          '.summary-state .state',
          '#error-stack li',
          '.legend .lg-succeeded',
          '.legend .lg-failed',
          '.legend .lg-active',
          '.source-lines tr.ran-succeeded td.mk',
          '.source-lines tr.ran-failed td.mk',
          '.source-lines tr.failing td.code',
          '.source-lines td.ln',
          '.source-lines .hljs-attr',
          '.source-lines .hljs-template-variable',
          '.source-lines .hljs-number',
          '#steps .tree-title',
          '#steps .tree-type',
          '#steps .tree-exception',
          '#steps .state-succeeded',
          '#steps .state-failed',
          '.live',
        ],
        where,
      );
      // From the top, Tab reaches the path's tabs; focus is visible where it lands.
      const reached = await tabUntil(p, "document.activeElement?.id === 'path-tab-source'");
      expect(reached, `${where}: Tab reaches the Source tab`).toBe(true);
      expect(await focusVisible(p), `${where}: focus is visible`).toBe(true);
      // On to the step list; the failing step opened there, its details readable too.
      expect(await tabUntil(p, `document.activeElement?.getAttribute('role') === 'treeitem'`)).toBe(true);
      expect(await focusVisible(p), `${where}: focus is visible in the step list`).toBe(true);
      await p.locator('#steps [role="treeitem"][data-step="divide"]').click();
      await p.locator('#step-details #step-exception').waitFor();
      expect(await pageOverflow(p), where).toBe(0);
      await expectReadable(
        p,
        [
          '#steps [aria-selected="true"] .tree-title',
          '#step-details h3',
          '#step-details dt',
          '#step-details .state-failed',
          '#step-details button.link',
          '#step-exception',
          '#step-variables-none',
          '#logs .sev-info .log-severity',
          '#logs .sev-error .log-severity',
          '#logs .sev-error .log-text',
          '#logs .log-kind',
          '#logs .log-time',
          '.filters legend',
        ],
        where,
      );
    });
    expect(looks).toBe(4);
  });

  it("lets the UI's own pages change state, and refuses a page of another origin", async () => {
    // The UI's requests passed the request guard in every test above (same origin, loopback Host).
    // A page of another site may send a "simple" cross-origin POST without a preflight; the guard
    // must refuse it before it runs. The other site is a loopback server under the name
    // attacker.test, which this browser resolves to 127.0.0.1 (so Chromium's own private-network
    // checks let the request out and the emulator's guard is what stops it).
    const site = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end('<!doctype html><title>elsewhere</title>');
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    const sitePort = (site.address() as AddressInfo).port;
    const other = await launchChromium(['--host-resolver-rules=MAP attacker.test 127.0.0.1']);
    try {
      const attacker = await other.newPage();
      await attacker.goto(`http://attacker.test:${sitePort}/`);
      const count = () =>
        emulator.deps.store.executions.list({ project: PROJECT, location: LOCATION, workflowId: 'sleeper' })
          .length;
      const before = count();
      const target = `${emulator.url}/v1/projects/${PROJECT}/locations/${LOCATION}/workflows/sleeper/executions`;
      const [response] = await Promise.all([
        attacker.waitForResponse((r) => r.url() === target),
        attacker.evaluate(
          (u) =>
            fetch(u, {
              method: 'POST',
              mode: 'no-cors',
              headers: { 'content-type': 'text/plain' },
              body: '{}',
            }).then(
              () => 'sent',
              (err: Error) => err.message,
            ),
          target,
        ),
      ]);
      expect(response.status()).toBe(403);
      // (An opaque answer: the page cannot read it, nor can this test; only the guard answers 403 here.)
      expect(count()).toBe(before);
    } finally {
      await other.close();
      await new Promise((r) => site.close(r));
    }
  });
});
