/**
 * Workflow coverage counted by the coverage observer, every counter asserted: statements at any
 * depth, subworkflows, and each branch kind (switch, try, retry, for, parallel, next).
 */
import { describe, expect, it } from 'vitest';
import {
  virtualWorkflowPath,
  WorkflowCoverage,
  type WorkflowCoverageData,
  type WorkflowFileCoverage,
} from '../../src/runtime/coverage.js';
import { loadWorkflow } from '../../src/source/index.js';
import type { WorkflowDefinition } from '../../src/source/types.js';
import { run, type FakeHttpRoute } from './harness.js';

/** Readable counts: statements by step name, functions by name, branches by `type line` (arms in order). */
function counts(file: WorkflowFileCoverage, source: string) {
  const lines = source.split('\n');
  const nameAt = (r: { start: { line: number; column: number } }) =>
    /^[\w$]+/.exec((lines[r.start.line - 1] ?? '').slice(r.start.column))?.[0] ?? '?';
  return {
    statements: Object.fromEntries(
      Object.entries(file.statementMap).map(([id, r]) => [nameAt(r), file.s[id]]),
    ),
    functions: Object.fromEntries(Object.entries(file.fnMap).map(([id, fn]) => [fn.name, file.f[id]])),
    branches: Object.fromEntries(
      Object.entries(file.branchMap).map(([id, b]) => [`${b.type} ${b.line}`, file.b[id]]),
    ),
  };
}

function single(data: WorkflowCoverageData): WorkflowFileCoverage {
  const files = Object.values(data);
  expect(files).toHaveLength(1);
  return files[0]!;
}

/** 1-based line of the first line of `source` containing `text`. */
function lineOf(source: string, text: string): number {
  const i = source.split('\n').findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`not in the source: ${text}`);
  return i + 1;
}

async function runAll(
  coverage: WorkflowCoverage,
  source: string,
  runs: { argument?: unknown; routes?: FakeHttpRoute[] }[],
): Promise<string[]> {
  const states: string[] = [];
  for (const r of runs) {
    const result = await run(source, { ...r, tracers: [coverage.observer()] });
    states.push(result.outcome.state);
  }
  return states;
}

function definitionOf(source: string): WorkflowDefinition {
  const loaded = loadWorkflow(source);
  if (!loaded.ok) throw new Error('does not load');
  return loaded.definition;
}

const NESTED = `main:
  params: [args]
  steps:
    - start:
        assign:
          - acc: []
    - block:
        steps:
          - inBlock:
              assign:
                - acc: \${list.concat(acc, "block")}
    - each:
        for:
          value: v
          in: \${args.items}
          steps:
            - body:
                call: twice
                args:
                  n: \${v}
                result: r
    - fan:
        parallel:
          branches:
            - left:
                steps:
                  - l1:
                      assign:
                        - x: 1
            - right:
                steps:
                  - r1:
                      assign:
                        - y: 2
    - guarded:
        try:
          steps:
            - risky:
                assign:
                  - first: \${args.items[0]}
        except:
          as: e
          steps:
            - handled:
                assign:
                  - caught: true
    - done:
        return: \${len(acc)}
twice:
  params: [n]
  steps:
    - double:
        return: \${n * 2}
unused:
  steps:
    - never:
        return: 0
`;

describe('workflow coverage', () => {
  it('counts every step at any depth and every subworkflow call, with zeros for what never ran', async () => {
    const coverage = new WorkflowCoverage();
    const states = await runAll(coverage, NESTED, [
      { argument: { items: [1, 2, 3] } },
      { argument: { items: [] } },
    ]);
    expect(states).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const file = single(coverage.toJSON());
    expect(file.path).toBe('workflows/us-central1/wf.yaml');
    expect(counts(file, NESTED)).toEqual({
      statements: {
        start: 2,
        block: 2,
        inBlock: 2,
        each: 2,
        body: 3,
        fan: 2,
        l1: 2,
        r1: 2,
        guarded: 2,
        risky: 2,
        handled: 1,
        done: 2,
        double: 3,
        never: 0,
      },
      functions: { main: 2, twice: 3, unused: 0 },
      branches: {
        [`for ${lineOf(NESTED, '- each:') + 1}`]: [1, 1],
        [`parallel ${lineOf(NESTED, '- fan:') + 1}`]: [2, 2],
        [`try ${lineOf(NESTED, '- guarded:') + 1}`]: [1, 1],
      },
    });
  });

  it('gives Istanbul ranges in the YAML: a step from its name to the end of its body, 0-based columns', async () => {
    const coverage = new WorkflowCoverage();
    await runAll(coverage, NESTED, [{ argument: { items: [1] } }]);
    const file = single(coverage.toJSON());
    const each = lineOf(NESTED, '- each:');
    // `    - each:` … `                result: r`: the step, then its `for` key and `steps` key.
    expect(Object.values(file.statementMap)).toContainEqual({
      start: { line: each, column: 6 },
      end: { line: each + 9, column: 25 },
    });
    const loop = Object.values(file.branchMap).find((b) => b.type === 'for')!;
    expect(loop.locations).toEqual([
      { start: { line: each + 1, column: 8 }, end: { line: each + 1, column: 11 } },
      { start: { line: each + 4, column: 10 }, end: { line: each + 4, column: 15 } },
    ]);
    expect(file.fnMap['1']).toEqual({
      name: 'twice',
      decl: {
        start: { line: lineOf(NESTED, 'twice:'), column: 0 },
        end: { line: lineOf(NESTED, 'twice:'), column: 5 },
      },
      loc: {
        start: { line: lineOf(NESTED, 'twice:'), column: 0 },
        end: { line: lineOf(NESTED, '- double:') + 1, column: 24 },
      },
      line: lineOf(NESTED, 'twice:'),
    });
  });

  const SWITCH = `main:
  params: [x]
  steps:
    - route:
        switch:
          - condition: \${x == 1}
            next: one
          - condition: \${x == 2}
            return: "two"
          - condition: \${x == 3}
            steps:
              - three:
                  assign:
                    - r: "three"
        next: fallback
    - one:
        return: "one"
    - fallback:
        return: "other"
`;

  it('counts a switch: one arm per condition and one for no match; the next of a condition and of the step', async () => {
    const coverage = new WorkflowCoverage();
    await runAll(
      coverage,
      SWITCH,
      [1, 1, 2, 3, 9].map((x) => ({ argument: x })),
    );
    const file = single(coverage.toJSON());
    expect(counts(file, SWITCH)).toEqual({
      statements: { route: 5, three: 1, one: 2, fallback: 2 },
      functions: { main: 5 },
      branches: {
        'switch 5': [2, 1, 1, 1],
        'next 7': [2],
        'next 15': [2],
      },
    });
    const sw = Object.values(file.branchMap).find((b) => b.type === 'switch')!;
    // The arms: each condition's item, then the `switch` key for "no condition matched".
    expect(sw.locations.map((l) => [l.start.line, l.start.column, l.end.line, l.end.column])).toEqual([
      [6, 12, 7, 21],
      [8, 12, 9, 25],
      [10, 12, 14, 32],
      [5, 8, 5, 14],
    ]);
  });

  const RETRY = `main:
  steps:
    - fetch:
        try:
          call: http.get
          args:
            url: http://127.0.0.1:9/x
          result: r
        retry:
          predicate: \${http.default_retry_predicate}
          max_retries: 2
          backoff:
            initial_delay: 1
            max_delay: 1
            multiplier: 1
        except:
          as: e
          steps:
            - gaveUp:
                return: "gave up"
    - ok:
        return: \${r.code}
`;

  it('counts a retry (never retried / retried / exhausted) and its try (completed / except taken)', async () => {
    const coverage = new WorkflowCoverage();
    const route = (...statuses: number[]): FakeHttpRoute[] => [
      { url: 'http://127.0.0.1:9/x', responses: statuses.map((status) => ({ status, body: 'b' })) },
    ];
    const states = await runAll(coverage, RETRY, [
      { routes: route(200) }, // no error
      { routes: route(503, 200) }, // one retry, then it succeeds
      { routes: route(503) }, // two retries, exhausted, except
      { routes: route(404) }, // the predicate says no: not retried, except
    ]);
    expect(states).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(counts(single(coverage.toJSON()), RETRY)).toEqual({
      statements: { fetch: 4, gaveUp: 2, ok: 2 },
      functions: { main: 4 },
      branches: { 'try 4': [2, 2], 'retry 9': [2, 3, 1] },
    });
  });

  const PARALLEL_FOR = `main:
  params: [items]
  steps:
    - fanout:
        parallel:
          for:
            value: it
            in: \${items}
            steps:
              - work:
                  assign:
                    - y: \${it}
    - after:
        return: 1
`;

  it('counts a parallel for: zero iterations / at least one', async () => {
    const coverage = new WorkflowCoverage();
    await runAll(coverage, PARALLEL_FOR, [{ argument: [1, 2, 3] }, { argument: [] }, { argument: [4] }]);
    expect(counts(single(coverage.toJSON()), PARALLEL_FOR)).toEqual({
      statements: { fanout: 3, work: 4, after: 3 },
      functions: { main: 3 },
      branches: { 'parallel 6': [1, 2] },
    });
  });

  const JUMPS = `main:
  steps:
    - init:
        assign:
          - i: 0
    - loop:
        steps:
          - inc:
              assign:
                - i: \${i + 1}
          - check:
              switch:
                - condition: \${i < 3}
                  next: inc
              next: out
        next: out
    - never:
        return: -1
    - out:
        for:
          value: v
          in: [1, 2, 3]
          steps:
            - skip:
                switch:
                  - condition: \${v == 1}
                    next: continue
                  - condition: \${v == 3}
                    next: break
            - tally:
                assign:
                  - i: \${i + v}
        next: outer
    - outer:
        for:
          value: a
          in: [1, 2]
          steps:
            - inner:
                for:
                  value: b
                  in: [1]
                  steps:
                    - cont:
                        next: continue
                next: continue
            - unreached:
                assign:
                  - z: 1
`;

  it('counts each next taken: backwards, out of a block (at the step that jumped), continue, break', async () => {
    const coverage = new WorkflowCoverage();
    expect(await runAll(coverage, JUMPS, [{}])).toEqual(['SUCCEEDED']);
    expect(counts(single(coverage.toJSON()), JUMPS)).toEqual({
      statements: {
        init: 1,
        loop: 1,
        inc: 3,
        check: 3,
        never: 0,
        out: 1,
        skip: 3,
        tally: 1,
        outer: 1,
        inner: 2,
        cont: 2,
        unreached: 0,
      },
      functions: { main: 1 },
      branches: {
        'switch 12': [2, 1],
        'next 14': [2],
        'next 15': [1],
        // The jump to `out` left the block: it is `check`'s, not the block's own `next: out`.
        'next 16': [0],
        'for 20': [0, 1],
        'switch 25': [1, 1, 1],
        'next 27': [1],
        'next 29': [1],
        'next 33': [1],
        'for 35': [0, 1],
        'for 40': [0, 2],
        // `cont`'s continue ends an iteration of `inner`; `inner`'s own continue is the outer loop's.
        'next 45': [2],
        'next 46': [2],
      },
    });
  });

  it('records which tests ran each statement', async () => {
    let current: string | undefined = 'suite > first test';
    const coverage = new WorkflowCoverage({ currentTest: () => current });
    await runAll(coverage, SWITCH, [{ argument: 1 }, { argument: 1 }]);
    current = 'suite > second test';
    await runAll(coverage, SWITCH, [{ argument: 9 }]);
    current = undefined;
    await runAll(coverage, SWITCH, [{ argument: 2 }]);
    const file = single(coverage.toJSON());
    const id = (name: string) =>
      Object.entries(file.statementMap).find(([, r]) => r.start.line === lineOf(SWITCH, `- ${name}:`))![0];
    expect(file.tests).toEqual({
      [id('route')]: ['suite > first test', 'suite > second test'],
      [id('one')]: ['suite > first test'],
      [id('fallback')]: ['suite > second test'],
    });
    expect(file.s[id('route')]).toBe(4);
  });

  it('lists deployed workflows that never ran with zeros; a file by its path, source text by a virtual path', () => {
    const other = SWITCH.replace('"other"', '"else"');
    const deployed = [
      {
        definition: definitionOf(NESTED),
        location: 'europe-west1',
        workflowId: 'nested',
        sourceFile: '/w/nested.yaml',
      },
      { definition: definitionOf(SWITCH), location: 'us-east1', workflowId: 'sw' },
      { definition: definitionOf(other), location: 'us-east1', workflowId: 'sw' },
      { definition: definitionOf(JUMPS), location: 'us-east1', workflowId: 'jumps' },
    ];
    const coverage = new WorkflowCoverage({ deployed: () => deployed });
    const data = coverage.toJSON();
    // Two texts under one virtual path: each is kept, told apart by a hash of its text.
    const keys = Object.keys(data).sort();
    expect(keys.filter((k) => !k.includes('/sw.'))).toEqual([
      '/w/nested.yaml',
      'workflows/us-east1/jumps.yaml',
    ]);
    const hashed = keys.filter((k) => k.includes('/sw.'));
    expect(hashed).toHaveLength(2);
    for (const k of hashed) {
      expect(k).toMatch(/^workflows\/us-east1\/sw\.[0-9a-f]{8}\.yaml$/);
      expect(data[k]!.path).toBe(k);
      expect(data[k]!.virtualPath).toBe('workflows/us-east1/sw.yaml');
    }
    expect(hashed.map((k) => data[k]!.source).sort()).toEqual([SWITCH, other].sort());
    expect(virtualWorkflowPath('us-east1', 'jumps')).toBe('workflows/us-east1/jumps.yaml');
    for (const file of Object.values(data)) {
      expect(Object.values(file.s).every((n) => n === 0)).toBe(true);
      expect(Object.values(file.f).every((n) => n === 0)).toBe(true);
      expect(
        Object.values(file.b)
          .flat()
          .every((n) => n === 0),
      ).toBe(true);
    }
    // A virtual file carries its source; a file on disk does not.
    expect(data['workflows/us-east1/jumps.yaml']!.source).toBe(JUMPS);
    expect(data['workflows/us-east1/jumps.yaml']!.virtualPath).toBe('workflows/us-east1/jumps.yaml');
    expect(data['/w/nested.yaml']!.source).toBeUndefined();
    expect(Object.keys(data['/w/nested.yaml']!.s)).toHaveLength(14);
  });

  it('reset sets every count to zero and keeps the files', async () => {
    const coverage = new WorkflowCoverage();
    await runAll(coverage, SWITCH, [{ argument: 1 }]);
    coverage.reset();
    const file = single(coverage.toJSON());
    expect(counts(file, SWITCH).statements).toEqual({ route: 0, three: 0, one: 0, fallback: 0 });
    expect(file.tests).toBeUndefined();
  });
});
