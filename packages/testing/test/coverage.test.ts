/**
 * Workflow coverage of test environments: `coverage: true`, `env.coverage()`, what teardown
 * leaves in `<dir>/.tmp`, and `finishCoverageRun` merging several environments into one report
 * with thresholds. (The vitest plugin that does this for a whole run: coverage-run.test.ts.)
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestEnvironment, finishCoverageRun } from '../src/index.js';
import { setCoverageSession } from '../src/coverage.js';

const ORDER = `main:
  params: [order]
  steps:
    - check:
        switch:
          - condition: \${order.total > 100}
            next: review
    - ship:
        return: "shipped"
    - review:
        return: "review"
`;

const INLINE = `main:
  steps:
    - hello:
        return: "hi"
`;

const dirs: string[] = [];
afterEach(async () => {
  setCoverageSession(undefined);
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'wf-testing-cov-'));
  dirs.push(d);
  return d;
}

async function workflowsDir(): Promise<{ dir: string; file: string }> {
  const dir = await tempDir();
  const file = path.join(dir, 'order.yaml');
  await writeFile(file, ORDER);
  return { dir, file };
}

describe('coverage of a test environment', () => {
  it('counts by workflow file, a workflow given as text by its virtual path; teardown leaves it for the run', async () => {
    const { dir, file } = await workflowsDir();
    const report = await tempDir();
    const env = await createTestEnvironment({ workflowsDir: dir, coverage: { dir: report } });
    env.deploy('inline', INLINE);
    expect((await env.execute('order', { total: 10 })).result).toBe('shipped');
    expect((await env.execute('order', { total: 500 })).result).toBe('review');
    const data = env.coverage()!;
    expect(Object.keys(data).sort()).toEqual([file, 'workflows/us-central1/inline.yaml'].sort());
    expect(data[file]!.s).toEqual({ 0: 2, 1: 1, 2: 1 });
    expect(data[file]!.b).toEqual({ 0: [1, 1], 1: [1] });
    expect(data['workflows/us-central1/inline.yaml']!.s).toEqual({ 0: 0 });
    // No test runner integration: no test names.
    expect(data[file]!.tests).toBeUndefined();
    await env.teardown();
    const left = await readdir(path.join(report, '.tmp'));
    expect(left).toHaveLength(1);
    const fragment = JSON.parse(await readFile(path.join(report, '.tmp', left[0]!), 'utf8')) as typeof data;
    expect(fragment[file]!.s).toEqual({ 0: 2, 1: 1, 2: 1 });
  });

  it('collects nothing without the option or the runner integration, or with coverage: false', async () => {
    const plain = await createTestEnvironment({ workflows: { inline: INLINE } });
    expect(plain.coverage()).toBeUndefined();
    await plain.teardown();
    const report = await tempDir();
    setCoverageSession({ dir: report, currentTest: () => 'suite > a test' });
    const on = await createTestEnvironment({ workflows: { inline: INLINE } });
    await on.execute('inline');
    // With the integration on: every environment collects, with the running test's name.
    expect(on.coverage()!['workflows/us-central1/inline.yaml']!.tests).toEqual({ 0: ['suite > a test'] });
    await on.teardown();
    const off = await createTestEnvironment({ workflows: { inline: INLINE }, coverage: false });
    expect(off.coverage()).toBeUndefined();
    await off.teardown();
    expect(await readdir(path.join(report, '.tmp'))).toHaveLength(1);
  });

  it('merges what several environments left into one report, and checks thresholds', async () => {
    const { dir, file } = await workflowsDir();
    const report = await tempDir();
    setCoverageSession({ dir: report });
    for (const total of [10, 20]) {
      const env = await createTestEnvironment({ workflowsDir: dir });
      await env.execute('order', { total });
      await env.teardown();
    }
    let text = '';
    const { coverage, failures } = await finishCoverageRun(report, {
      reporters: ['json', 'text-summary'],
      thresholds: { statements: 100, branches: 50 },
      print: (t) => (text += t),
    });
    expect(coverage[file]!.s).toEqual({ 0: 2, 1: 2, 2: 0 });
    expect(coverage[file]!.b).toEqual({ 0: [0, 2], 1: [0] });
    expect(failures).toEqual([
      'all files: statements 66.66% (2/3) is below the threshold of 100%',
      'all files: branches 33.33% (1/3) is below the threshold of 50%',
    ]);
    expect(text).toContain('Statements   : 66.66% ( 2/3 )');
    expect(text).toContain('Branches     : 33.33% ( 1/3 )');
    const final = JSON.parse(
      await readFile(path.join(report, 'coverage-final.json'), 'utf8'),
    ) as typeof coverage;
    expect(final[file]!.s).toEqual({ 0: 2, 1: 2, 2: 0 });
    // What the environments left is gone once merged.
    expect(await readdir(report)).not.toContain('.tmp');
  });
});
