/**
 * Deploy-time problems that are not one workflow file with its expected problems: the report's
 * shape (every problem at once, sorted, with a caret excerpt), the size limit, loader options,
 * hostile sources. A workflow that is refused with given problems (line, column, message) is a
 * data case in test/source/invalid (see invalid-cases.test.ts), not a test here.
 */
import { describe, expect, it } from 'vitest';
import { formatProblems, loadWorkflow, type SourceProblem } from '../../src/source/index.js';
import { SourceText } from '../../src/source/source-text.js';

const lines = (...l: string[]): string => l.join('\n') + '\n';

function problemsOf(source: string): SourceProblem[] {
  const r = loadWorkflow(source);
  if (r.ok) expect.fail('expected the workflow to be rejected');
  return r.problems;
}

/** The only problem, checked for place and message. */
function expectOne(source: string, line: number, column: number, message: string): SourceProblem {
  const problems = problemsOf(source);
  expect(problems, formatProblems(problems)).toHaveLength(1);
  const p = problems[0]!;
  expect({ line: p.line, column: p.column, message: p.message }).toEqual({ line, column, message });
  return p;
}

function stepsOf(...body: string[]): string {
  return lines('main:', '  steps:', ...body);
}

describe('caret excerpts', () => {
  it('puts the caret under a YAML syntax error', () => {
    const p = expectOne(
      lines('main:', '  steps:', '    - a:', '        return: [1, 2', '    - b:', '        return: 3'),
      5,
      5,
      'YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
    );
    expect(p.excerpt).toBe('    - b:\n    ^');
  });

  it('puts the caret under an unknown field', () => {
    const p = expectOne(
      stepsOf('    - weird:', '        frobnicate: 1', '    - done:', '        return: 1'),
      4,
      9,
      "failed to build: error in step weird: unknown field 'frobnicate'",
    );
    expect(p.excerpt).toBe('        frobnicate: 1\n        ^');
  });

  it('puts the caret inside an expression', () => {
    const p = expectOne(
      stepsOf('    - a:', '        return: ${1 + * 2}'),
      4,
      23,
      "failed to build: error in step a: syntax error in expression: unexpected '*'",
    );
    expect(p.excerpt).toBe('        return: ${1 + * 2}\n                      ^');
  });

  it('shows the text as written when an unquoted expression in a flow list had to be quoted to be read', () => {
    const problems = problemsOf(stepsOf('    - a:', '        return: [1, ${x}, ${y}]'));
    const symbol = (name: string): string =>
      `failed to build: error in step a: error evaluating return value: symbol '${name}' is neither a variable nor a sub-workflow name`;
    expect(problems.map((p) => [p.line, p.column, p.message, p.excerpt])).toEqual([
      [4, 23, symbol('x'), '        return: [1, ${x}, ${y}]\n                      ^'],
      [4, 29, symbol('y'), '        return: [1, ${x}, ${y}]\n                            ^'],
    ]);
  });
});

describe('what deploys around the deploy-time errors', () => {
  it('accepts an unquoted expression in a flow list, as Google does', () => {
    // Strict YAML forbids `{` in a plain scalar inside [...]; Google's own samples write
    // `images: [${image_path}]`, so the loader retries with such expressions quoted.
    expect(loadWorkflow(stepsOf('    - a:', '        return: [1, ${2 + 3}]')).ok).toBe(true);
  });

  it('rejects sources over 128 KB (131072 bytes of UTF-8)', () => {
    const filler = '# ' + 'é'.repeat(65_600) + '\n'; // 2 bytes per é: over the limit in bytes, not in characters
    expect(filler.length).toBeLessThan(131_072);
    const source = filler + stepsOf('    - a:', '        return: 1');
    expectOne(
      source,
      1,
      1,
      `the workflow source is ${Buffer.byteLength(source)} bytes; the limit is 131072 bytes (128 KB)`,
    );
  });

  it('accepts a source of exactly 131072 bytes', () => {
    const body = stepsOf('    - a:', '        return: 1');
    const pad = 131_072 - Buffer.byteLength(body) - 1;
    const r = loadWorkflow('#' + 'x'.repeat(pad - 1) + '\n' + body);
    expect(r.ok).toBe(true);
  });

  it('takes an isBlocking predicate', () => {
    const source = stepsOf('    - a:', '        return: ${text.to_upper("x")}');
    expect(loadWorkflow(source).ok).toBe(true);
    const r = loadWorkflow(source, { isBlocking: (n) => n === 'text.to_upper' });
    if (r.ok) expect.fail('expected the workflow to be rejected');
    expect(r.problems.map((p) => [p.line, p.column, p.message])).toEqual([
      [
        4,
        19,
        "failed to build: error in step a: error evaluating return value: blocking function 'text.to_upper' cannot be called in an expression; use a call step",
      ],
    ]);
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
});

describe('hostile sources', () => {
  it('refuses deeply nested YAML and JSON with a clear message, not the engine RangeError', () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    for (const source of [
      stepsOf('    - a:', `        return: ${deep}`),
      `{"main":{"steps":[{"a":{"return":${deep}}}]}}`,
    ]) {
      const problems = problemsOf(source);
      const text = formatProblems(problems);
      expect(text).toContain('nested too deeply');
      expect(text).not.toMatch(/call stack|RangeError/i);
      // The excerpt shows a window of the 10,000-character line, not all of it.
      expect(text.length).toBeLessThan(1000);
    }
  });

  it('cuts the excerpt of a long line to a window around the column, caret aligned', () => {
    const line = `${'a'.repeat(2000)}X${'b'.repeat(2000)}`;
    const src = new SourceText(`first\n${line}\nlast`);
    const [text, caret] = src.excerpt({ line: 2, column: 2001 }).split('\n') as [string, string];
    expect(text.length).toBeLessThanOrEqual(122);
    expect(text.startsWith('…') && text.endsWith('…')).toBe(true);
    expect(text[caret.length - 1]).toBe('X');
    expect(caret.trim()).toBe('^');
    // Short lines are shown whole.
    expect(src.excerpt({ line: 1, column: 3 })).toBe('first\n  ^');
    // Near the start or end of a long line the window stays inside it.
    expect(src.excerpt({ line: 2, column: 1 }).split('\n')[0]).toMatch(/^a{120}…$/);
    expect(src.excerpt({ line: 2, column: 4001 }).split('\n')[0]).toMatch(/^…b{120}$/);
  });
});
