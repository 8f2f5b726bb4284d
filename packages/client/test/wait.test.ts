/**
 * waitForCompletion and run against a scripted client, on virtual time: the sleep between polls
 * is replaced by one that records the delay asked for and moves a virtual clock (Date.now) by it,
 * and the jitter is fixed, so every delay and time-out is checked exactly and nothing waits.
 */
import './setup.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  WorkflowConfigurationError,
  WorkflowExecutionFailedError,
  WorkflowWaitTimeoutError,
} from '../src/index.js';
import { fakeClient, ProcessOrderWorkflow } from './fakes.js';

const clock = vi.hoisted(() => ({ now: 0, sleeps: [] as number[] }));

vi.mock('node:timers/promises', () => ({
  setTimeout: async (ms: number, _value?: unknown, options?: { signal?: AbortSignal }) => {
    options?.signal?.throwIfAborted();
    clock.sleeps.push(ms);
    clock.now += ms;
  },
}));

beforeEach(() => {
  for (const name of ['GOOGLE_CLOUD_PROJECT', 'GCLOUD_PROJECT', 'WORKFLOWS_EMULATOR_HOST'])
    vi.stubEnv(name, '');
  clock.now = Date.UTC(2026, 0, 1);
  clock.sleeps = [];
  vi.spyOn(Date, 'now').mockImplementation(() => clock.now);
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

const running = { name: 'projects/p/locations/l/workflows/w/executions/e1', state: 'ACTIVE' };
const succeeded = { ...running, state: 'SUCCEEDED', result: '{"ok":true}' };

describe('waitForCompletion (injected client, virtual time)', () => {
  it('polls at once, then after delays that grow by the multiplier up to maxDelayMs', async () => {
    // Math.random() = 1: each delay is the top of its jitter range [d/2, d].
    vi.spyOn(Math, 'random').mockReturnValue(1);
    const client = fakeClient({ get: [running, running, running, running, running, succeeded] });
    const status = await new ProcessOrderWorkflow({ client, projectId: 'p' }).waitForCompletion('e1', {
      initialDelayMs: 20,
      multiplier: 3,
      maxDelayMs: 100,
    });
    expect(status.state).toBe('SUCCEEDED');
    expect(status.result).toEqual({ ok: true });
    expect(client.calls.map((c) => c.method)).toEqual(Array(6).fill('getExecution'));
    expect(clock.sleeps).toEqual([20, 60, 100, 100, 100]);
  });

  it('draws each delay from the upper half of its range, so waiters do not poll in step', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const client = fakeClient({ get: [running, running, running, succeeded] });
    await new ProcessOrderWorkflow({ client, projectId: 'p' }).waitForCompletion('e1', {
      initialDelayMs: 20,
      multiplier: 2,
      maxDelayMs: 50,
    });
    expect(clock.sleeps).toEqual([10, 20, 25]);
  });

  it('uses 1 s, x2 and at most 30 s by default; an initial delay above the maximum is capped', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(1);
    const gets = [...Array<typeof running>(7).fill(running), succeeded];
    await new ProcessOrderWorkflow({ client: fakeClient({ get: gets }), projectId: 'p' }).waitForCompletion(
      'e1',
    );
    expect(clock.sleeps).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    clock.sleeps = [];
    await new ProcessOrderWorkflow({
      client: fakeClient({ get: [running, running, succeeded] }),
      projectId: 'p',
    }).waitForCompletion('e1', { initialDelayMs: 5000, maxDelayMs: 3000 });
    expect(clock.sleeps).toEqual([3000, 3000]);
  });

  it('times out with the last status; the last sleep is cut to the time left', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(1);
    const client = fakeClient({ get: [running] });
    const error = await new ProcessOrderWorkflow({ client, projectId: 'p' })
      .waitForCompletion('e1', { timeoutMs: 60, initialDelayMs: 10, multiplier: 2 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowWaitTimeoutError);
    expect((error as WorkflowWaitTimeoutError).status.state).toBe('ACTIVE');
    expect((error as WorkflowWaitTimeoutError).timeoutMs).toBe(60);
    // 10 + 20 ms, then 30 ms are left of the 40 ms delay; the poll after them sees the time-out.
    expect(clock.sleeps).toEqual([10, 20, 30]);
    expect(client.calls).toHaveLength(4);
  });

  it('stops when the signal aborts, with the signal reason', async () => {
    const client = fakeClient({ get: [running] });
    const controller = new AbortController();
    const reason = new Error('shutting down');
    const getExecution = client.getExecution;
    // Abort while the first poll is in flight: the wait must not sleep or poll again.
    client.getExecution = ((request: unknown) => {
      controller.abort(reason);
      return getExecution(request);
    }) as typeof client.getExecution;
    await expect(
      new ProcessOrderWorkflow({ client, projectId: 'p' }).waitForCompletion('e1', {
        signal: controller.signal,
      }),
    ).rejects.toBe(reason);
    expect(clock.sleeps).toEqual([]);
    expect(client.calls).toHaveLength(1);
  });

  it('rejects nonsensical options', async () => {
    const workflow = new ProcessOrderWorkflow({ client: fakeClient(), projectId: 'p' });
    await expect(workflow.waitForCompletion('e1', { multiplier: 0.5 })).rejects.toThrow(/multiplier/);
    await expect(workflow.waitForCompletion('e1', { initialDelayMs: -1 })).rejects.toThrow(
      WorkflowConfigurationError,
    );
    await expect(workflow.waitForCompletion('e1', { maxDelayMs: -1 })).rejects.toThrow(/maxDelayMs/);
  });
});

describe('run (injected client, virtual time)', () => {
  it('invokes, waits and returns the result', async () => {
    const client = fakeClient({ get: [running, succeeded] });
    await expect(new ProcessOrderWorkflow({ client, projectId: 'p' }).run({})).resolves.toEqual({ ok: true });
    expect(client.calls.map((c) => c.method)).toEqual(['createExecution', 'getExecution', 'getExecution']);
  });

  it('throws WorkflowExecutionFailedError carrying the status', async () => {
    const failed = {
      ...running,
      state: 'FAILED',
      error: { payload: '{"message":"boom","tags":["ValueError"]}', context: 'boom' },
    };
    const client = fakeClient({ get: [failed] });
    const error = await new ProcessOrderWorkflow({ client, projectId: 'p' })
      .run({}, { initialDelayMs: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowExecutionFailedError);
    const { status } = error as WorkflowExecutionFailedError;
    expect(status.state).toBe('FAILED');
    expect(status.error?.tags).toEqual(['ValueError']);
    expect((error as Error).message).toContain('boom');
  });
});
