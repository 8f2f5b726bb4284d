/**
 * The step matchers (`toHaveVisitedStep`, `toHaveStepVariables`) on `env.executionHistory()` of
 * real executions in an in-process emulator, at the basic and the detailed history level; the
 * same matchers through `expectWorkflow` (node:test).
 */
import { describe, expect, it } from 'vitest';
import { setupWorkflowsTest } from '../src/vitest.js';
import { expectWorkflow } from '../src/node-test.js';
import { failureOf } from './failure-of.js';

const TALLY = `main:
  params: [args]
  steps:
    - init:
        assign:
          - total: 0
    - loop:
        for:
          value: v
          in: \${args.values}
          steps:
            - add:
                assign:
                  - total: \${total + v}
    - twice:
        call: double
        args:
          n: \${total}
        result: doubled
    - done:
        return: \${doubled}
double:
  params: [n]
  steps:
    - add:
        assign:
          - m: \${n * 2}
    - out:
        return: \${m}
`;

const env = setupWorkflowsTest({ workflows: { tally: TALLY } });
const DETAILED = { executionHistoryLevel: 'EXECUTION_HISTORY_DETAILED' } as const;

describe('toHaveVisitedStep', () => {
  it('counts the visits of a step, by routine.step or by bare name in any routine', async () => {
    const status = await env.execute('tally', { values: [1, 2, 3] });
    expect(status).toSucceedWith(12);
    const history = env.executionHistory(status);
    expect(history).toHaveVisitedStep('init');
    expect(history).toHaveVisitedStep('init', 1);
    expect(history).toHaveVisitedStep('main.add', 3);
    expect(history).toHaveVisitedStep('double.add', 1);
    // A bare name counts the step in every routine.
    expect(history).toHaveVisitedStep('add', 4);
    // The for step once, not once per iteration.
    expect(history).toHaveVisitedStep('loop', 1);
    expect(history).toHaveVisitedStep('missing', 0);
    expect(history).not.toHaveVisitedStep('missing');
    expect(history).not.toHaveVisitedStep('main.add', 2);
    expect(history).not.toHaveVisitedStep('main.out');
  });

  it('fails on a wrong count and lists the steps visited with their counts', async () => {
    const history = env.executionHistory(await env.execute('tally', { values: [5, 6] }));
    expect(failureOf(() => expect(history).toHaveVisitedStep('main.add', 3))).toBe(
      'expected step main.add to have been visited 3 times, but it was visited 2 times; the steps visited were:\n' +
        '  main.init ×1\n  main.loop ×1\n  main.add ×2\n  main.twice ×1\n  double.add ×1\n  double.out ×1\n  main.done ×1',
    );
    expect(failureOf(() => expect(history).toHaveVisitedStep('nowhere'))).toMatch(
      /^expected step nowhere to have been visited, but it was visited never; the steps visited were:\n {2}main\.init ×1\n/,
    );
    expect(failureOf(() => expect(history).not.toHaveVisitedStep('done', 1))).toBe(
      'expected step done not to have been visited once, but it was',
    );
    expect(failureOf(() => expect(history).toHaveVisitedStep('init', -1))).toContain(
      'the count must be a whole number >= 0',
    );
  });

  it('refuses what is not a history, negated or not', async () => {
    const status = await env.execute('tally', { values: [] });
    const why = /^toHaveVisitedStep: expected the steps of an execution \(from env\.executionHistory\(id\)\)/;
    expect(failureOf(() => expect(status).toHaveVisitedStep('init'))).toMatch(why);
    expect(failureOf(() => expect(status).not.toHaveVisitedStep('init'))).toMatch(why);
  });
});

describe('toHaveStepVariables', () => {
  it("matches a step's variables at the detailed level, at one visit or any", async () => {
    const status = await env.execute('tally', { values: [1, 2, 3] }, DETAILED);
    const history = env.executionHistory(status);
    expect(history).toHaveStepVariables('init', { total: 0 });
    expect(history).toHaveStepVariables('main.add', { total: 3, v: 2 }, { occurrence: 2 });
    expect(history).toHaveStepVariables('main.add', { total: 6 });
    expect(history).toHaveStepVariables('double.add', { n: 6, m: 12 });
    expect(history).toHaveStepVariables('twice', {
      doubled: 12,
      args: expect.objectContaining({ values: [1, 2, 3] }),
    });
    expect(history).not.toHaveStepVariables('main.add', { total: 6 }, { occurrence: 1 });
    expect(history).not.toHaveStepVariables('main.add', { total: 7 });
    // A key the step did not have does not match, even when expected undefined.
    expect(history).not.toHaveStepVariables('init', { doubled: undefined });
  });

  it('fails on wrong variables and shows the actual ones', async () => {
    const history = env.executionHistory(await env.execute('tally', { values: [1, 2] }, DETAILED));
    const wrong = failureOf(() => expect(history).toHaveStepVariables('main.add', { total: 2 }));
    expect(wrong).toMatch(/^expected step main\.add to have the variables .*"total": 2/s);
    expect(wrong).toContain(
      ', but its variables were:\n' +
        '  visit 1: {"args":{"values":[1,2]},"total":1,"v":1}\n' +
        '  visit 2: {"args":{"values":[1,2]},"total":3,"v":2}',
    );
    expect(
      failureOf(() => expect(history).toHaveStepVariables('main.add', { total: 1 }, { occurrence: 2 })),
    ).toMatch(
      /^expected step main\.add \(visit 2\) to have the variables .*, but its variables were:\n {2}visit 2: \{"args":\{"values":\[1,2\]\},"total":3,"v":2\}$/s,
    );
    expect(
      failureOf(() => expect(history).toHaveStepVariables('main.add', { total: 1 }, { occurrence: 3 })),
    ).toMatch(/^expected step main\.add \(visit 3\) to have the variables .*, but it was visited 2 times$/s);
    expect(failureOf(() => expect(history).toHaveStepVariables('nowhere', {}))).toMatch(
      /^expected step nowhere to have the variables .*, but it was never visited; the steps visited were:\n/s,
    );
    expect(failureOf(() => expect(history).not.toHaveStepVariables('init', { total: 0 }))).toMatch(
      /^expected step init not to have the variables .*"total": 0/s,
    );
  });

  it('says so when the execution was not run at the detailed level, negated or not', async () => {
    const history = env.executionHistory(await env.execute('tally', { values: [1] }));
    expect(history.every((e) => e.variables === undefined)).toBe(true);
    const why =
      'toHaveStepVariables: the execution was not run at EXECUTION_HISTORY_DETAILED, so its step entries have no variables';
    expect(failureOf(() => expect(history).toHaveStepVariables('init', { total: 0 }))).toContain(why);
    expect(failureOf(() => expect(history).not.toHaveStepVariables('init', { total: 1 }))).toContain(why);
  });

  it('refuses bad arguments', async () => {
    const history = env.executionHistory(await env.execute('tally', { values: [] }, DETAILED));
    expect(failureOf(() => expect(history).toHaveStepVariables('init', [0] as never))).toContain(
      'the expected variables must be a map of names to values',
    );
    expect(
      failureOf(() => expect(history).toHaveStepVariables('init', { total: 0 }, { occurrence: 0 })),
    ).toContain('occurrence counts visits from 1');
  });
});

describe('the step matchers through expectWorkflow (node:test)', () => {
  it('passes and fails as in vitest', async () => {
    const history = env.executionHistory(await env.execute('tally', { values: [4, 5] }, DETAILED));
    expectWorkflow(history).toHaveVisitedStep('main.add', 2);
    expectWorkflow(history).not.toHaveVisitedStep('main.add', 1);
    expectWorkflow(history).toHaveStepVariables('main.add', { total: 9 }, { occurrence: 2 });
    expect(() => expectWorkflow(history).toHaveVisitedStep('main.add', 1)).toThrow(
      /expected step main.add to have been visited once, but it was visited 2 times; the steps visited were:/,
    );
    expect(() => expectWorkflow(history).toHaveStepVariables('main.add', { total: 4, v: 5 })).toThrow(
      /visit 2: \{"args":\{"values":\[4,5\]\},"total":9,"v":5\}/,
    );
  });
});
