/** Cancellation interrupts whatever the execution waits on: a sleep, an HTTP call, a callback. */
import { describe, expect, it } from 'vitest';
import { CallbackHub } from '../../src/runtime/callbacks.js';
import { startExecution } from '../../src/runtime/executor.js';
import { realClock, type HttpTransport } from '../../src/runtime/seams.js';
import { loadWorkflow } from '../../src/source/index.js';

function start(source: string, transport?: HttpTransport) {
  const loaded = loadWorkflow(source);
  if (!loaded.ok) throw new Error('does not load');
  const seen: AbortSignal[] = [];
  const neverAnswers: HttpTransport = {
    send: (req) =>
      new Promise((_resolve, reject) => {
        seen.push(req.signal);
        req.signal.addEventListener('abort', () => reject(req.signal.reason as Error), { once: true });
      }),
  };
  const execution = startExecution(
    {
      transport: transport ?? neverAnswers,
      connectors: { call: () => Promise.reject(new Error('no connectors')) },
      clock: realClock,
      ids: { uuid: () => crypto.randomUUID() },
      logger: { log: () => {} },
      callbacks: new CallbackHub(() => 'http://127.0.0.1:1', realClock),
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
  return { execution, seen };
}

async function cancelWhileWaiting(source: string, step: string) {
  const { execution, seen } = start(source);
  for (let i = 0; i < 200 && !execution.currentSteps().some((s) => s.step === step); i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  expect(execution.currentSteps()).toEqual([{ routine: 'main', step }]);
  // Let the step reach its wait (an HTTP request in flight, a timer, a callback waiter).
  await new Promise((r) => setTimeout(r, 20));
  const t0 = Date.now();
  execution.cancel();
  const outcome = await execution.done;
  expect(outcome.state).toBe('CANCELLED');
  expect(Date.now() - t0).toBeLessThan(1000);
  const entry = execution.history.find((e) => e.step === step);
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
    const timer = new Promise((r) => setTimeout(r, 5)).then(() => execution.cancel());
    const outcome = await execution.done;
    await timer;
    expect(outcome.state).toBe('CANCELLED');
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
    await new Promise((r) => setTimeout(r, 5));
    execution.cancel();
    expect((await execution.done).state).toBe('CANCELLED');
  });
});
