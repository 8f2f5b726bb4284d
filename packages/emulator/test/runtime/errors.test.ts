/** How uncaught errors are reported (https://cloud.google.com/workflows/docs/access-execution-results): frame order and positions across routines. */
import { describe, expect, it } from 'vitest';
import { errorOf, run } from './harness.js';

const NESTED = `
main:
  steps:
    - go1:
        call: level1
        result: r
    - done:
        return: \${r}
level1:
  steps:
    - prep:
        assign:
          - n: 2
    - go2:
        call: level2
        args:
          n: \${n}
level2:
  params: [n]
  steps:
    - fail:
        raise:
          message: \${"depth " + string(n)}
`;

describe('error reports', () => {
  it('lists one frame per routine, innermost first, each at a line of its own step', async () => {
    const r = await run(NESTED);
    expect(r.outcome.state).toBe('FAILED');
    if (r.outcome.state !== 'FAILED') return;
    const els = r.outcome.error.stackTrace.elements;
    expect(els.map((e) => [e.routine, e.step])).toEqual([
      ['level2', 'fail'],
      ['level1', 'go2'],
      ['main', 'go1'],
    ]);
    // Source lines (line 1 is the blank line after the opening backtick).
    expect(els[0]!.position.line).toBe(23);
    // A caller frame points at the name of its call step, never at the callee's expression
    // (Google does not say which line of the step a frame names: our choice, emulator README).
    expect(els[1]!.position).toEqual({ line: 14, column: 7, length: 3 });
    expect(els[2]!.position).toEqual({ line: 4, column: 7, length: 3 });
    const lines = r.outcome.error.context.split('\n');
    expect(lines[0]).toBe('depth 2');
    expect(lines.slice(1)).toEqual(
      els.map((e) => `in step "${e.step}", routine "${e.routine}", line: ${e.position.line}`),
    );
  });

  it('the failing expression gives the top frame its 1-based column and its length', async () => {
    const r = await run(NESTED);
    if (r.outcome.state !== 'FAILED') throw new Error('expected FAILED');
    const top = r.outcome.error.stackTrace.elements[0]!;
    // Line 23 is `message: ${"depth " + string(n)}`: the expression starts at column 20 and
    // `${...}` is 23 characters long.
    expect(top.position).toEqual({ line: 23, column: 20, length: 23 });
  });

  it('a raised string is the payload as a JSON string and the first context line', async () => {
    const r = await run(`
main:
  steps:
    - boom:
        raise: "plain failure"
`);
    if (r.outcome.state !== 'FAILED') throw new Error('expected FAILED');
    expect(r.outcome.error.payload).toBe('"plain failure"');
    expect(r.outcome.error.context).toBe(
      'plain failure\nin step "boom", routine "main", line: ' +
        r.outcome.error.stackTrace.elements[0]!.position.line,
    );
    // A literal raise has no expression: the frame names the step.
    expect(r.outcome.error.stackTrace.elements[0]!.position).toEqual({ line: 4, column: 7, length: 4 });
  });

  it('a platform error payload is the error map with sorted keys', async () => {
    const r = await run(`
main:
  steps:
    - read:
        assign:
          - m: {}
          - v: \${m.nope}
`);
    if (r.outcome.state !== 'FAILED') throw new Error('expected FAILED');
    const payload = r.outcome.error.payload;
    expect(Object.keys(JSON.parse(payload) as object)).toEqual(['message', 'tags']);
    expect(payload.startsWith('{"message":')).toBe(true);
    expect(payload.endsWith('"tags":["KeyError"]}')).toBe(true);
    expect(r.outcome.error.context.split('\n')[0]).toMatch(/^KeyError: .*nope/);
  });
});

describe('error frames', () => {
  it('name the jumping step when the step limit is hit on a jump', async () => {
    const r = await run(
      `
main:
  steps:
    - init:
        assign:
          - i: 0
    - again:
        assign:
          - i: \${i + 1}
        next: again
`,
      { limits: { maxSteps: 50 } },
    );
    const err = errorOf(r);
    expect(err.tags).toContain('ResourceLimitError');
    expect(err.context).toContain('in step "again", routine "main"');
  });

  it('name the returning step when the result cannot be encoded', async () => {
    const r = await run(`
main:
  steps:
    - r:
        return: \${text.encode("a")}
`);
    const err = errorOf(r);
    expect(err.context).toContain('in step "r", routine "main"');
    if (r.outcome.state === 'FAILED') expect(r.outcome.error.stackTrace.elements[0]?.step).toBe('r');
  });
});
