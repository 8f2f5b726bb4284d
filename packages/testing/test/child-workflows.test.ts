import { afterAll, describe, expect, it } from 'vitest';
import { createTestEnvironment } from '@workflows-kit/testing';

const env = await createTestEnvironment({
  workflows: {
    child: `main:
  params: [args]
  steps:
    - wait:
        call: sys.sleep
        args:
          seconds: 7200
    - done:
        return: \${args.n * 10}
`,
    parent: `main:
  params: [args]
  steps:
    - run_child:
        call: googleapis.workflowexecutions.v1.projects.locations.workflows.executions.run
        args:
          workflow_id: child
          argument:
            n: \${args.n}
        result: r
    - done:
        return: \${r + 1}
`,
  },
});
afterAll(() => env.teardown());

describe('child workflows', () => {
  it('run in the same environment, in virtual time, when the Workflow Executions connector is not stubbed', async () => {
    const before = env.clock.now();
    const result = await env.workflow('parent').run({ n: 4 });
    expect(result).toBe(41);
    expect(env.clock.now() - before).toBeGreaterThanOrEqual(7200 * 1000);
  });
});
