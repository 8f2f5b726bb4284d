/**
 * Cancellation interrupts whatever the execution waits on: a sleep, an HTTP call, a callback.
 * Each test cancels once the execution has reached its wait (the clock or the transport says
 * so) and waits on a real clock for an hour-long wait: if cancelling did not interrupt it, the
 * test would time out.
 */
import { describe, expect, it } from 'vitest';
import { CallbackHub } from '../../src/runtime/callbacks.js';
import { startExecution } from '../../src/runtime/executor.js';
import { realClock } from '../../src/runtime/default-seams.js';
import { type Clock, type HttpTransport } from '../../src/values/seams.js';
import { loadWorkflow } from '../../src/source/index.js';

function start(source: string) {
  const loaded = loadWorkflow(source);
  if (!loaded.ok) throw new Error('does not load');
  const seen: AbortSignal[] = [];
  let reached!: () => void;
  /** Resolves when the execution first waits: on a timer (sleep, callback time-out) or an HTTP call. */
  const waiting = new Promise<void>((resolve) => (reached = resolve));
  const neverAnswers: HttpTransport = {
    send: (req) =>
      new Promise((_resolve, reject) => {
        seen.push(req.signal);
        req.signal.addEventListener('abort', () => reject(req.signal.reason as Error), { once: true });
        reached();
      }),
  };
  const clock: Clock = {
    now: () => realClock.now(),
    sleep: (ms, signal) => {
      const slept = realClock.sleep(ms, signal);
      reached();
      return slept;
    },
  };
  const execution = startExecution(
    {
      transport: neverAnswers,
      connectors: { call: () => Promise.reject(new Error('no connectors')) },
      clock,
      ids: { uuid: () => crypto.randomUUID() },
      logger: { log: () => {} },
      callbacks: new CallbackHub(() => 'http://127.0.0.1:1', clock),
    },
    {
      definition: loaded.definition,
      argument: null,
      identity: {
        projectId: 'p',
        projectNumber: '1',
        location: 'us-central1',
        workflowId: 'wf',
        revisionId: '000001-abc',
        executionId: 'e1',
        serviceAccount: 'projects/p/serviceAccounts/sa@p.iam.gserviceaccount.com',
        userEnvVars: {},
      },
    },
  );
  return { execution, seen, waiting };
}

async function cancelWhileWaiting(source: string, step: string) {
  const { execution, seen, waiting } = start(source);
  await waiting;
  expect(execution.currentSteps()).toEqual([{ routine: 'main', step }]);
  execution.cancel();
  const outcome = await execution.done;
  expect(outcome.state).toBe('CANCELLED');
  const entry = [...execution.history].find((e) => e.step === step);
  expect(entry?.state).toBe('STATE_CANCELLED');
  return seen;
}

describe('cancellation', () => {
  it('interrupts a long sys.sleep', async () => {
    await cancelWhileWaiting(
      `
main:
  steps:
    - nap:
        call: sys.sleep
        args:
          seconds: 3600
`,
      'nap',
    );
  });

  it('aborts an HTTP call in flight', async () => {
    const seen = await cancelWhileWaiting(
      `
main:
  steps:
    - fetch:
        call: http.get
        args:
          url: https://api.example.com/slow
`,
      'fetch',
    );
    expect(seen).toHaveLength(1);
    expect(seen[0]?.aborted).toBe(true);
  });

  it('stops waiting for a callback', async () => {
    await cancelWhileWaiting(
      `
main:
  steps:
    - make:
        call: events.create_callback_endpoint
        result: cb
    - wait:
        call: events.await_callback
        args:
          callback: \${cb}
          timeout: 3600
`,
      'wait',
    );
  });

  it('stops a CPU-bound for loop (the executor yields to the event loop across iterations)', async () => {
    const { execution } = start(`
main:
  steps:
    - init:
        assign:
          - n: 0
    - spin:
        for:
          value: i
          range: [1, 90000]
          steps:
            - add:
                assign:
                  - n: \${n + i}
`);
    // Runs at the executor's first yield: if it did not yield, the loop would finish first.
    setImmediate(() => execution.cancel());
    const outcome = await execution.done;
    expect(outcome.state).toBe('CANCELLED');
    expect([...execution.history].find((e) => e.step === 'spin')?.state).toBe('STATE_CANCELLED');
  });

  it('stops a CPU-bound loop', async () => {
    const { execution } = start(`
main:
  steps:
    - init:
        assign:
          - n: 0
    - spin:
        assign:
          - n: \${n + 1}
        next: spin
`);
    // Runs at the executor's first yield: if it did not yield, the step limit would fail it first.
    setImmediate(() => execution.cancel());
    expect((await execution.done).state).toBe('CANCELLED');
  });
});
