/**
 * The HTML coverage report (istanbul-reports' html, with the tests that ran each line added) of a
 * workflow, opened in a real headless Chromium: the YAML with hits per line, the step that never
 * ran and the branch never taken marked, the tests on hover and in the list under the source.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCoverageReports } from '../../src/coverage-report.js';
import { WorkflowCoverage } from '../../src/runtime/coverage.js';
import { run } from '../runtime/harness.js';
import { CHROMIUM_MISSING, launchChromium, requireBrowserWhenAsked } from './ui-harness.js';

requireBrowserWhenAsked();

const WORKFLOW = `main:
  params: [n]
  steps:
    - check:
        switch:
          - condition: \${n > 0}
            next: positive
    - never_ran:
        return: "zero or less"
    - positive:
        return: "positive"
`;

describe('HTML coverage report in headless Chromium', () => {
  if (CHROMIUM_MISSING !== undefined) {
    it('shows the YAML with its coverage', (ctx) => ctx.skip(CHROMIUM_MISSING));
    return;
  }
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'wf-coverage-html-'));
    let test = '';
    const coverage = new WorkflowCoverage({ currentTest: () => test });
    for (const [name, n] of [
      ['orders.test.ts > one', 1],
      ['orders.test.ts > two', 2],
    ] as const) {
      test = name;
      await run(WORKFLOW, { argument: n, tracers: [coverage.observer()] });
    }
    await writeCoverageReports(coverage.toJSON(), { dir, reporters: ['html'] });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('marks the step that never ran and the branch never taken, with hits and tests per line', async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    // One file: its page is named after it at the top of the report.
    await page.goto(pathToFileURL(path.join(dir, 'wf.yaml.html')).href);
    expect(await page.locator('h1').innerText()).toContain('wf.yaml');
    // Hits per line: the first column after the line numbers, one entry per source line.
    const hits = await page
      .locator('td.line-coverage span.cline-any')
      .evaluateAll((spans) =>
        spans.map((s) => ({ text: s.textContent?.trim(), cls: s.className, title: s.getAttribute('title') })),
      );
    expect(hits).toHaveLength(WORKFLOW.split('\n').length);
    expect(hits[3]).toEqual({
      text: '2x',
      cls: 'cline-any cline-yes',
      title: 'Run by: orders.test.ts > one; orders.test.ts > two',
    });
    // `- never_ran:` (line 8): no hits, and the step's name marked as not covered.
    expect(hits[7]).toMatchObject({ cls: 'cline-any cline-no', title: null });
    const uncovered = page.locator('span.cstat-no');
    expect(await uncovered.count()).toBe(1);
    expect(await uncovered.innerText()).toBe('never_ran:');
    expect(await uncovered.getAttribute('title')).toBe('statement not covered');
    // The switch's "no condition matched" arm (its `switch` key) was never taken.
    const branch = page.locator('span.cbranch-no');
    expect(await branch.count()).toBe(1);
    // (istanbul-reports marks from the start of the line's text and one character past the end.)
    expect((await branch.innerText()).trim()).toBe('switch:');
    expect(await branch.getAttribute('title')).toBe('branch not covered');
    // The list of tests under the source, each line linked.
    const items = await page.locator('.workflow-tests li').allInnerTexts();
    expect(items).toEqual([
      'line 4: orders.test.ts > one, orders.test.ts > two',
      'line 10: orders.test.ts > one, orders.test.ts > two',
    ]);
    await page.screenshot({ path: path.join(dir, 'report.png'), fullPage: true });
    await page.close();
  });
});
