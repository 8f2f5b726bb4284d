/**
 * The per-test cost of the testing package: create an environment, deploy a three-step
 * workflow, run it, tear down. Printed as mean and p95 over ITERATIONS runs after a warm-up,
 * once through the in-process API (`env.execute`) and once through the official client
 * (`env.workflow(...).run()`, REST over loopback).
 */
import { createTestEnvironment } from '../src/index.js';

const ITERATIONS = Number(process.env['BENCH_ITERATIONS'] ?? 200);
const WARMUP = 20;

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

async function inProcess(): Promise<void> {
  const env = await createTestEnvironment({ seed: 1 });
  env.deploy('calc', THREE_STEPS);
  const status = await env.execute('calc', { n: 20 });
  if (status.result !== 41) throw new Error(`unexpected result ${String(status.result)}`);
  await env.teardown();
}

async function throughClient(): Promise<void> {
  const env = await createTestEnvironment({ seed: 1 });
  env.deploy('calc', THREE_STEPS);
  const result = await env.workflow('calc').run({ n: 20 });
  if (result !== 41) throw new Error(`unexpected result ${String(result)}`);
  await env.teardown();
}

function stats(samples: number[]): { mean: number; p50: number; p95: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
  return {
    mean: samples.reduce((a, b) => a + b, 0) / samples.length,
    p50: at(0.5),
    p95: at(0.95),
    max: sorted[sorted.length - 1] as number,
  };
}

async function measure(name: string, fn: () => Promise<void>): Promise<void> {
  for (let i = 0; i < WARMUP; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  const s = stats(samples);
  const f = (n: number) => n.toFixed(2).padStart(7);
  console.log(
    `${name.padEnd(48)} mean ${f(s.mean)} ms   p50 ${f(s.p50)} ms   p95 ${f(s.p95)} ms   max ${f(s.max)} ms   (n=${ITERATIONS})`,
  );
}

console.log('per test: createTestEnvironment + deploy + run a three-step workflow + teardown');
await measure('in-process (env.execute)', inProcess);
await measure('official client (env.workflow(id).run)', throughClient);
