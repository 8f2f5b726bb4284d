/**
 * Workflow coverage's cost: steps/s of the CPU-bound workflow with the coverage observer and
 * without it, in alternating rounds so that both see the same machine load.
 */
import { loadWorkflow } from '../src/source/index.js';
import { startExecution } from '../src/runtime/executor.js';
import { WorkflowCoverage } from '../src/runtime/coverage.js';
import { realClock } from '../src/runtime/default-seams.js';
import { CPU_WORKFLOW, deps, identity } from './executor.js';

const ITERATIONS = 26666;

export async function benchCoverage(): Promise<void> {
  const loaded = loadWorkflow(CPU_WORKFLOW);
  if (!loaded.ok) throw new Error('bench workflow does not load');
  const coverage = new WorkflowCoverage();
  const runOnce = async (withCoverage: boolean): Promise<number> => {
    const ex = startExecution(deps(realClock), {
      definition: loaded.definition,
      argument: null,
      identity: identity('x'),
      ...(withCoverage && { tracers: [coverage.observer()] }),
    });
    const outcome = await ex.done;
    if (outcome.state !== 'SUCCEEDED') throw new Error(`bench run failed: ${JSON.stringify(outcome)}`);
    return ex.history.length + ITERATIONS;
  };
  for (let i = 0; i < 3; i++) {
    await runOnce(false);
    await runOnce(true);
  }
  const rates: Record<'off' | 'on', number[]> = { off: [], on: [] };
  for (let round = 0; round < 7; round++) {
    for (const mode of round % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
      const t0 = performance.now();
      let steps = 0;
      for (let i = 0; i < 3; i++) steps += await runOnce(mode === 'on');
      rates[mode].push(steps / ((performance.now() - t0) / 1000));
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const off = median(rates.off);
  const on = median(rates.on);
  const counted = Object.values(coverage.toJSON()).reduce(
    (n, file) => n + Object.values(file.s).reduce((a, b) => a + b, 0),
    0,
  );
  if (counted === 0) throw new Error('coverage counted nothing');
  console.log(
    `coverage: CPU-bound workflow, ${off.toFixed(0)} steps/s without coverage, ${on.toFixed(0)} steps/s with it (${((on / off - 1) * 100).toFixed(1)}%, target within 10%; medians of 7 alternating rounds)`,
  );
}
