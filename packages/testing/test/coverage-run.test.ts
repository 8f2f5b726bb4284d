/**
 * `workflowsCoverage()` in a real vitest run of its own: the examples' suites (every test file,
 * in parallel workers) make one report, read back with `lcov-parse`; a suite below its
 * thresholds fails the run, naming the file and the figure.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { WorkflowCoverageData } from '@workflows-kit/emulator/coverage';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/coverage-run/', import.meta.url));
// vitest's own command (its package exports no path to it; it sits beside package.json).
const VITEST = path.join(
  path.dirname(createRequire(import.meta.url).resolve('vitest/package.json')),
  'vitest.mjs',
);

interface LcovRecord {
  file: string;
  lines: { found: number; hit: number; details: { line: number; hit: number }[] };
  functions: { found: number; hit: number };
  branches: { found: number; hit: number; details: { line: number; taken: number }[] };
}
const lcovParse = createRequire(import.meta.url)('lcov-parse') as (
  input: string,
  cb: (err: string | null, data?: LcovRecord[]) => void,
) => void;

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

function vitest(
  config: string,
  reportDir: string,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [VITEST, 'run', '--config', config], {
      cwd: ROOT,
      env: { ...process.env, COVERAGE_RUN_DIR: reportDir, METADATA_SERVER_DETECTION: 'none', NO_COLOR: '1' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('workflowsCoverage() in a vitest run', () => {
  it("merges the examples' suites into one report: the text table, lcov, and the tests behind each step", async () => {
    const report = await mkdtemp(path.join(tmpdir(), 'wf-coverage-run-'));
    dirs.push(report);
    const { code, out, err } = await vitest(path.join(FIXTURES, 'examples.config.ts'), report);
    expect(code, `${out}\n${err}`).toBe(0);
    expect(out).toContain('Test Files  2 passed (2)');
    expect(out).toContain(`Workflow coverage (report in ${path.relative(ROOT, report)}/)`);
    expect(out).toMatch(/process-order\.yaml\s+\|\s+100\s+\|/);
    expect(out).toMatch(/data-pipeline\.yaml\s+\|\s+100\s+\|/);
    expect(out).toContain('=============================== Coverage summary');

    const records = await new Promise<LcovRecord[]>((resolve, reject) =>
      lcovParse(path.join(report, 'lcov.info'), (e, data) => (e ? reject(new Error(e)) : resolve(data!))),
    );
    expect(records.map((r) => r.file).sort()).toEqual([
      'examples/data-pipeline/workflows/data-pipeline.yaml',
      'examples/process-order/workflows/process-order.yaml',
    ]);
    for (const r of records) {
      // Every step of both workflows ran; each record's figures agree with its details.
      expect(r.lines.hit).toBe(r.lines.found);
      expect(r.lines.details.every((d) => d.hit > 0)).toBe(true);
      expect(r.functions.hit).toBe(r.functions.found);
      expect(r.branches.hit).toBe(r.branches.details.filter((d) => d.taken > 0).length);
      expect(r.branches.found).toBe(r.branches.details.length);
    }

    const final = JSON.parse(
      await readFile(path.join(report, 'coverage-final.json'), 'utf8'),
    ) as WorkflowCoverageData;
    const order = final[path.join(ROOT, 'examples/process-order/workflows/process-order.yaml')]!;
    const tests = new Set(Object.values(order.tests ?? {}).flat());
    expect(tests).toContain(
      'examples/process-order/test/process-order.test.ts > POST /orders/:id/process and GET /orders/:id > validates, pays and confirms the order (happy path)',
    );
    // The environments' files were merged and removed; the HTML report is there.
    const written = await readdir(report);
    expect(written).not.toContain('.tmp');
    expect(written).toContain('index.html');
  }, 120_000);

  it('fails the run when a threshold is not met, naming the file and the figure', async () => {
    const report = await mkdtemp(path.join(tmpdir(), 'wf-coverage-run-'));
    dirs.push(report);
    const { code, out, err } = await vitest(path.join(FIXTURES, 'threshold.config.ts'), report);
    expect(out).toContain('Tests  1 passed (1)');
    expect(code).toBe(1);
    const file = path.relative(ROOT, path.join(FIXTURES, 'workflows/grade.yaml'));
    // statements 1/2 (50% < 60%), branches: the switch's condition taken, "no match" not (50% < 90%).
    expect(err).toContain(
      `ERROR: workflow coverage threshold not met: ${file}: statements 50% (1/2) is below the threshold of 60%`,
    );
    expect(err).toContain(
      `ERROR: workflow coverage threshold not met: ${file}: branches 50% (1/2) is below the threshold of 90%`,
    );
  }, 120_000);
});
