import './setup.js';
import { startEmulator, type Clock } from '@workflows-kit/emulator';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  ExecutionNotFoundError,
  InvalidWorkflowArgumentsError,
  InvalidWorkflowResultError,
  Workflow,
  WorkflowConfigurationError,
  WorkflowError,
  WorkflowExecutionError,
  WorkflowExecutionFailedError,
  WorkflowNotFoundError,
  WorkflowWaitTimeoutError,
} from '../src/index.js';
import type { ExecutionStatus } from '../src/index.js';

// Every test here talks to the real emulator on 127.0.0.1 through the official ExecutionsClient.

type Emulator = Awaited<ReturnType<typeof startEmulator>>;
let emulator: Emulator;
let endpoint: string;
const revisions: Record<string, string> = {};

const ECHO = `
main:
  params: [args]
  steps:
    - done:
        return: \${args}
`;

const SLEEPER = `
main:
  params: [args]
  steps:
    - nap:
        call: sys.sleep
        args:
          seconds: \${args.seconds}
    - done:
        return: \${"slept " + string(args.seconds)}
`;

const FAILS = `
main:
  params: [args]
  steps:
    - check:
        raise:
          code: 42
          message: '\${"order rejected: " + args.reason}'
          tags: ["OrderError"]
`;

const TOTAL = `
main:
  params: [order]
  steps:
    - init:
        assign:
          - total: 0
    - add:
        for:
          value: price
          in: \${order.prices}
          steps:
            - accumulate:
                assign:
                  - total: \${total + price}
    - done:
        return:
          orderId: \${order.orderId}
          total: \${total}
`;

// The guide's example workflow: validates, "processes" and reports.
const DATA_PIPELINE = `
main:
  params: [args]
  steps:
    - process:
        call: sys.sleep
        args:
          seconds: 0.5
    - report:
        return:
          dataset_id: \${args.dataset_id}
          mode: \${args.processing_mode}
          rows: 1000
`;

const LOCATION = 'europe-west1';

/**
 * The emulator's clock here: wall time, but a sleep (`sys.sleep`) lasts until the test releases
 * it, or until the execution is cancelled. An execution is therefore ACTIVE exactly as long as a
 * test wants, however slow the machine.
 */
class HeldClock implements Clock {
  readonly #asleep = new Set<() => void>();
  #onSleep: (() => void) | undefined;

  now(): number {
    return Date.now();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const wake = () => {
        this.#asleep.delete(wake);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        this.#asleep.delete(wake);
        reject(signal!.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#asleep.add(wake);
      this.#onSleep?.();
    });
  }

  /** Ends every sleep in progress. */
  wakeAll(): void {
    for (const wake of [...this.#asleep]) wake();
  }

  /** Resolves once some execution is asleep. */
  someoneAsleep(): Promise<void> {
    if (this.#asleep.size > 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#onSleep = () => {
        this.#onSleep = undefined;
        resolve();
      };
    });
  }
}

const clock = new HeldClock();

beforeAll(async () => {
  emulator = await startEmulator({ host: '127.0.0.1', port: 0, clock });
  endpoint = emulator.url;
  for (const [id, source] of Object.entries({
    echo: ECHO,
    sleeper: SLEEPER,
    fails: FAILS,
    total: TOTAL,
    listed: ECHO,
    'list-states': SLEEPER,
  })) {
    revisions[id] = emulator.deploy(id, source, { location: LOCATION });
  }
  revisions['data-pipeline'] = emulator.deploy('data-pipeline', DATA_PIPELINE, { location: 'us-central1' });
});

afterAll(async () => {
  await emulator?.stop();
});

afterEach(() => {
  vi.unstubAllEnvs();
});

const fast = { initialDelayMs: 20, maxDelayMs: 200, timeoutMs: 15_000 } as const;

class EchoWorkflow extends Workflow {
  static readonly workflowName = 'echo';
  static readonly location = LOCATION;
}

const echo = () => new EchoWorkflow({ endpoint });

async function echoed(args: unknown): Promise<unknown> {
  return echo().run(args, fast);
}

describe('invoke and getExecutionStatus', () => {
  it('invoke returns the new execution at once', async () => {
    const before = Date.now();
    const execution = await echo().invoke({ orderId: 12345, items: ['a'] });
    const after = Date.now();
    expect(execution.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(execution.name).toMatch(
      new RegExp(`^projects/[^/]+/locations/${LOCATION}/workflows/echo/executions/${execution.id}$`),
    );
    expect(execution.workflowRevisionId).toBe(revisions['echo']);
    expect(execution.workflow).toBe(revisions['echo']);
    expect(execution.startTime).toBeInstanceOf(Date);
    expect(execution.startTime!.getTime()).toBeGreaterThanOrEqual(before);
    expect(execution.startTime!.getTime()).toBeLessThanOrEqual(after);
    expect(execution.argument).toEqual({ orderId: 12345, items: ['a'] });
    // An execution still running when the answer is written is ACTIVE.
    const sleeping = await new Workflow({ workflowName: 'sleeper', location: LOCATION, endpoint }).invoke({
      seconds: 60,
    });
    expect(sleeping.state).toBe('ACTIVE');
    await new Workflow({ workflowName: 'sleeper', location: LOCATION, endpoint }).cancel(sleeping.id);
  });

  it('getExecutionStatus returns result, times and steps once finished', async () => {
    const workflow = echo();
    const execution = await workflow.invoke({ orderId: 7 });
    await workflow.waitForCompletion(execution.id, fast);
    const status = await new EchoWorkflow({ endpoint }).getExecutionStatus(execution.id);
    expect(status).toMatchObject({
      id: execution.id,
      name: execution.name,
      state: 'SUCCEEDED',
      result: { orderId: 7 },
      argument: { orderId: 7 },
      error: undefined,
      workflowRevisionId: revisions['echo'],
    });
    expect(status.endTime).toBeInstanceOf(Date);
    expect(status.endTime!.getTime()).toBeGreaterThanOrEqual(status.startTime!.getTime());
    expect(status.duration).toBeGreaterThanOrEqual(0);
    expect(status.currentSteps).toEqual([{ routine: 'main', step: 'done' }]);
  });

  it('reads WORKFLOWS_EMULATOR_HOST (host:port form) when no endpoint is given', async () => {
    vi.stubEnv('WORKFLOWS_EMULATOR_HOST', `127.0.0.1:${emulator.port}`);
    const workflow = new EchoWorkflow();
    expect(workflow.endpoint).toMatchObject({ kind: 'emulator', port: emulator.port });
    expect(await workflow.run({ via: 'env' }, fast)).toEqual({ via: 'env' });
  });

  it('works without a subclass', async () => {
    const workflow = new Workflow({ workflowName: 'echo', location: LOCATION, endpoint });
    expect(await workflow.run([1, 2, 3], fast)).toEqual([1, 2, 3]);
  });
});

describe('argument serialisation, round-tripped through a workflow', () => {
  it('Date, Map, Set, nested values and dropped undefined members', async () => {
    const when = new Date(Date.UTC(2024, 1, 29, 12, 0, 0, 5));
    const result = await echoed({
      when,
      tags: new Set(['x', 'y']),
      totals: new Map<string, unknown>([
        ['eur', 1.5],
        ['usd', new Map([['cents', 150]])],
      ]),
      nested: { list: [1, 'two', null, true, { deep: [when] }] },
      dropped: undefined,
      unicode: 'naïve ☕ 𝄞',
    });
    expect(result).toEqual({
      when: '2024-02-29T12:00:00.005Z',
      tags: ['x', 'y'],
      totals: { eur: 1.5, usd: { cents: 150 } },
      nested: { list: [1, 'two', null, true, { deep: ['2024-02-29T12:00:00.005Z'] }] },
      unicode: 'naïve ☕ 𝄞',
    });
    expect(result).not.toHaveProperty('dropped');
  });

  it('no arguments: the workflow parameter is null', async () => {
    const workflow = echo();
    const execution = await workflow.invoke();
    expect(execution.argument === undefined || execution.argument === null).toBe(true);
    const status = await workflow.waitForCompletion(execution.id, fast);
    expect(status.state).toBe('SUCCEEDED');
    expect(status.result).toBeNull();
  });

  it('integers, doubles and large safe integers keep their values', async () => {
    const args = { int: 9007199254740991, negative: -42, double: 0.1 + 0.2, exp: 1e-7, zero: 0 };
    expect(await echoed(args)).toEqual(args);
  });

  it('an argument just under 32 KB is accepted; just over is refused before sending', async () => {
    const limit = 32 * 1024;
    const fits = 'a'.repeat(limit - 10); // {"s":"..."} adds 8 bytes
    expect(await echoed({ s: fits })).toEqual({ s: fits });
    const error = await echo()
      .invoke({ s: 'a'.repeat(limit) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidWorkflowArgumentsError);
  });

  it.each([
    ['a function', { f: () => 1 }],
    ['a symbol', { s: Symbol('s') }],
    ['a BigInt', { n: 10n }],
    [
      'a cycle',
      (() => {
        const o: Record<string, unknown> = {};
        o['o'] = o;
        return o;
      })(),
    ],
  ])('%s throws InvalidWorkflowArgumentsError and starts no execution', async (_label, args) => {
    const workflow = new Workflow({ workflowName: 'listed', location: LOCATION, endpoint });
    const before = await countExecutions(workflow);
    await expect(workflow.invoke(args)).rejects.toBeInstanceOf(InvalidWorkflowArgumentsError);
    expect(await countExecutions(workflow)).toBe(before);
  });
});

async function countExecutions(workflow: Workflow): Promise<number> {
  let count = 0;
  for await (const _ of workflow.listExecutions()) count += 1;
  return count;
}

describe('errors', () => {
  it('a missing workflow is WorkflowNotFoundError naming workflow, project and location', async () => {
    const error = await new Workflow({ workflowName: 'not-deployed', location: LOCATION, endpoint })
      .invoke({ a: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowNotFoundError);
    expect(error).toBeInstanceOf(WorkflowError);
    const message = (error as Error).message;
    expect(message).toContain('not-deployed');
    expect(message).toContain('my-project');
    expect(message).toContain(LOCATION);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it('the wrong location is WorkflowNotFoundError too', async () => {
    await expect(
      new Workflow({ workflowName: 'echo', location: 'asia-east1', endpoint }).invoke(),
    ).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('an unknown execution ID is ExecutionNotFoundError, a WorkflowExecutionError', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const call of [() => echo().getExecutionStatus(unknown), () => echo().cancel(unknown)]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ExecutionNotFoundError);
      expect(error).toBeInstanceOf(WorkflowExecutionError);
      expect((error as ExecutionNotFoundError).executionId).toBe(unknown);
      expect((error as ExecutionNotFoundError).status).toBe('NOT_FOUND');
    }
  });

  it('other API failures are WorkflowExecutionError with the original as cause', async () => {
    // Cancelling a finished execution is refused by the service.
    const workflow = echo();
    const execution = await workflow.invoke({});
    await workflow.waitForCompletion(execution.id, fast);
    const error = await workflow.cancel(execution.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowExecutionError);
    expect(error).not.toBeInstanceOf(ExecutionNotFoundError);
    expect((error as WorkflowExecutionError).status).toBe('FAILED_PRECONDITION');
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it('an unreachable emulator is WorkflowExecutionError without a status', async () => {
    const closed = await startEmulator({ host: '127.0.0.1', port: 0 });
    await closed.stop();
    const error = await new Workflow({ workflowName: 'echo', location: LOCATION, endpoint: closed.url })
      .invoke()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowExecutionError);
    expect((error as WorkflowExecutionError).status).toBeUndefined();
  });

  it('configuration errors are WorkflowConfigurationError', () => {
    expect(() => new Workflow({ location: LOCATION, endpoint })).toThrow(WorkflowConfigurationError);
    expect(() => new Workflow({ workflowName: 'echo', endpoint })).toThrow(WorkflowConfigurationError);
    expect(() => new Workflow({ workflowName: 'echo', location: LOCATION, endpoint: 'no-port' })).toThrow(
      WorkflowConfigurationError,
    );
  });

  it('a failed execution: status.error, and run() throws WorkflowExecutionFailedError', async () => {
    const workflow = new Workflow({ workflowName: 'fails', location: LOCATION, endpoint });
    const execution = await workflow.invoke({ reason: 'out of stock' });
    const status = await workflow.waitForCompletion(execution.id, fast);
    expect(status.state).toBe('FAILED');
    expect(status.result).toBeUndefined();
    expect(status.error).toMatchObject({
      payload: { code: 42, message: 'order rejected: out of stock', tags: ['OrderError'] },
      message: 'order rejected: out of stock',
      tags: ['OrderError'],
    });
    expect(status.error!.context).toContain('order rejected: out of stock');
    expect(status.error!.stackTrace[0]).toMatchObject({ routine: 'main', step: 'check' });
    expect(status.error!.stackTrace[0]!.position?.line).toBeGreaterThan(0);

    const error = await workflow.run({ reason: 'fraud' }, fast).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowExecutionFailedError);
    expect((error as WorkflowExecutionFailedError).status.state).toBe('FAILED');
    expect((error as WorkflowExecutionFailedError).status.error?.message).toBe('order rejected: fraud');
  });
});

describe('waitForCompletion, cancel', () => {
  const sleeper = () => new Workflow({ workflowName: 'sleeper', location: LOCATION, endpoint });

  it('waits for a sleeping execution, polling until it ends', async () => {
    // The delays between polls are checked exactly in wait.test.ts, on virtual time.
    const workflow = sleeper();
    const execution = await workflow.invoke({ seconds: 1 });
    expect(execution.state).toBe('ACTIVE');
    await clock.someoneAsleep();
    const running = await workflow.getExecutionStatus(execution.id);
    expect(running.state).toBe('ACTIVE');
    expect(running.endTime).toBeUndefined();
    expect(running.currentSteps).toEqual([{ routine: 'main', step: 'nap' }]);
    // The sleep ends after the wait's first poll has seen the execution ACTIVE.
    const seen: string[] = [];
    const read = workflow.getExecutionStatus.bind(workflow);
    workflow.getExecutionStatus = async (id) => {
      const status = await read(id);
      seen.push(status.state);
      if (seen.length === 1) clock.wakeAll();
      return status;
    };
    const status = await workflow.waitForCompletion(execution.id, fast);
    expect(status.state).toBe('SUCCEEDED');
    expect(status.result).toBe('slept 1');
    expect(seen[0]).toBe('ACTIVE');
    expect(seen.at(-1)).toBe('SUCCEEDED');
  });

  it('times out with WorkflowWaitTimeoutError carrying the running status', async () => {
    const workflow = sleeper();
    const execution = await workflow.invoke({ seconds: 30 });
    const error = await workflow
      .waitForCompletion(execution.id, { timeoutMs: 150, initialDelayMs: 30 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowWaitTimeoutError);
    expect((error as WorkflowWaitTimeoutError).status.state).toBe('ACTIVE');
    await workflow.cancel(execution.id);
  });

  it('an abort signal stops the wait', async () => {
    const workflow = sleeper();
    const execution = await workflow.invoke({ seconds: 30 });
    const controller = new AbortController();
    // Aborted once the first poll has answered: the wait stops instead of sleeping.
    const read = workflow.getExecutionStatus.bind(workflow);
    workflow.getExecutionStatus = async (id) => {
      const status = await read(id);
      controller.abort();
      return status;
    };
    const waiting = workflow.waitForCompletion(execution.id, {
      initialDelayMs: 20,
      signal: controller.signal,
    });
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    await workflow.cancel(execution.id);
  });

  it('cancel stops a running execution; waiting then yields CANCELLED and run() throws', async () => {
    const workflow = sleeper();
    const execution = await workflow.invoke({ seconds: 60 });
    const cancelled = await workflow.cancel(execution.id);
    expect(cancelled.id).toBe(execution.id);
    expect(cancelled.state).toBe('CANCELLED');
    const status = await workflow.waitForCompletion(execution.id, fast);
    expect(status.state).toBe('CANCELLED');
    expect(status.endTime).toBeInstanceOf(Date);

    const runner = sleeper();
    const invoked = vi.spyOn(runner, 'invoke');
    const running = runner.run({ seconds: 60 }, fast);
    // Cancel it from "another process" once it has been created.
    const { id } = await (invoked.mock.results[0]!.value as ReturnType<typeof runner.invoke>);
    await new Workflow({ workflowName: 'sleeper', location: LOCATION, endpoint }).cancel(id);
    const error = await running.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowExecutionFailedError);
    expect((error as WorkflowExecutionFailedError).status.state).toBe('CANCELLED');
  });
});

describe('listExecutions', () => {
  it('iterates every execution across pages, newest first', async () => {
    const workflow = new Workflow({ workflowName: 'listed', location: LOCATION, endpoint });
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push((await workflow.invoke({ i })).id);
    const listed: ExecutionStatus[] = [];
    for await (const status of workflow.listExecutions({ pageSize: 2 })) listed.push(status);
    expect(listed.map((s) => s.id).filter((id) => ids.includes(id))).toEqual([...ids].reverse());
    // BASIC view: no argument or result.
    expect(listed[0]!.argument).toBeUndefined();
    expect(listed[0]!.result).toBeUndefined();
    expect(listed[0]!.startTime).toBeInstanceOf(Date);
  });

  it('FULL view carries the argument; breaking out of the loop stops fetching', async () => {
    const workflow = new Workflow({ workflowName: 'listed', location: LOCATION, endpoint });
    const execution = await workflow.invoke({ marker: 'full' });
    for await (const status of workflow.listExecutions({ view: 'FULL', pageSize: 1 })) {
      expect(status.id).toBe(execution.id);
      expect(status.argument).toEqual({ marker: 'full' });
      break;
    }
  });

  it('filters by state', async () => {
    const workflow = new Workflow({ workflowName: 'list-states', location: LOCATION, endpoint });
    const quick = await workflow.invoke({ seconds: 0 });
    await workflow.waitForCompletion(quick.id, fast);
    const slow = await workflow.invoke({ seconds: 60 });
    const active: string[] = [];
    for await (const status of workflow.listExecutions({ state: 'ACTIVE' })) active.push(status.id);
    const succeeded: string[] = [];
    for await (const status of workflow.listExecutions({ state: ['SUCCEEDED', 'FAILED'] }))
      succeeded.push(status.id);
    expect(active).toEqual([slow.id]);
    expect(succeeded).toEqual([quick.id]);
    await workflow.cancel(slow.id);
  });

  it('listing a workflow that does not exist is WorkflowNotFoundError', async () => {
    const workflow = new Workflow({ workflowName: 'not-deployed', location: LOCATION, endpoint });
    await expect(countExecutions(workflow)).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });
});

describe('zod-typed workflow', () => {
  const OrderArgs = z.object({
    orderId: z.number().int().positive(),
    prices: z.array(z.number()).min(1),
  });
  const OrderResult = z.object({ orderId: z.number(), total: z.number() });

  class TotalWorkflow extends Workflow.withSchemas({ argsSchema: OrderArgs, resultSchema: OrderResult }) {
    static readonly workflowName = 'total';
    static readonly location = LOCATION;
  }

  it('run() returns the typed, validated result', async () => {
    const result = await new TotalWorkflow({ endpoint }).run({ orderId: 5, prices: [1, 2, 3.5] }, fast);
    const total: number = result.total;
    expect(total).toBe(6.5);
    expect(result).toEqual({ orderId: 5, total: 6.5 });
  });

  it('invalid arguments are refused before any execution starts', async () => {
    const workflow = new TotalWorkflow({ endpoint });
    const before = await countExecutions(workflow);
    // @ts-expect-error prices is required
    await expect(workflow.invoke({ orderId: 5 })).rejects.toBeInstanceOf(InvalidWorkflowArgumentsError);
    expect(await countExecutions(workflow)).toBe(before);
  });

  it('listExecutions validates results against resultSchema in the FULL view', async () => {
    await new TotalWorkflow({ endpoint }).run({ orderId: 9, prices: [2, 2] }, fast);
    const totals: number[] = [];
    for await (const status of new TotalWorkflow({ endpoint }).listExecutions({
      view: 'FULL',
      state: 'SUCCEEDED',
    })) {
      if (status.result) totals.push(status.result.total);
    }
    expect(totals).toContain(4);
    class Mistyped extends Workflow.withSchemas({ resultSchema: z.object({ total: z.string() }) }) {
      static readonly workflowName = 'total';
      static readonly location = LOCATION;
    }
    const listing = async () => {
      for await (const _ of new Mistyped({ endpoint }).listExecutions({ view: 'FULL', state: 'SUCCEEDED' })) {
        // consume
      }
    };
    await expect(listing()).rejects.toBeInstanceOf(InvalidWorkflowResultError);
  });

  it('a result that does not match resultSchema is InvalidWorkflowResultError', async () => {
    class Mistyped extends Workflow.withSchemas({ resultSchema: z.object({ total: z.string() }) }) {
      static readonly workflowName = 'total';
      static readonly location = LOCATION;
    }
    const error = await new Mistyped({ endpoint })
      .run({ orderId: 1, prices: [1] }, fast)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidWorkflowResultError);
  });
});

describe('console URL', () => {
  it('points at the emulator console page, which serves the execution', async () => {
    const workflow = echo();
    const execution = await workflow.invoke({ page: true });
    const url = workflow.getConsoleUrl(execution.id);
    expect(url).toBe(
      `${emulator.url}/console/workflows/workflow/${LOCATION}/echo/execution/${execution.id}?project=my-project`,
    );
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain(execution.id);
  });
});

describe("the guide's complete example, in TypeScript", () => {
  // workflows.ts
  class DataPipelineWorkflow extends Workflow {
    static readonly workflowName = 'data-pipeline';
    static readonly location = 'us-central1';
  }

  // models.ts: an in-memory stand-in for the DataJob table.
  interface DataJob {
    id: number;
    datasetId: string;
    workflowExecutionId: string;
    status: string;
    startedAt: Date | undefined;
    completedAt?: Date;
    result?: unknown;
  }
  const jobs: DataJob[] = [];

  // views.ts: the trigger.
  async function triggerDataPipeline(request: { datasetId: string; userEmail: string }) {
    try {
      const execution = await new DataPipelineWorkflow({ endpoint }).invoke({
        dataset_id: request.datasetId,
        processing_mode: 'full',
        notification_email: request.userEmail,
      });
      const job: DataJob = {
        id: jobs.length + 1,
        datasetId: request.datasetId,
        workflowExecutionId: execution.id,
        status: execution.state,
        startedAt: execution.startTime,
      };
      jobs.push(job);
      return {
        status: 200,
        body: {
          job_id: job.id,
          execution_id: execution.id,
          console_url: new DataPipelineWorkflow({ endpoint }).getConsoleUrl(execution.id),
        },
      };
    } catch (error) {
      return { status: 500, body: { error: String(error) } };
    }
  }

  // tasks.ts: the periodic status check.
  async function checkWorkflowStatus(): Promise<void> {
    for (const job of jobs.filter((j) => j.status === 'ACTIVE')) {
      const status = await new DataPipelineWorkflow({ endpoint }).getExecutionStatus(job.workflowExecutionId);
      job.status = status.state;
      if (status.endTime) job.completedAt = status.endTime;
      if (status.result !== undefined) job.result = status.result;
    }
  }

  it('stores the execution ID, then a periodic check records the outcome', async () => {
    const response = await triggerDataPipeline({ datasetId: 'ds-1', userEmail: 'user@example.com' });
    expect(response.status).toBe(200);
    const body = response.body as { job_id: number; execution_id: string; console_url: string };
    expect(body.job_id).toBe(1);
    expect(body.console_url).toBe(
      `${emulator.url}/console/workflows/workflow/us-central1/data-pipeline/execution/${body.execution_id}?project=my-project`,
    );
    const job = jobs[0]!;
    expect(job.workflowExecutionId).toBe(body.execution_id);
    expect(job.status).toBe('ACTIVE');
    expect(job.startedAt).toBeInstanceOf(Date);

    // The first check runs while the workflow still sleeps: the job stays ACTIVE.
    await clock.someoneAsleep();
    await checkWorkflowStatus();
    expect(job.status).toBe('ACTIVE');
    expect(job.completedAt).toBeUndefined();

    // The next check, after the workflow has finished, records the outcome.
    clock.wakeAll();
    await new DataPipelineWorkflow({ endpoint }).waitForCompletion(body.execution_id, fast);
    await checkWorkflowStatus();
    expect(job.status).toBe('SUCCEEDED');
    expect(job.completedAt).toBeInstanceOf(Date);
    expect(job.completedAt!.getTime()).toBeGreaterThanOrEqual(job.startedAt!.getTime());
    expect(job.result).toEqual({ dataset_id: 'ds-1', mode: 'full', rows: 1000 });
  });

  it('the trigger reports a workflow that is not deployed', async () => {
    class Missing extends Workflow {
      static readonly workflowName = 'data-pipeline';
      static readonly location = 'europe-west1';
    }
    const error = await new Missing({ endpoint }).invoke({ dataset_id: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowNotFoundError);
  });
});
