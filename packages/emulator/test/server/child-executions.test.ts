/** Parent/child workflows through the Workflow Executions connector, run by the emulator itself. */
import { describe, expect, it } from 'vitest';
import { createServices } from '../../src/server/app.js';
import { createAppDeps } from '../../src/server/deps.js';
import { projectRef } from '../../src/server/workflows-service.js';

const CHILD = `main:
  params: [args]
  steps:
    - check:
        switch:
          - condition: \${args.n < 0}
            raise:
              message: negative
    - done:
        return: \${args.n * 2}
`;

const PARENT = `main:
  params: [args]
  steps:
    - run_child:
        try:
          call: googleapis.workflowexecutions.v1.projects.locations.workflows.executions.run
          args:
            workflow_id: child
            argument:
              n: \${args.n}
          result: doubled
        except:
          as: e
          steps:
            - report:
                return:
                  tags: \${e.tags}
                  message: \${e.message}
                  childState: \${e.operation.state}
    - done:
        return: \${doubled}
`;

const CREATOR = `main:
  steps:
    - create:
        call: googleapis.workflowexecutions.v1.projects.locations.workflows.executions.create
        args:
          parent: \${"projects/" + sys.get_env("GOOGLE_CLOUD_PROJECT_ID") + "/locations/us-central1/workflows/child"}
          body:
            argument: '{"n": 21}'
        result: execution
    - done:
        return: \${execution.name}
`;

function setup() {
  const deps = createAppDeps({});
  const { workflows, executions } = createServices(deps);
  const ref = projectRef(deps, deps.config.projectId);
  workflows.create(ref, 'us-central1', 'child', { sourceContents: CHILD });
  workflows.create(ref, 'us-central1', 'parent', { sourceContents: PARENT });
  workflows.create(ref, 'us-central1', 'creator', { sourceContents: CREATOR });
  const run = async (workflowId: string, argument?: unknown) => {
    const rec = executions.create(ref, 'us-central1', workflowId, {
      ...(argument === undefined ? {} : { argument: JSON.stringify(argument) }),
    });
    await executions.whenSettled(rec);
    return rec;
  };
  return { deps, run, workflows, ref };
}

describe('googleapis.workflowexecutions connector without a stub', () => {
  it('executions.run runs the deployed child workflow and returns its result', async () => {
    const { run, deps } = setup();
    const parent = await run('parent', { n: 21 });
    expect(parent.state).toBe('SUCCEEDED');
    expect(parent.result).toBe('42');
    const children = [...deps.store.executions.all()].filter((r) => r.workflow.workflowId === 'child');
    expect(children.map((c) => [c.state, c.argument])).toEqual([['SUCCEEDED', '{"n":21}']]);
    const log = deps.stubs.requests().filter((r) => r.kind === 'connector');
    expect(log.map((r) => r.outcome)).toEqual(['emulated']);
  });

  it('a failed child raises OperationError carrying the child execution', async () => {
    const { run } = setup();
    const parent = await run('parent', { n: -1 });
    expect(parent.state).toBe('SUCCEEDED');
    expect(JSON.parse(parent.result ?? 'null')).toEqual({
      tags: ['OperationError'],
      message: 'Execution failed or cancelled.',
      childState: 'FAILED',
    });
  });

  it('executions.create starts the child and returns the Execution resource at once', async () => {
    const { run, deps } = setup();
    const creator = await run('creator');
    expect(creator.state).toBe('SUCCEEDED');
    const name = JSON.parse(creator.result ?? 'null') as string;
    expect(name).toMatch(
      /^projects\/my-project\/locations\/us-central1\/workflows\/child\/executions\/[0-9a-f-]{36}$/,
    );
    const child = [...deps.store.executions.all()].find((r) => name.endsWith(r.executionId));
    expect(child?.argument).toBe('{"n":21}');
  });

  it('a registered stub still takes precedence', async () => {
    const { run, deps } = setup();
    deps.stubs.add({
      connector: 'googleapis.workflowexecutions.v1.projects.locations.workflows.executions.run',
      body: 7,
    });
    const parent = await run('parent', { n: 21 });
    expect(parent.result).toBe('7');
    expect([...deps.store.executions.all()].filter((r) => r.workflow.workflowId === 'child')).toHaveLength(0);
  });

  it('an unknown child workflow is an HttpError 404 in the parent', async () => {
    const { run, workflows, ref } = setup();
    const missing = `main:
  steps:
    - go:
        call: googleapis.workflowexecutions.v1.projects.locations.workflows.executions.run
        args:
          workflow_id: nope
`;
    workflows.create(ref, 'us-central1', 'missing', { sourceContents: missing });
    const rec = await run('missing');
    expect(rec.state).toBe('FAILED');
    expect(JSON.parse(rec.error?.payload ?? '{}')).toMatchObject({ code: 404, tags: ['HttpError'] });
  });
});

describe('experimental.executions', () => {
  it('run and map start children through the same connector', async () => {
    const { run, workflows, ref } = setup();
    workflows.create(ref, 'us-central1', 'legacy', {
      sourceContents: `main:
  steps:
    - one:
        call: experimental.executions.run
        args:
          workflow_id: child
          argument:
            n: 5
        result: single
    - many:
        call: experimental.executions.map
        args:
          workflow_id: child
          arguments: [{n: 1}, {n: 2}, {n: 3}]
        result: several
    - done:
        return: \${[single, several]}
`,
    });
    const rec = await run('legacy');
    expect(rec.state).toBe('SUCCEEDED');
    expect(JSON.parse(rec.result ?? 'null')).toEqual([10, [2, 4, 6]]);
  });
});
