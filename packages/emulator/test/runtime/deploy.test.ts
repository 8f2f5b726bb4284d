/**
 * Deploy-time rejections that the workflow cases cannot express (the harness only runs
 * workflows that load). Ported in spirit from the conformance deploy cases and https://cloud.google.com/workflows/docs/reference/syntax.
 */
import { describe, expect, it } from 'vitest';
import { loadWorkflow } from '../../src/source/index.js';

/** Every problem as [message, line, column]; line 1 is the blank line after the opening backtick. */
function problems(source: string): [string, number, number][] {
  const r = loadWorkflow(source);
  if (r.ok) throw new Error('expected the workflow to be rejected');
  return r.problems.map((p) => [p.message, p.line, p.column]);
}

describe('deploy-time checks', () => {
  it('assigning a non-shared outer variable inside a parallel branch is rejected', () => {
    expect(
      problems(`
main:
  steps:
    - init:
        assign:
          - total: 1
    - par:
        parallel:
          branches:
            - one:
                steps:
                  - w:
                      assign:
                        - total: 9
            - two:
                steps:
                  - o:
                      assign:
                        - local: 2
`),
    ).toEqual([
      [
        "failed to build: error in step w: variable 'total' is assigned in a parallel branch but is not listed in 'shared' of the parallel step",
        14,
        27,
      ],
    ]);
  });

  it('an unknown step field is rejected', () => {
    expect(
      problems(`
main:
  steps:
    - odd:
        explode: true
    - done:
        return: 1
`),
    ).toEqual([["failed to build: error in step odd: unknown field 'explode'", 5, 9]]);
  });

  it('subworkflows without a main are rejected', () => {
    expect(
      problems(`
first:
  steps:
    - a:
        return: 1
second:
  steps:
    - b:
        return: 2
`),
    ).toEqual([["missing 'main': a workflow with subworkflows needs a main workflow", 2, 1]]);
  });

  it('a call step missing a required subworkflow parameter is rejected', () => {
    expect(
      problems(`
main:
  steps:
    - c:
        call: needs_two
        args:
          a: 1
        result: r
    - done:
        return: \${r}
needs_two:
  params: [a, b]
  steps:
    - r:
        return: \${a + b}
`),
    ).toEqual([["failed to build: error in step c: call needs_two: missing required argument 'b'", 5, 15]]);
  });

  it('an expression call with too few arguments is rejected', () => {
    expect(
      problems(`
main:
  steps:
    - c:
        return: \${add(1)}
add:
  params: [x, y]
  steps:
    - r:
        return: \${x + y}
`),
    ).toEqual([
      [
        "failed to build: error in step c: error evaluating return value: subworkflow 'add' expects 2 argument(s), got 1",
        5,
        19,
      ],
    ]);
  });

  it('a next to an unknown step, and break outside a loop, are rejected', () => {
    expect(
      problems(`
main:
  steps:
    - a:
        next: nowhere
`),
    ).toEqual([["failed to build: error in step a: next: step 'nowhere' not found in 'main'", 5, 15]]);
    expect(
      problems(`
main:
  steps:
    - a:
        next: break
`),
    ).toEqual([['failed to build: error in step a: next: break is only allowed inside a for loop', 5, 15]]);
  });

  it('an undefined variable is rejected at deploy time', () => {
    expect(
      problems(`
main:
  steps:
    - a:
        return: \${never_assigned}
`),
    ).toEqual([
      [
        "failed to build: error in step a: error evaluating return value: symbol 'never_assigned' is neither a variable nor a sub-workflow name",
        5,
        19,
      ],
    ]);
  });

  it('a blocking call inside an expression is rejected', () => {
    expect(
      problems(`
main:
  steps:
    - a:
        return: \${http.get("https://example.com")}
`),
    ).toEqual([
      [
        "failed to build: error in step a: error evaluating return value: blocking function 'http.get' cannot be called in an expression; use a call step",
        5,
        19,
      ],
    ]);
  });

  it('duplicate step names in one routine are rejected, including in nested blocks', () => {
    expect(
      problems(`
main:
  steps:
    - same:
        assign:
          - x: 1
    - block:
        steps:
          - same:
              return: \${x}
`),
    ).toEqual([
      [
        "failed to build: error in step same: duplicate step name 'same' (first defined at line 4); step names must be unique within a workflow",
        9,
        13,
      ],
    ]);
  });

  it('jumping into a for loop body from outside is rejected', () => {
    expect(
      problems(`
main:
  steps:
    - start:
        next: inside
    - loop:
        for:
          value: v
          in: [1, 2]
          steps:
            - inside:
                assign:
                  - x: \${v}
`),
    ).toEqual([
      [
        "failed to build: error in step start: next: cannot jump to step 'inside': jumps into a for loop, parallel branch, try or except block, or out of a for loop or parallel branch, are not allowed",
        5,
        15,
      ],
    ]);
  });

  it('a shared variable that does not exist before the parallel step is rejected', () => {
    expect(
      problems(`
main:
  steps:
    - par:
        parallel:
          shared: [ghost]
          branches:
            - a:
                steps:
                  - s1:
                      assign:
                        - ghost: 1
            - b:
                steps:
                  - s2:
                      assign:
                        - ghost: 2
`),
    ).toEqual([
      [
        "failed to build: error in step par: shared variable 'ghost' must be assigned before the parallel step",
        6,
        11,
      ],
    ]);
  });
});
