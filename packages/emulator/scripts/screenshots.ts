/**
 * Screenshots of every page of the developer UI, from the examples, in light and dark mode at
 * 1280×800 and 390×844: `pnpm --filter @workflows-kit/emulator screenshots [OUT_DIR]`
 * (default `packages/emulator/screenshots/`, not committed). The README's two pictures (an
 * execution's path in the graph; a failed execution in dark mode, down to the line where it
 * failed) are written to `packages/emulator/docs/`.
 *
 * Executions run at the detailed history level with every call logged, so the step details show
 * variables and log lines. The emulator runs in-process on a loopback port; the examples' workflow directories are
 * watched as `pnpm start` watches them, with their stubs, plus one showcase workflow (loops,
 * parallel branches, try/except, a callback) and one broken file for the deploy-problems panel.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FSWatcher } from 'node:fs';
import { startEmulator } from '../src/emulator.js';
import { loadStubsFile } from '../src/stubs/index.js';
import { watchWorkflowsDirectory } from '../src/server/workflow-files.js';
import { buildUiBundle, launchChromium } from '../test/browser/ui-harness.js';

const PKG = fileURLToPath(new URL('..', import.meta.url));
const REPO = resolve(PKG, '../..');
const OUT = resolve(process.argv[2] ?? join(PKG, 'screenshots'));
const DOCS = join(PKG, 'docs');

export const SHOWCASE = `# Every kind of block, for the step graph.
main:
  params: [args]
  steps:
    - init:
        assign:
          - total: 0
          - results: {}
    - sum_items:
        for:
          value: item
          in: \${args.items}
          steps:
            - add:
                assign:
                  - total: \${total + item}
    - fan_out:
        parallel:
          shared: [results]
          branches:
            - inventory:
                steps:
                  - check_stock:
                      call: http.get
                      args:
                        url: https://api.example.com/stock
                      result: stock
                  - keep_stock:
                      assign:
                        - results.stock: \${stock.body}
            - pricing:
                steps:
                  - price:
                      assign:
                        - results.price: \${total * 2}
    - classify:
        switch:
          - condition: \${total > 100}
            next: big_order
          - condition: \${total > 10}
            steps:
              - medium:
                  assign:
                    - size: medium
          - condition: true
            assign:
              - size: small
    - approval:
        try:
          steps:
            - create_callback:
                call: events.create_callback_endpoint
                args:
                  http_callback_method: POST
                result: callback
            - await_approval:
                call: events.await_callback
                args:
                  callback: \${callback}
                  timeout: 3600
                result: approval
        except:
          as: e
          steps:
            - log_timeout:
                call: sys.log
                args:
                  text: \${e.message}
            - reject:
                raise: \${e}
    - done:
        return:
          total: \${total}
          approved: \${approval.http_request.body}
    - big_order:
        call: notify
        args:
          total: \${total}
        next: end

notify:
  params: [total]
  steps:
    - post:
        call: http.post
        args:
          url: https://api.example.com/big-orders
          body:
            total: \${total}
`;

const BROKEN = `main:
  steps:
    - greet:
        assign:
          - message: \${"hello " + }
    - done:
        next: nowhere
`;

interface Shot {
  name: string;
  path: string;
  /** Waits for the page's data before the picture is taken. */
  ready: string;
  /** Then does this (e.g. picks a tab) and waits for its selector. */
  then?: { click: string; ready: string };
  fullPage?: boolean;
}

async function main(): Promise<void> {
  await mkdir(OUT, { recursive: true });
  await mkdir(DOCS, { recursive: true });
  const uiDir = await buildUiBundle();
  const extraDir = await mkdtemp(join(tmpdir(), 'wf-showcase-'));
  await writeFile(join(extraDir, 'showcase.yaml'), SHOWCASE);
  await writeFile(join(extraDir, 'greeter.yaml'), BROKEN);

  const emulator = await startEmulator({ host: '127.0.0.1', port: 0, uiDir });
  const watchers: FSWatcher[] = [];
  try {
    for (const file of ['examples/process-order/stubs.yaml', 'examples/data-pipeline/stubs.yaml'])
      emulator.deps.stubs.addAll(await loadStubsFile(join(REPO, file)));
    emulator.deps.stubs.add({ method: 'GET', url: 'https://api.example.com/stock', body: { widgets: 12 } });
    const project = emulator.deps.config.projectId;
    for (const [location, dir] of [
      ['europe-west1', join(REPO, 'examples/process-order/workflows')],
      ['us-central1', join(REPO, 'examples/data-pipeline/workflows')],
      ['us-central1', extraDir],
    ] as const) {
      watchers.push(
        await watchWorkflowsDirectory({
          dir,
          project,
          location,
          files: emulator.deps.files,
          deploy: (id, source) => emulator.deploy(id, source, { location }),
        }),
      );
    }

    const ex = emulator.services.executions;
    const ref = { alias: project, project };
    // At the detailed history level with every call logged: the pictures show variables and logs.
    const run = async (location: string, workflow: string, argument: unknown, wait = true) => {
      const rec = ex.create(ref, location, workflow, {
        argument: JSON.stringify(argument),
        executionHistoryLevel: 'EXECUTION_HISTORY_DETAILED',
        callLogLevel: 'LOG_ALL_CALLS',
      });
      if (wait) await ex.whenSettled(rec);
      return rec;
    };
    const order = {
      order_id: 'ord-1001',
      customer_email: 'ada@example.com',
      amount: 42.5,
      items: [{ sku: 'widget', quantity: 3 }],
    };
    const ok = await run('europe-west1', 'process-order', order);
    // A declined card: the payments stub answers 402 for this one call.
    emulator.deps.stubs.add({
      method: 'POST',
      url: 'https://api.example.com/payments',
      times: 1,
      status: 402,
      body: { error: 'card_declined' },
    });
    const failed = await run('europe-west1', 'process-order', { ...order, order_id: 'ord-1002' });
    await run('us-central1', 'showcase', { items: [50, 70] });
    const waiting = await run('us-central1', 'showcase', { items: [3, 4, 5] }, false);
    await run(
      'us-central1',
      'data-pipeline',
      {
        dataset_id: 'sales-2026',
        processing_mode: 'full',
        notification_email: 'ops@example.com',
      },
      false,
    );
    // Let the running ones reach their waits (a callback, a 20 s poll) before the pictures.
    await new Promise((r) => setTimeout(r, 500));

    const exec = (location: string, workflow: string, id: string) =>
      `/console/workflows/workflow/${location}/${workflow}/execution/${id}`;
    const shots: Shot[] = [
      { name: 'workflows', path: '/', ready: '#deploy-problems' },
      {
        name: 'workflow-source',
        path: '/console/workflows/workflow/us-central1/data-pipeline',
        ready: '.source-lines',
      },
      {
        name: 'workflow-graph',
        path: '/console/workflows/workflow/us-central1/showcase?tab=graph',
        ready: '.graph-svg',
      },
      {
        name: 'workflow-revisions',
        path: '/console/workflows/workflow/europe-west1/process-order?tab=revisions',
        ready: '#revisions',
      },
      { name: 'executions', path: '/console/workflows/executions', ready: '#executions' },
      {
        name: 'execution-succeeded',
        path: exec('europe-west1', 'process-order', ok.executionId),
        ready: '.source-lines tr.ran',
      },
      {
        name: 'execution-failed',
        path: exec('europe-west1', 'process-order', failed.executionId),
        ready: '.source-lines tr.failing',
      },
      {
        name: 'execution-waiting',
        path: exec('us-central1', 'showcase', waiting.executionId),
        ready: '.source-lines tr.ran',
      },
      {
        name: 'execution-graph',
        path: exec('us-central1', 'showcase', waiting.executionId),
        ready: '.source-lines tr.ran',
        then: { click: '#path-tab-graph', ready: '.graph-svg.with-path' },
      },
      {
        name: 'execution-failed-graph',
        path: exec('europe-west1', 'process-order', failed.executionId),
        ready: '.source-lines tr.failing',
        then: { click: '#path-tab-graph', ready: '.graph-svg .failing' },
      },
      {
        name: 'execution-step',
        path: exec('europe-west1', 'process-order', ok.executionId),
        ready: '#steps [data-step="send_confirmation"]',
        then: { click: '#steps [data-step="send_confirmation"]', ready: '#step-details #step-calls' },
      },
      {
        name: 'execution-step-failed',
        path: exec('europe-west1', 'process-order', failed.executionId),
        ready: '#steps .has-exception',
        then: { click: '#steps .has-exception', ready: '#step-details #step-exception' },
      },
      { name: 'stubs', path: '/console/workflows/stubs', ready: '#requests' },
    ];
    const browser = await launchChromium();
    try {
      for (const scheme of ['light', 'dark'] as const) {
        for (const [size, viewport] of [
          ['1280', { width: 1280, height: 800 }],
          ['390', { width: 390, height: 844 }],
        ] as const) {
          const context = await browser.newContext({ viewport, colorScheme: scheme, deviceScaleFactor: 1 });
          const page = await context.newPage();
          for (const shot of shots) {
            await page.goto(`${emulator.url}${shot.path}`);
            await page.waitForSelector(shot.ready);
            if (shot.then) {
              await page.click(shot.then.click);
              await page.waitForSelector(shot.then.ready);
              // A click may scroll; the sticky top bar belongs at the top of a full-page picture.
              await page.evaluate('window.scrollTo(0, 0)');
            }
            const file = join(OUT, `${shot.name}-${scheme}-${size}.png`);
            await page.screenshot({ path: file, fullPage: shot.fullPage ?? true });
            console.log(file);
          }
          await context.close();
        }
      }

      // The README's pictures, at 1280 wide: the path panel alone; the failed execution's page
      // from the top down to its source.
      const light = await browser.newContext({
        viewport: { width: 1280, height: 800 },
        colorScheme: 'light',
      });
      const pathPage = await light.newPage();
      await pathPage.goto(`${emulator.url}${exec('us-central1', 'showcase', waiting.executionId)}`);
      await pathPage.waitForSelector('.source-lines tr.ran');
      await pathPage.click('#path-tab-graph');
      await pathPage.waitForSelector('.graph-svg.with-path');
      // A clip of the full page: an element's own screenshot scrolls it under the sticky top bar.
      await pathPage.evaluate('window.scrollTo(0, 0)');
      const box = await pathPage.locator('.run-path').boundingBox();
      if (!box) throw new Error('the path panel is not on the page');
      await pathPage.screenshot({
        path: join(DOCS, 'ui-execution-path.png'),
        fullPage: true,
        clip: { x: box.x, y: box.y, width: box.width, height: box.height },
      });
      await light.close();
      const dark = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
      const failedPage = await dark.newPage();
      await failedPage.goto(`${emulator.url}${exec('europe-west1', 'process-order', failed.executionId)}`);
      await failedPage.waitForSelector('.source-lines tr.failing');
      const bottom = await failedPage.locator('.run-path').evaluate((el) => {
        const r = el.getBoundingClientRect();
        return r.bottom;
      });
      await failedPage.screenshot({
        path: join(DOCS, 'ui-execution-dark.png'),
        fullPage: true,
        clip: { x: 0, y: 0, width: 1280, height: Math.ceil(bottom) + 16 },
      });
      await dark.close();
      console.log(join(DOCS, 'ui-execution-path.png'));
      console.log(join(DOCS, 'ui-execution-dark.png'));
    } finally {
      await browser.close();
    }
  } finally {
    for (const w of watchers) w.close();
    await emulator.stop();
    await rm(extraDir, { recursive: true, force: true });
    await rm(uiDir, { recursive: true, force: true });
  }
}

await main();
