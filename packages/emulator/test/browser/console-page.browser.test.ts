/**
 * The console page (where the client's getConsoleUrl() points in emulator mode) as the server
 * renders it when the UI bundle is not built (ui.browser.test.ts covers the built UI at the same
 * URL), in a real headless Chromium. Without Chromium the tests skip and the summary says why;
 * CI installs Debian's chromium (`.ci/run`) and sets WORKFLOWS_KIT_REQUIRE_BROWSER=1, so there a
 * missing browser fails the run instead.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator.js';
import { CHROMIUM_MISSING, launchChromium, requireBrowserWhenAsked } from './ui-harness.js';

requireBrowserWhenAsked();

const WORKFLOW = `
main:
  params: [args]
  steps:
    - greet:
        assign:
          - greeting: \${"<b>hi</b> " + args.name}
    - check:
        switch:
          - condition: \${args.fail}
            raise:
              message: \${"refused " + args.name}
              code: 409
    - done:
        return:
          greeting: \${greeting}
`;

describe('console page in headless Chromium', () => {
  if (CHROMIUM_MISSING !== undefined) {
    it('renders the console page in a browser', (ctx) => ctx.skip(CHROMIUM_MISSING));
    return;
  }
  let emulator: RunningEmulator;
  let browser: Browser;

  beforeAll(async () => {
    // A directory without a bundle: the server renders the page itself.
    emulator = await startEmulator({
      host: '127.0.0.1',
      port: 0,
      projectId: 'console-proj',
      uiDir: join(tmpdir(), 'workflows-emulator-no-ui-bundle'),
    });
    emulator.deploy('greeter', WORKFLOW, { location: 'europe-west1' });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await emulator?.stop();
  });

  async function runExecution(argument: unknown): Promise<string> {
    const base = `${emulator.url}/v1/projects/console-proj/locations/europe-west1/workflows/greeter/executions`;
    const created = (await (
      await fetch(base, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ argument: JSON.stringify(argument) }),
      })
    ).json()) as { name: string };
    for (;;) {
      const ex = (await (await fetch(`${emulator.url}/v1/${created.name}`)).json()) as { state: string };
      if (ex.state !== 'ACTIVE' && ex.state !== 'QUEUED') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    return created.name.split('/').pop()!;
  }

  const pageUrl = (id: string) =>
    `${emulator.url}/console/workflows/workflow/europe-west1/greeter/execution/${id}?project=console-proj`;

  it('shows a succeeded execution: state, argument, result and the steps it took', async () => {
    const id = await runExecution({ name: 'ann', fail: false });
    const page = await browser.newPage();
    const response = await page.goto(pageUrl(id));
    expect(response?.status()).toBe(200);
    expect(await page.locator('h1 .state').textContent()).toBe('SUCCEEDED');
    expect(JSON.parse((await page.locator('#argument').textContent()) ?? '')).toEqual({
      name: 'ann',
      fail: false,
    });
    // The HTML in the result is shown as text, never interpreted.
    expect(JSON.parse((await page.locator('#result').textContent()) ?? '')).toEqual({
      greeting: '<b>hi</b> ann',
    });
    expect(await page.locator('#result b').count()).toBe(0);
    const steps = await page.locator('#steps tr td:nth-child(3)').allTextContents();
    expect(steps).toEqual(['greet', 'check', 'done']);
    await page.close();
  });

  it('shows a failed execution with its error payload, context and the failing step', async () => {
    const id = await runExecution({ name: 'bob', fail: true });
    const page = await browser.newPage();
    await page.goto(pageUrl(id));
    expect(await page.locator('h1 .state').textContent()).toBe('FAILED');
    expect(JSON.parse((await page.locator('#error-payload').textContent()) ?? '')).toEqual({
      code: 409,
      message: 'refused bob',
    });
    expect(await page.locator('#error-context').textContent()).toContain('in step "check", routine "main"');
    const states = await page.locator('#steps tr td:nth-child(5)').allTextContents();
    expect(states).toEqual(['STATE_SUCCEEDED', 'STATE_FAILED']);
    await page.close();
  });

  it('answers an unknown execution with a 404 page', async () => {
    const page = await browser.newPage();
    const response = await page.goto(pageUrl('00000000-0000-4000-8000-000000000000'));
    expect(response?.status()).toBe(404);
    await page.close();
  });
});
