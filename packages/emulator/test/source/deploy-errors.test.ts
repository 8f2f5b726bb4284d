/**
 * Deploy-time problems: each case asserts the message and the exact line and column.
 */
import { describe, expect, it } from 'vitest';
import { formatProblems, loadWorkflow, type SourceProblem } from '../../src/source/index.js';

const lines = (...l: string[]): string => l.join('\n') + '\n';

function problemsOf(source: string): SourceProblem[] {
  const r = loadWorkflow(source);
  if (r.ok) expect.fail('expected the workflow to be rejected');
  return r.problems;
}

/** The only problem, checked for place and message. */
function expectOne(source: string, line: number, column: number, message: string | RegExp): SourceProblem {
  const problems = problemsOf(source);
  expect(problems, formatProblems(problems)).toHaveLength(1);
  const p = problems[0]!;
  expect({ line: p.line, column: p.column }).toEqual({ line, column });
  if (typeof message === 'string') expect(p.message).toContain(message);
  else expect(p.message).toMatch(message);
  return p;
}

function stepsOf(...body: string[]): string {
  return lines('main:', '  steps:', ...body);
}

describe('YAML / JSON syntax and size', () => {
  it('reports a YAML syntax error with its position', () => {
    const p = expectOne(
      lines('main:', '  steps:', '    - a:', '        return: [1, 2', '    - b:', '        return: 3'),
      5,
      5,
      'YAML syntax error',
    );
    expect(p.excerpt).toBe('    - b:\n    ^');
  });

  it('reports duplicate keys', () => {
    expectOne(
      stepsOf('    - a:', '        assign:', '          - x: 1', '        assign:', '          - y: 2'),
      6,
      9,
      'unique',
    );
  });

  it('accepts an unquoted expression in a flow list, as Google does, and still reports what is inside', () => {
    // Strict YAML forbids `{` in a plain scalar inside [...]; Google's own samples write
    // `images: [${image_path}]`, so the loader retries with such expressions quoted.
    expect(loadWorkflow(stepsOf('    - a:', '        return: [1, ${2 + 3}]')).ok).toBe(true);
    const problems = problemsOf(stepsOf('    - a:', '        return: [1, ${x}]'));
    expect(problems[0]).toMatchObject({ line: 4, message: expect.stringContaining("symbol 'x'") });
  });

  it('asks for quotes when a flow collection cannot be read even with expressions quoted', () => {
    const problems = problemsOf(stepsOf('    - a:', '        return: {a: ${x}, b: [}'));
    expect(problems[0]).toMatchObject({ line: 4, message: expect.stringContaining('YAML syntax error') });
  });

  it('rejects sources over 128 KB (131072 bytes of UTF-8)', () => {
    const filler = '# ' + 'é'.repeat(65_600) + '\n'; // 2 bytes per é: over the limit in bytes, not in characters
    expect(filler.length).toBeLessThan(131_072);
    const p = expectOne(filler + stepsOf('    - a:', '        return: 1'), 1, 1, '131072');
    expect(p.message).toMatch(/limit/);
  });

  it('accepts a source of exactly 131072 bytes', () => {
    const body = stepsOf('    - a:', '        return: 1');
    const pad = 131_072 - Buffer.byteLength(body) - 1;
    const r = loadWorkflow('#' + 'x'.repeat(pad - 1) + '\n' + body);
    expect(r.ok).toBe(true);
  });

  it('reports JSON positions for JSON sources', () => {
    const source = [
      '{',
      '  "main": {',
      '    "steps": [',
      '      {"a": {"retrun": 1}}',
      '    ]',
      '  }',
      '}',
    ].join('\n');
    expectOne(source, 4, 14, "unknown field 'retrun'");
  });

  it('reports JSON syntax errors with line and column', () => {
    const source = [
      '{',
      '  "main": {',
      '    "steps": [',
      '      {"a": {"return": 1}',
      '    ]',
      '  }',
      '}',
    ].join('\n');
    const problems = problemsOf(source);
    expect(problems[0]!.message).toMatch(/^JSON syntax error/);
    expect(problems[0]!.line).toBeGreaterThanOrEqual(4);
  });
});

describe('structure (schema)', () => {
  it('rejects an unknown step field, naming it (conformance 174)', () => {
    const p = expectOne(
      stepsOf('    - weird:', '        frobnicate: 1', '    - done:', '        return: 1'),
      4,
      9,
      "failed to build: error in step weird: unknown field 'frobnicate'",
    );
    expect(p.excerpt).toBe('        frobnicate: 1\n        ^');
  });

  it('rejects unknown keys at routine level', () => {
    expectOne(
      lines('main:', '  steps:', '    - a:', '        return: 1', '  retries: 3'),
      5,
      3,
      "unknown field 'retries'",
    );
  });

  it("requires 'main' when subworkflows are present (conformance 177)", () => {
    expectOne(lines('helper:', '  steps:', '    - h:', '        return: 1'), 1, 1, "missing 'main'");
  });

  it('allows at most one parameter for main', () => {
    expectOne(
      lines('main:', '  params: [a, b]', '  steps:', '    - s:', '        return: 1'),
      2,
      3,
      'at most one parameter',
    );
  });

  it('rejects two actions in one step, pointing at the second', () => {
    expectOne(
      stepsOf(
        '    - both:',
        '        assign:',
        '          - x: 1',
        '        call: sys.log',
        '        args:',
        '          data: 1',
      ),
      6,
      9,
      "failed to build: error in step both: a step can have only one action, found 'assign' and 'call'",
    );
  });

  it('rejects a step with no action', () => {
    expectOne(stepsOf('    - empty: {}'), 3, 7, 'a step needs an action');
  });

  it('requires call for args and try for retry/except', () => {
    const problems = problemsOf(
      stepsOf(
        '    - a:',
        '        assign:',
        '          - x: 1',
        '        result: r',
        '    - b:',
        '        return: 1',
        '        except:',
        '          steps:',
        '            - c:',
        '                return: 2',
      ),
    );
    expect(problems.map((p) => [p.line, p.column, p.message])).toEqual([
      [6, 9, "failed to build: error in step a: 'result' is only allowed together with 'call'"],
      [9, 9, "failed to build: error in step b: 'except' is only allowed together with 'try'"],
    ]);
  });

  it('reports wrong value types at the value', () => {
    expectOne(
      stepsOf('    - a:', '        assign: 5'),
      4,
      17,
      "failed to build: error in step a: 'assign' must be a list, got a number",
    );
  });

  it('requires exactly one of in and range in a for loop', () => {
    expectOne(
      stepsOf(
        '    - loop:',
        '        for:',
        '          value: v',
        '          steps:',
        '            - s:',
        '                return: 1',
      ),
      4,
      9,
      "exactly one of 'in' and 'range'",
    );
  });

  it('rejects an unknown retry field', () => {
    expectOne(
      stepsOf(
        '    - t:',
        '        try:',
        '          call: sys.log',
        '          args:',
        '            data: 1',
        '        retry:',
        '          predicate: ${retry.always}',
        '          max_retry: 3',
      ),
      10,
      11,
      "unknown field 'max_retry'",
    );
  });

  it('rejects a non-boolean, non-expression switch condition', () => {
    expectOne(
      stepsOf('    - s:', '        switch:', '          - condition: "yes"', '            next: end'),
      5,
      24,
      "failed to build: error in step s: 'condition' must be an expression ${...}",
    );
  });

  it('limits an assign step to 50 assignments', () => {
    const assigns = Array.from({ length: 51 }, (_, i) => `          - v${i}: ${i}`);
    expectOne(stepsOf('    - many:', '        assign:', ...assigns), 4, 9, 'at most 50');
  });

  it('limits a switch to 50 conditions', () => {
    const conds = Array.from({ length: 51 }, (_, i) => [
      `          - condition: \${${i} == 1}`,
      '            next: end',
    ]).flat();
    expectOne(stepsOf('    - big:', '        switch:', ...conds), 4, 9, 'at most 50');
  });

  it('requires 2 to 10 parallel branches', () => {
    const branch = (name: string) => [
      `            - ${name}:`,
      '                steps:',
      `                  - ${name}_s:`,
      '                      return: 1',
    ];
    expectOne(
      stepsOf('    - p:', '        parallel:', '          branches:', ...branch('b0')),
      5,
      11,
      'at least 2 branches',
    );
    const eleven = Array.from({ length: 11 }, (_, i) => branch(`b${i}`)).flat();
    expectOne(
      stepsOf('    - p:', '        parallel:', '          branches:', ...eleven),
      5,
      11,
      'at most 10',
    );
  });

  it('rejects a parallel step with both branches and for', () => {
    expectOne(
      stepsOf(
        '    - p:',
        '        parallel:',
        '          for:',
        '            value: v',
        '            in: [1, 2]',
        '            steps:',
        '              - s:',
        '                  assign:',
        '                    - x: 1',
        '          branches:',
        '            - b1:',
        '                steps:',
        '                  - s1:',
        '                      assign:',
        '                        - y: 1',
        '            - b2:',
        '                steps:',
        '                  - s2:',
        '                      assign:',
        '                        - z: 1',
      ),
      4,
      9,
      "exactly one of 'branches' and 'for'",
    );
  });

  it("rejects an exception_policy other than 'continueAll'", () => {
    expectOne(
      stepsOf(
        '    - p:',
        '        parallel:',
        '          exception_policy: stopAll',
        '          for:',
        '            value: v',
        '            in: [1, 2]',
        '            steps:',
        '              - s:',
        '                  assign:',
        '                    - x: ${v}',
      ),
      5,
      29,
      "exception_policy must be 'continueAll'",
    );
  });
});

describe('steps and jumps', () => {
  it('rejects duplicate step names, including in nested blocks', () => {
    expectOne(
      stepsOf(
        '    - a:',
        '        assign:',
        '          - x: 1',
        '    - loop:',
        '        for:',
        '          value: v',
        '          in: [1]',
        '          steps:',
        '            - a:',
        '                assign:',
        '                  - x: ${v}',
      ),
      11,
      15,
      "failed to build: error in step a: duplicate step name 'a'",
    );
  });

  it('reports a next target that does not exist, at the target', () => {
    expectOne(
      stepsOf('    - a:', '        next: nowhere', '    - b:', '        return: 1'),
      4,
      15,
      "step 'nowhere' not found",
    );
  });

  it('rejects a jump into a for body', () => {
    expectOne(
      stepsOf(
        '    - a:',
        '        next: inner',
        '    - loop:',
        '        for:',
        '          value: v',
        '          in: [1]',
        '          steps:',
        '            - inner:',
        '                return: ${v}',
      ),
      4,
      15,
      "failed to build: error in step a: next: cannot jump to step 'inner'",
    );
  });

  it('rejects a jump out of a parallel branch', () => {
    expectOne(
      stepsOf(
        '    - p:',
        '        parallel:',
        '          branches:',
        '            - b1:',
        '                steps:',
        '                  - s1:',
        '                      next: after',
        '            - b2:',
        '                steps:',
        '                  - s2:',
        '                      return: 1',
        '    - after:',
        '        return: 2',
      ),
      9,
      29,
      "error in step s1: next: cannot jump to step 'after'",
    );
  });

  it('rejects jumps into an except block but allows jumps out of try and except blocks', () => {
    // Google's error_catch sample jumps from an except block to steps of the routine.
    const problems = problemsOf(
      stepsOf(
        '    - t:',
        '        try:',
        '          steps:',
        '            - inTry:',
        '                next: done',
        '        except:',
        '          as: e',
        '          steps:',
        '            - handler:',
        '                next: done',
        '    - jumper:',
        '        next: handler',
        '    - done:',
        '        return: 1',
      ),
    );
    expect(problems.map((p) => [p.line, p.column, p.message.split(': next')[0]])).toEqual([
      [14, 15, 'failed to build: error in step jumper'],
    ]);
  });

  it('rejects break and continue outside a loop', () => {
    expectOne(
      stepsOf('    - a:', '        next: break'),
      4,
      15,
      'next: break is only allowed inside a for loop',
    );
    expectOne(
      stepsOf(
        '    - p:',
        '        parallel:',
        '          branches:',
        '            - b1:',
        '                steps:',
        '                  - s1:',
        '                      next: continue',
        '            - b2:',
        '                steps:',
        '                  - s2:',
        '                      return: 1',
      ),
      9,
      29,
      'continue is only allowed inside a for loop',
    );
  });
});

describe('parallel shared variables', () => {
  it('rejects assigning an enclosing variable that is not shared (conformance 138)', () => {
    const source = lines(
      'main:',
      '  steps:',
      '    - init:',
      '        assign:',
      '          - input: 1',
      '    - par:',
      '        parallel:',
      '          branches:',
      '            - b1:',
      '                steps:',
      '                  - write:',
      '                      assign:',
      '                        - input: 5',
      '            - b2:',
      '                steps:',
      '                  - other:',
      '                      assign:',
      '                        - y: 2',
    );
    expectOne(
      source,
      13,
      27,
      "error in step write: variable 'input' is assigned in a parallel branch but is not listed in 'shared'",
    );
  });

  it('rejects a call result written to a non-shared variable in a parallel for', () => {
    expectOne(
      stepsOf(
        '    - init:',
        '        assign:',
        '          - r: null',
        '    - p:',
        '        parallel:',
        '          for:',
        '            value: v',
        '            in: [1, 2]',
        '            steps:',
        '              - fetch:',
        '                  call: http.get',
        '                  args:',
        '                    url: ${"https://example.com/" + string(v)}',
        '                  result: r',
      ),
      16,
      27,
      "variable 'r' is assigned in a parallel branch",
    );
  });

  it('rejects shared names that are not assigned before the parallel step', () => {
    expectOne(
      stepsOf(
        '    - p:',
        '        parallel:',
        '          shared: [total]',
        '          for:',
        '            value: v',
        '            in: [1, 2]',
        '            steps:',
        '              - s:',
        '                  assign:',
        '                    - total: ${v}',
      ),
      5,
      11,
      "shared variable 'total' must be assigned before the parallel step",
    );
  });
});

describe('functions and calls', () => {
  it('rejects a blocking call inside an expression', () => {
    expectOne(
      stepsOf('    - a:', '        return: ${http.get("https://example.com")}'),
      4,
      19,
      "blocking function 'http.get'",
    );
    expectOne(
      stepsOf('    - a:', '        assign:', '          - x: ${1 + sys.sleep(2)}'),
      5,
      22,
      "blocking function 'sys.sleep'",
    );
    expectOne(
      stepsOf('    - a:', '        return: ${googleapis.storage.v1.buckets.list("p")}'),
      4,
      19,
      "blocking function 'googleapis.storage.v1.buckets.list'",
    );
  });

  it('takes an isBlocking predicate', () => {
    const source = stepsOf('    - a:', '        return: ${text.to_upper("x")}');
    expect(loadWorkflow(source).ok).toBe(true);
    const r = loadWorkflow(source, { isBlocking: (n) => n === 'text.to_upper' });
    expect(r.ok).toBe(false);
  });

  it('rejects calls of unknown functions in call steps and in expressions', () => {
    const problems = problemsOf(
      stepsOf(
        '    - a:',
        '        call: no_such_thing',
        '        result: r',
        '    - b:',
        '        return: ${text.frobnicate(r)}',
      ),
    );
    expect(problems.map((p) => [p.line, p.column, p.message])).toEqual([
      [4, 15, expect.stringContaining("function 'no_such_thing' not found")],
      [7, 19, expect.stringContaining("unknown function 'text.frobnicate'")],
    ]);
  });

  it('checks named arguments of subworkflow calls', () => {
    const problems = problemsOf(
      lines(
        'main:',
        '  steps:',
        '    - c:',
        '        call: greet',
        '        args:',
        '          nmae: "Ada"',
        '        result: r',
        '    - done:',
        '        return: ${r}',
        'greet:',
        '  params: [name, greeting: "Hello"]',
        '  steps:',
        '    - g:',
        '        return: ${greeting + " " + name}',
      ),
    );
    expect(problems.map((p) => [p.line, p.column, p.message])).toEqual([
      [4, 15, "failed to build: error in step c: call greet: missing required argument 'name'"],
      [6, 11, expect.stringContaining("call greet: unknown argument 'nmae'")],
    ]);
  });

  it('checks the number of positional arguments of subworkflows called in expressions', () => {
    expectOne(
      lines(
        'main:',
        '  steps:',
        '    - done:',
        '        return: ${add(1, 2, 3)}',
        'add:',
        '  params: [a, b]',
        '  steps:',
        '    - r:',
        '        return: ${a + b}',
      ),
      4,
      19,
      "subworkflow 'add' expects 2 argument(s), got 3",
    );
  });

  it('checks required arguments of standard library call steps', () => {
    expectOne(
      stepsOf('    - nap:', '        call: sys.sleep'),
      4,
      15,
      "call sys.sleep: missing required argument 'seconds'",
    );
  });
});

describe('expressions and variables', () => {
  it('reports an expression syntax error at the column inside the expression', () => {
    const p = expectOne(
      stepsOf('    - a:', '        return: ${1 + * 2}'),
      4,
      23,
      'syntax error in expression',
    );
    expect(p.excerpt).toBe('        return: ${1 + * 2}\n                      ^');
  });

  it('maps syntax errors in multi-line block expressions to the right line', () => {
    expectOne(
      stepsOf(
        '    - a:',
        '        assign:',
        '          - x: 1',
        '    - b:',
        '        return: |',
        '          ${x +',
        '            (x * )}',
      ),
      9,
      18,
      'syntax error in expression',
    );
  });

  it('maps syntax errors in double-quoted expressions with escapes', () => {
    expectOne(stepsOf('    - a:', '        return: "${\\"a\\" + + }"'), 4, 28, 'syntax error in expression');
  });

  it('uses the documented message for an undefined variable', () => {
    const p = expectOne(
      lines(
        'main:',
        '  steps:',
        '    - step1:',
        '        assign:',
        '          - varA: 1',
        '    - step2:',
        '        return: ${varA + varC}',
      ),
      7,
      26,
      "failed to build: error in step step2: error evaluating return value: symbol 'varC' is neither a variable nor a sub-workflow name",
    );
    expect(p.message).toBe(
      "failed to build: error in step step2: error evaluating return value: symbol 'varC' is neither a variable nor a sub-workflow name",
    );
  });

  it('rejects an invalid assignment target', () => {
    expectOne(
      stepsOf('    - a:', '        assign:', '          - x + 1: 2'),
      5,
      13,
      "invalid assignment target 'x + 1'",
    );
  });

  it('rejects an unknown standard library member', () => {
    expectOne(
      stepsOf('    - a:', '        return: ${http.default_retryy}'),
      4,
      19,
      "unknown standard library member 'http.default_retryy'",
    );
  });
});

describe('several problems in one report', () => {
  it('reports every problem, sorted by position', () => {
    const source = lines(
      'main:',
      '  params: [input]',
      '  steps:',
      '    - a:',
      '        assign:',
      '          - x: ${input.n + missing}',
      '        next: nowhere',
      '    - a:',
      '        call: http.get',
      '        args:',
      '          url: https://example.com',
      '        result: r',
      '    - c:',
      '        return: ${sys.log("x") + x}',
      '        next: break',
    );
    const problems = problemsOf(source);
    expect(problems.map((p) => [p.line, p.column])).toEqual([
      [6, 28],
      [7, 15],
      [8, 7],
      [14, 19],
      [15, 15],
    ]);
    expect(problems[0]!.message).toContain("symbol 'missing'");
    expect(problems[1]!.message).toContain("'nowhere' not found");
    expect(problems[2]!.message).toContain('duplicate step name');
    expect(problems[3]!.message).toContain("blocking function 'sys.log'");
    expect(problems[4]!.message).toContain('break is only allowed');
    const report = formatProblems(problems);
    expect(report.split('\n')[0]).toBe(`line 6, column 28: ${problems[0]!.message}`);
    expect(report).toContain(`    ${'          - x: ${input.n + missing}'}\n    ${' '.repeat(27)}^`);
  });

  it('reports several schema problems at once', () => {
    const problems = problemsOf(
      stepsOf(
        '    - a:',
        '        asign:',
        '          - x: 1',
        '    - b:',
        '        return: 1',
        '        nxt: a',
      ),
    );
    expect(problems.map((p) => [p.line, p.column, p.message])).toEqual([
      [4, 9, "failed to build: error in step a: unknown field 'asign'"],
      [8, 9, "failed to build: error in step b: unknown field 'nxt'"],
    ]);
  });
});
