/**
 * Deploy-time rejections that the workflow cases cannot express (the harness only runs
 * workflows that load). Ported in spirit from the conformance deploy cases and reference §1.
 */
import { describe, expect, it } from 'vitest';
import { formatProblems, loadWorkflow } from '../../src/source/index.js';

function problems(source: string): string {
  const r = loadWorkflow(source);
  if (r.ok) throw new Error('expected the workflow to be rejected');
  return formatProblems(r.problems);
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
    ).toMatch(/total/);
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
    ).toMatch(/explode/);
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
    ).toMatch(/main/);
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
    ).toMatch(/\bb\b/);
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
    ).toMatch(/add/);
  });

  it('a next to an unknown step, and break outside a loop, are rejected', () => {
    expect(
      problems(`
main:
  steps:
    - a:
        next: nowhere
`),
    ).toMatch(/nowhere/);
    expect(
      problems(`
main:
  steps:
    - a:
        next: break
`),
    ).toMatch(/break/);
  });

  it('an undefined variable is rejected at deploy time', () => {
    expect(
      problems(`
main:
  steps:
    - a:
        return: \${never_assigned}
`),
    ).toMatch(/never_assigned/);
  });

  it('a blocking call inside an expression is rejected', () => {
    expect(
      problems(`
main:
  steps:
    - a:
        return: \${http.get("https://example.com")}
`),
    ).toMatch(/http\.get/);
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
    ).toMatch(/same/);
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
    ).toMatch(/inside/);
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
    ).toMatch(/ghost/);
  });
});
