/** The step tree the UI's graph (and coverage) read: every block kind, its position and its jumps. */
import { describe, expect, it } from 'vitest';
import { loadWorkflowOrThrow } from '../../src/source/index.js';
import { stepTree } from '../../src/source/step-tree.js';

const SOURCE = `main:
  params: [args]
  steps:
    - pick:
        switch:
          - condition: \${args.n > 10}
            next: big
          - condition: \${args.n > 5}
            steps:
              - mid:
                  assign:
                    - size: mid
          - condition: true
            return: small
        next: loop
    - big:
        call: sub
        args:
          x: 1
        result: r
    - loop:
        for:
          value: v
          index: i
          range: [1, 3]
          steps:
            - skip:
                next: continue
    - fan:
        parallel:
          shared: [r]
          branches:
            - left:
                steps:
                  - l1:
                      assign:
                        - r: 1
            - right:
                steps:
                  - r1:
                      raise: oops
    - each:
        parallel:
          for:
            value: item
            in: \${args.items}
            steps:
              - work:
                  call: sys.log
                  args:
                    text: \${item}
    - guarded:
        try:
          call: http.get
          args:
            url: https://example.com
          result: r
        retry: \${http.default_retry}
        except:
          as: e
          steps:
            - giveup:
                return: \${e.message}
sub:
  params: [x, y: 2]
  steps:
    - done:
        return: \${x + y}
`;

describe('stepTree', () => {
  it('gives every routine and step with its kind, position, next target and nested blocks', () => {
    const tree = stepTree(loadWorkflowOrThrow(SOURCE));
    expect(tree.routines.map((r) => r.name)).toEqual(['main', 'sub']);
    const [main, sub] = tree.routines;
    expect(sub).toEqual({
      name: 'sub',
      params: [{ name: 'x' }, { name: 'y', default: '2' }],
      line: 64,
      column: 1,
      steps: [{ name: 'done', kind: 'return', line: 67, column: 7, value: '${x + y}' }],
    });
    const steps = main!.steps;
    expect(steps.map((s) => [s.name, s.kind, s.line])).toEqual([
      ['pick', 'switch', 4],
      ['big', 'call', 16],
      ['loop', 'for', 21],
      ['fan', 'parallel', 29],
      ['each', 'parallel', 42],
      ['guarded', 'try', 52],
    ]);
    expect(steps[0]).toEqual({
      name: 'pick',
      kind: 'switch',
      line: 4,
      column: 7,
      next: { kind: 'step', step: 'loop', line: 15, column: 15 },
      conditions: [
        {
          condition: '${args.n > 10}',
          line: 6,
          column: 13,
          next: { kind: 'step', step: 'big', line: 7, column: 19 },
        },
        {
          condition: '${args.n > 5}',
          line: 8,
          column: 13,
          body: {
            name: null,
            kind: 'steps',
            line: 8,
            column: 13,
            steps: [{ name: 'mid', kind: 'assign', line: 10, column: 17, assign: ['size'] }],
          },
        },
        {
          condition: 'true',
          line: 13,
          column: 13,
          body: { name: null, kind: 'return', line: 13, column: 13, value: '"small"' },
        },
      ],
    });
    expect(steps[1]).toMatchObject({ call: 'sub', result: 'r' });
    expect(steps[2]!.for).toEqual({
      value: 'v',
      index: 'i',
      range: '[1,3]',
      line: 22,
      column: 9,
      steps: [
        {
          name: 'skip',
          kind: 'next',
          line: 27,
          column: 15,
          next: { kind: 'continue', line: 28, column: 23 },
        },
      ],
    });
    expect(steps[3]!.parallel!.shared).toEqual(['r']);
    expect(steps[3]!.parallel!.branches!.map((b) => [b.name, b.steps.map((s) => s.name)])).toEqual([
      ['left', ['l1']],
      ['right', ['r1']],
    ]);
    expect(steps[4]!.parallel!.for).toMatchObject({ value: 'item', in: '${args.items}' });
    expect(steps[5]).toMatchObject({
      try: { name: null, kind: 'call', call: 'http.get', result: 'r' },
      retry: { policy: '${http.default_retry}' },
      except: { as: 'e', steps: [{ name: 'giveup', kind: 'return', value: '${e.message}' }] },
    });
  });

  it('is plain JSON', () => {
    const tree = stepTree(loadWorkflowOrThrow(SOURCE));
    expect(JSON.parse(JSON.stringify(tree))).toEqual(tree);
  });
});
