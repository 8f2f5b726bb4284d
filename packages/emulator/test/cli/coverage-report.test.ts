/**
 * Workflow coverage through the Istanbul libraries: merging (runs, workers, JavaScript coverage),
 * `coverage-final.json` with the sources of text deployments beside it, lcov read back with
 * `lcov-parse`, cobertura, the text table, and thresholds.
 */
import { createRequire } from 'node:module';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  checkCoverageThresholds,
  mergeWorkflowCoverage,
  readWorkflowCoverage,
  writeCoverageReports,
} from '../../src/coverage-report.js';
import { WorkflowCoverage, type WorkflowCoverageData } from '../../src/runtime/coverage.js';
import { run } from '../runtime/harness.js';

interface LcovRecord {
  file: string;
  lines: { found: number; hit: number; details: { line: number; hit: number }[] };
  functions: { found: number; hit: number; details: { name: string; line: number; hit: number }[] };
  branches: {
    found: number;
    hit: number;
    details: { line: number; block: number; branch: number; taken: number }[];
  };
}
const lcovParse = createRequire(import.meta.url)('lcov-parse') as (
  input: string,
  cb: (err: string | null, data?: LcovRecord[]) => void,
) => void;
const parseLcov = (file: string) =>
  new Promise<LcovRecord[]>((resolve, reject) =>
    lcovParse(file, (err, data) => (err ? reject(new Error(err)) : resolve(data!))),
  );

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'wf-coverage-'));
  dirs.push(d);
  return d;
}

const ROUTE = `main:
  params: [n]
  steps:
    - check:
        switch:
          - condition: \${n > 0}
            next: positive
    - other:
        return: "zero or less"
    - positive:
        call: label
        args:
          n: \${n}
        result: r
    - done:
        return: \${r}
label:
  params: [n]
  steps:
    - make:
        return: \${"n=" + string(n)}
`;

async function collect(runs: { n: number; test?: string }[], source = ROUTE): Promise<WorkflowCoverageData> {
  let test: string | undefined;
  const coverage = new WorkflowCoverage({ currentTest: () => test });
  for (const r of runs) {
    test = r.test;
    await run(source, { argument: r.n, tracers: [coverage.observer()] });
  }
  return coverage.toJSON();
}

const KEY = 'workflows/us-central1/wf.yaml';

describe('merging workflow coverage', () => {
  it('adds the counts of several runs and joins the tests that ran each statement', async () => {
    const a = await collect([{ n: 1, test: 'a.test.ts > positive' }]);
    const b = await collect([
      { n: 0, test: 'b.test.ts > zero' },
      { n: 5, test: 'b.test.ts > five' },
    ]);
    const merged = mergeWorkflowCoverage([a, b]);
    expect(Object.keys(merged)).toEqual([KEY]);
    const file = merged[KEY]!;
    // check, other, positive, done, make
    expect(file.s).toEqual({ 0: 3, 1: 1, 2: 2, 3: 2, 4: 2 });
    expect(file.f).toEqual({ 0: 3, 1: 2 });
    // The switch (condition, no match) and the condition's next.
    expect(file.b).toEqual({ 0: [2, 1], 1: [2] });
    expect(file.tests).toEqual({
      0: ['a.test.ts > positive', 'b.test.ts > five', 'b.test.ts > zero'],
      1: ['b.test.ts > zero'],
      2: ['a.test.ts > positive', 'b.test.ts > five'],
      3: ['a.test.ts > positive', 'b.test.ts > five'],
      4: ['a.test.ts > positive', 'b.test.ts > five'],
    });
    expect(file.source).toBe(ROUTE);
  });

  it('keeps two texts deployed under one virtual path apart, each under the path with its hash', async () => {
    const other = ROUTE.replace('"zero or less"', '"nothing"');
    const merged = mergeWorkflowCoverage([await collect([{ n: 1 }]), await collect([{ n: 0 }], other)]);
    const keys = Object.keys(merged).sort();
    expect(keys).toHaveLength(2);
    for (const k of keys) expect(k).toMatch(/^workflows\/us-central1\/wf\.[0-9a-f]{8}\.yaml$/);
    const byText = new Map(keys.map((k) => [merged[k]!.source, merged[k]!]));
    expect(byText.get(ROUTE)!.s['1']).toBe(0);
    expect(byText.get(other)!.s['1']).toBe(1);
  });
});

describe('reports', () => {
  it('writes coverage-final.json with the source beside, and reads it back', async () => {
    const dir = await tempDir();
    const data = await collect([{ n: 1, test: 't > one' }]);
    await writeCoverageReports(data, { dir, reporters: ['json'] });
    const written = JSON.parse(
      await readFile(path.join(dir, 'coverage-final.json'), 'utf8'),
    ) as WorkflowCoverageData;
    const abs = path.join(dir, KEY);
    expect(Object.keys(written)).toEqual([abs]);
    expect(written[abs]!.path).toBe(abs);
    expect(written[abs]!.virtualPath).toBe(KEY);
    expect(written[abs]!.source).toBeUndefined();
    expect(written[abs]!.tests).toEqual(data[KEY]!.tests);
    expect(await readFile(abs, 'utf8')).toBe(ROUTE);
    const back = await readWorkflowCoverage(dir);
    expect(Object.keys(back)).toEqual([KEY]);
    expect(back[KEY]!.s).toEqual(data[KEY]!.s);
    expect(back[KEY]!.b).toEqual(data[KEY]!.b);
    expect(back[KEY]!.source).toBe(ROUTE);
  });

  it('writes lcov that lcov-parse reads: lines, subworkflows and branches of the YAML', async () => {
    const dir = await tempDir();
    await writeCoverageReports(await collect([{ n: 1 }, { n: 2 }]), {
      dir,
      reporters: ['lcovonly'],
      projectRoot: dir,
    });
    const [record, ...rest] = await parseLcov(path.join(dir, 'lcov.info'));
    expect(rest).toEqual([]);
    expect(record!.file).toBe(KEY);
    expect(record!.lines.details).toEqual([
      { line: 4, hit: 2 },
      { line: 8, hit: 0 },
      { line: 10, hit: 2 },
      { line: 15, hit: 2 },
      { line: 20, hit: 2 },
    ]);
    expect(record!.lines).toMatchObject({ found: 5, hit: 4 });
    expect(record!.functions.details).toEqual([
      { name: 'main', line: 1, hit: 2 },
      { name: 'label', line: 17, hit: 2 },
    ]);
    expect(record!.branches.details).toEqual([
      { line: 5, block: 0, branch: 0, taken: 2 },
      { line: 5, block: 0, branch: 1, taken: 0 },
      { line: 7, block: 1, branch: 0, taken: 2 },
    ]);
  });

  it('merges with JavaScript coverage into one table; cobertura names the YAML', async () => {
    const dir = await tempDir();
    const js = path.join(dir, 'app.js');
    await writeFile(js, 'export function f() {\n  return 1;\n}\n');
    const jsCoverage = {
      [js]: {
        path: js,
        statementMap: { 0: { start: { line: 2, column: 2 }, end: { line: 2, column: 11 } } },
        fnMap: {
          0: {
            name: 'f',
            decl: { start: { line: 1, column: 16 }, end: { line: 1, column: 17 } },
            loc: { start: { line: 1, column: 20 }, end: { line: 3, column: 1 } },
            line: 1,
          },
        },
        branchMap: {},
        s: { 0: 0 },
        f: { 0: 0 },
        b: {},
      },
    } as WorkflowCoverageData;
    const merged = mergeWorkflowCoverage([jsCoverage, await collect([{ n: 1 }])]);
    let text = '';
    await writeCoverageReports(merged, {
      dir,
      reporters: ['text', 'cobertura'],
      print: (t) => (text += t),
      projectRoot: dir,
    });
    const rows = text.split('\n').filter((l) => l.includes('|'));
    expect(rows.find((l) => l.trimStart().startsWith('app.js'))).toMatch(
      /app\.js\s+\|\s+0\s+\|\s+100\s+\|\s+0\s+\|\s+0\s+\|\s+2/,
    );
    expect(rows.find((l) => l.trimStart().startsWith('wf.yaml'))).toMatch(
      /wf\.yaml\s+\|\s+80\s+\|\s+66\.66\s+\|\s+100\s+\|\s+80\s+\|\s+8/,
    );
    // All files: 4 of 6 statements, 2 of 3 functions.
    expect(rows.find((l) => l.startsWith('All files'))).toMatch(
      /All files\s+\|\s+66\.66\s+\|\s+66\.66\s+\|\s+66\.66\s+\|/,
    );
    const xml = await readFile(path.join(dir, 'cobertura-coverage.xml'), 'utf8');
    expect(xml).toContain('filename="workflows/us-central1/wf.yaml"');
    expect(xml).toContain('filename="app.js"');
  });

  it('refuses what is not coverage, naming the file', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'a.json'), '{ not json');
    await expect(readWorkflowCoverage(path.join(dir, 'a.json'))).rejects.toThrow(
      /a\.json: not JSON coverage/,
    );
    await writeFile(path.join(dir, 'b.json'), '{"x.yaml": {"path": "x.yaml", "s": {}}}');
    await expect(readWorkflowCoverage(path.join(dir, 'b.json'))).rejects.toThrow(
      "b.json: the coverage of 'x.yaml' lacks statementMap, s, fnMap, f, branchMap or b",
    );
    await expect(readWorkflowCoverage(await tempDir())).rejects.toThrow(
      /no coverage-final\.json and no \*\.json/,
    );
  });
});

describe('thresholds', () => {
  it('names the file, the figure and the threshold of each one not met', async () => {
    const data = await collect([{ n: 1 }]);
    // 4/5 statements (80%), 1/2 switch arms + 1/1 next (66.66%), 2/2 functions.
    expect(checkCoverageThresholds(data, { statements: 80, branches: 60, functions: 100 })).toEqual([]);
    expect(checkCoverageThresholds(data, { statements: 90, branches: 70, lines: 75 })).toEqual([
      'all files: statements 80% (4/5) is below the threshold of 90%',
      'all files: branches 66.66% (2/3) is below the threshold of 70%',
    ]);
    expect(checkCoverageThresholds(data, { statements: 81, perFile: true })).toEqual([
      `${KEY}: statements 80% (4/5) is below the threshold of 81%`,
    ]);
  });
});
