/**
 * Executor benchmarks: steps per second of a CPU-bound workflow, and the heap used by
 * 10,000 executions all waiting in sys.sleep.
 */
import { loadWorkflow } from '../src/source/index.js';
import { startExecution } from '../src/runtime/executor.js';
import { CallbackHub } from '../src/runtime/callbacks.js';
import type { RuntimeDeps } from '../src/runtime/api.js';
import { realClock, silentLogger } from '../src/runtime/default-seams.js';
import { type Clock } from '../src/values/seams.js';

export const CPU_WORKFLOW = `
main:
  steps:
    - init:
        assign:
          - total: 0
          - odd: 0
    - loop:
        for:
          value: i
          range: [1, 26666]
          steps:
            - add:
                assign:
                  - total: \${total + i * 2}
            - check:
                switch:
                  - condition: \${i % 2 == 1}
                    assign:
                      - odd: \${odd + 1}
    - done:
        return: \${[total, odd]}
`;

export function deps(clock: Clock): RuntimeDeps {
  return {
    transport: { send: () => Promise.reject(new Error('no network in benchmarks')) },
    connectors: { call: () => Promise.reject(new Error('no connectors in benchmarks')) },
    clock,
    ids: { uuid: () => crypto.randomUUID() },
    logger: silentLogger,
    // As in the server, where a log writer is always there (execution logs at the start and the
    // end); call logging is off (callLogLevel unspecified), which must cost nothing per step.
    logs: { write: () => {} },
    callbacks: new CallbackHub(() => 'http://127.0.0.1:0', clock),
  };
}

export const identity = (executionId: string) => ({
  projectId: 'bench',
  projectNumber: '1',
  location: 'us-central1',
  workflowId: 'bench',
  revisionId: '000001-aaa',
  executionId,
  serviceAccount: 'projects/bench/serviceAccounts/sa@bench.iam.gserviceaccount.com',
  userEnvVars: {},
});

export async function benchSteps(): Promise<void> {
  const loaded = loadWorkflow(CPU_WORKFLOW);
  if (!loaded.ok) throw new Error('bench workflow does not load');
  const runOnce = async () => {
    const ex = startExecution(deps(realClock), {
      definition: loaded.definition,
      argument: null,
      identity: identity('x'),
    });
    const outcome = await ex.done;
    if (outcome.state !== 'SUCCEEDED') throw new Error(`bench run failed: ${JSON.stringify(outcome)}`);
    return ex.history.length;
  };
  for (let i = 0; i < 3; i++) await runOnce(); // warm-up
  const runs = 10;
  let entries = 0;
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) entries += await runOnce();
  const seconds = (performance.now() - t0) / 1000;
  // Steps as the step limit counts them: init, loop and done, then per iteration the iteration
  // itself, add and check (the history has more entries: iterations and matched conditions).
  const total = (3 + 26666 * 3) * runs;
  console.log(
    `executor: CPU-bound workflow, ${(total / runs).toFixed(0)} steps per run (${(entries / runs).toFixed(0)} history entries): ${(total / seconds).toFixed(0)} steps/s (target >= 1,000,000)`,
  );
}

export async function benchSleepingMemory(): Promise<void> {
  const loaded = loadWorkflow(`
main:
  params: [args]
  steps:
    - wait:
        call: sys.sleep
        args:
          seconds: 3600
    - done:
        return: \${args.n}
`);
  if (!loaded.ok) throw new Error('bench workflow does not load');
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const n = 10_000;
  const running = [];
  // One set of runtime seams for all executions, as the server shares its own.
  const shared = deps(realClock);
  for (let i = 0; i < n; i++) {
    running.push(
      startExecution(shared, {
        definition: loaded.definition,
        argument: new Map([['n', i]]),
        identity: identity(`e${i}`),
      }),
    );
  }
  await new Promise((r) => setTimeout(r, 200));
  gc?.();
  const after = process.memoryUsage().heapUsed;
  const waiting = running.filter((r) => r.currentSteps().some((s) => s.step === 'wait')).length;
  console.log(
    `executor: ${n} executions waiting in sys.sleep (${waiting} confirmed waiting): heap +${((after - before) / 1024 / 1024).toFixed(1)} MB (target <= 300 MB)${gc ? '' : ' (run with --expose-gc for a precise figure)'}`,
  );
  for (const r of running) r.cancel();
  await Promise.all(running.map((r) => r.done));
}
