import { describe, it, expect } from 'vitest';
import { Workflow, WorkflowExecutionFailedError } from '@workflows-kit/client';
import { createTestEnvironment, http, HttpResponse, WorkflowDeployError } from '../src/index.js';

class ProcessOrderWorkflow extends Workflow {
  static readonly workflowName = 'process-order';
  static readonly location = 'us-central1';
}

/** Same workflow, declared in another region: the environment finds it by ID. */
class ProcessOrderEurope extends Workflow {
  static readonly workflowName = 'process-order';
  static readonly location = 'europe-west1';
}

const WORKFLOWS_DIR = new URL('./workflows', import.meta.url);

const THREE_STEPS = `
main:
  params: [args]
  steps:
    - init:
        assign:
          - x: \${args.n}
    - double:
        assign:
          - x: \${x * 2}
    - done:
        return: \${x + 1}
`;

/** Waits a minute for a callback nobody sends: ACTIVE until the environment lets time run. */
const AWAITS_CALLBACK = `
main:
  steps:
    - create:
        call: events.create_callback_endpoint
        result: cb
    - wait:
        try:
          call: events.await_callback
          args:
            callback: \${cb}
            timeout: 60
        except:
          as: e
          steps:
            - timedOut:
                return: "timed out"
`;

describe('createTestEnvironment', () => {
  it('runs the issue example: deploy from a directory, stub, invoke through the client, wait, read calls', async () => {
    const env = await createTestEnvironment({ workflowsDir: WORKFLOWS_DIR });
    try {
      expect(env.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      env.stubs.use(
        http.post('https://api.example.com/validate', () => HttpResponse.json({ valid: true })),
        http.post('https://api.example.com/payments', () =>
          HttpResponse.json({ error: 'declined' }, { status: 402 }),
        ),
      );
      const wf = env.workflow(ProcessOrderWorkflow);
      expect(wf).toBeInstanceOf(ProcessOrderWorkflow);
      const execution = await wf.invoke({ orderId: 1, customerEmail: 'a@b.c' });
      const status = await env.waitForExecution(execution.id);
      expect(status.state).toBe('SUCCEEDED');
      expect(status.result).toEqual({ status: 'declined', code: 402 });

      // The in-process status is what the client reads over REST.
      const viaClient = await wf.getExecutionStatus(execution.id);
      expect(status).toEqual(viaClient);

      const payments = env.stubs.calls('https://api.example.com/payments');
      expect(payments).toHaveLength(1);
      expect(payments[0]).toMatchObject({
        method: 'POST',
        url: 'https://api.example.com/payments',
        body: { orderId: 1, email: 'a@b.c' },
        status: 402,
        step: 'charge',
        executionId: execution.id,
      });
      expect(payments[0]!.headers['Content-Type']).toMatch(/^application\/json/);
      expect(env.stubs.calls()).toHaveLength(2);
    } finally {
      await env.teardown();
    }
  });

  it('wf.run() waits in-process and reads the status once, after the execution ended', async () => {
    const env = await createTestEnvironment({ workflows: { calc: THREE_STEPS, waiter: AWAITS_CALLBACK } });
    try {
      const wf = env.workflow({ workflowName: 'calc' });
      await expect(wf.run({ n: 20 })).resolves.toBe(41);
      // A callback time-out passes only while someone waits through the environment: the client's
      // own polling would find the execution ACTIVE, sleep and poll again, and never see it end.
      const waiter = env.workflow({ workflowName: 'waiter' });
      const seen: string[] = [];
      const read = waiter.getExecutionStatus.bind(waiter);
      waiter.getExecutionStatus = (id) => {
        seen.push(env.getExecution(id).state);
        return read(id);
      };
      await expect(waiter.run()).resolves.toBe('timed out');
      expect(seen).toEqual(['SUCCEEDED']);
    } finally {
      await env.teardown();
    }
  });

  it('finds a workflow by ID whatever location the class declares', async () => {
    const env = await createTestEnvironment({ workflowsDir: WORKFLOWS_DIR });
    try {
      env.stubs.use(
        http.post('https://api.example.com/validate', () => HttpResponse.json({ valid: false })),
        http.post('https://api.example.com/payments', () => HttpResponse.json({ id: 'p1' })),
      );
      const wf = env.workflow(ProcessOrderEurope);
      expect(wf.location).toBe('europe-west1');
      const result = await wf.run({ orderId: 7, customerEmail: 'x@y.z' });
      expect(result).toEqual({ status: 'paid', valid: false });
      // And a redeploy reaches that location too.
      env.deploy('process-order', THREE_STEPS);
      await expect(wf.run({ n: 1 })).resolves.toBe(3);
    } finally {
      await env.teardown();
    }
  });

  it('run() rejects with WorkflowExecutionFailedError for a failed execution', async () => {
    const env = await createTestEnvironment({
      workflows: { boom: 'main:\n  steps:\n    - fail:\n        raise: "bad thing"\n' },
    });
    try {
      const err: unknown = await env
        .workflow('boom')
        .run()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowExecutionFailedError);
      expect((err as WorkflowExecutionFailedError).status.error?.payload).toBe('bad thing');
    } finally {
      await env.teardown();
    }
  });

  it('deploys from a map of sources and file paths, and deploy() adds revisions', async () => {
    const file = new URL('./workflows/process-order.yaml', import.meta.url).pathname;
    const env = await createTestEnvironment({ workflows: { calc: THREE_STEPS, order: file } });
    try {
      expect((await env.execute('calc', { n: 2 })).result).toBe(5);
      const rev = env.deploy('calc', THREE_STEPS.replace('x + 1', 'x + 100'));
      expect(rev).toMatch(/^000002-/);
      const status = await env.execute('calc', { n: 2 });
      expect(status.result).toBe(104);
      expect(status.workflowRevisionId).toBe(rev);
      const order = env.emulator.deps.store.workflows.get({
        project: env.projectId,
        location: env.location,
        workflowId: 'order',
      });
      expect(order?.revisions[0]?.sourceContents).toContain('api.example.com/payments');
    } finally {
      await env.teardown();
    }
  });

  it('reports a workflow that does not deploy, with its ID and the problem', async () => {
    const broken = 'main:\n  steps:\n    - a:\n        next: nowhere\n';
    const err: unknown = await createTestEnvironment({ workflows: { broken } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowDeployError);
    expect((err as Error).message).toMatch(/workflow 'broken' failed to deploy: .*nowhere/s);
  });

  it('honours projectId and location', async () => {
    const env = await createTestEnvironment({
      projectId: 'acme',
      location: 'asia-east1',
      workflows: { calc: THREE_STEPS },
    });
    try {
      const wf = env.workflow({ workflowName: 'calc' });
      expect(wf.location).toBe('asia-east1');
      const execution = await wf.invoke({ n: 1 });
      expect(execution.name).toMatch(/^projects\/acme\/locations\/asia-east1\/workflows\/calc\/executions\//);
      expect((await env.waitForExecution(execution)).result).toBe(3);
    } finally {
      await env.teardown();
    }
  });

  it('keeps two environments running in parallel isolated', async () => {
    const source = `
main:
  steps:
    - get:
        call: http.get
        args:
          url: https://api.example.com/who
        result: r
    - done:
        return: \${r.body}
`;
    const [a, b] = await Promise.all([
      createTestEnvironment({ workflows: { who: source } }),
      createTestEnvironment({ workflows: { who: source } }),
    ]);
    try {
      expect(a.endpoint).not.toBe(b.endpoint);
      a.stubs.use(http.get('https://api.example.com/who', () => HttpResponse.json('a')));
      b.stubs.use(http.get('https://api.example.com/who', () => HttpResponse.json('b')));
      const [ra, rb] = await Promise.all([a.workflow('who').run(), b.workflow('who').run()]);
      expect([ra, rb]).toEqual(['a', 'b']);
      expect(a.stubs.calls()).toHaveLength(1);
      expect(b.stubs.calls()).toHaveLength(1);
      a.deploy('only-in-a', THREE_STEPS);
      expect(
        b.emulator.deps.store.workflows.get({
          project: b.projectId,
          location: b.location,
          workflowId: 'only-in-a',
        }),
      ).toBeUndefined();
      const execA = await a.invoke('who');
      expect(() => b.getExecution(execA.id)).toThrow(/no execution/);
      await a.waitForExecution(execA);
    } finally {
      await Promise.all([a.teardown(), b.teardown()]);
    }
  });

  it('records the path an execution took', async () => {
    const source = `
main:
  params: [args]
  steps:
    - check:
        switch:
          - condition: \${args.vip}
            next: vip
        next: regular
    - vip:
        return: "vip"
    - regular:
        call: helper
        result: r
    - done:
        return: \${r}
helper:
  steps:
    - inner:
        return: "regular"
`;
    const env = await createTestEnvironment({ workflows: { route: source } });
    try {
      const vip = await env.invoke('route', { vip: true });
      await env.waitForExecution(vip);
      expect(env.executionHistory(vip).map((s) => s.step)).toEqual(['check', 'vip']);

      const regular = await env.invoke('route', { vip: false });
      expect(await env.waitForExecution(regular)).toMatchObject({ state: 'SUCCEEDED', result: 'regular' });
      const history = env.executionHistory(regular);
      expect(history.map((s) => [s.routine, s.step])).toEqual([
        ['main', 'check'],
        ['main', 'regular'],
        ['helper', 'inner'],
        ['main', 'done'],
      ]);
      expect(history[0]).toMatchObject({ type: 'STEP_SWITCH', state: 'STATE_SUCCEEDED' });
      expect(history[1]).toMatchObject({ type: 'STEP_SUBWORKFLOW_CALL' });
      expect(history.every((s) => s.state === 'STATE_SUCCEEDED')).toBe(true);
    } finally {
      await env.teardown();
    }
  });

  it('gives a failed step its error in the history', async () => {
    const env = await createTestEnvironment({
      workflows: {
        boom: 'main:\n  steps:\n    - ok:\n        assign:\n          - a: 1\n    - fail:\n        raise: {code: 7}\n',
      },
    });
    try {
      const status = await env.execute('boom');
      expect(status.state).toBe('FAILED');
      const history = env.executionHistory(status.id);
      expect(history.map((s) => [s.step, s.state])).toEqual([
        ['ok', 'STATE_SUCCEEDED'],
        ['fail', 'STATE_FAILED'],
      ]);
      expect(history[1]!.error).toEqual({ code: 7 });
    } finally {
      await env.teardown();
    }
  });
});
