/** Runs every benchmark in sequence: `pnpm bench` in packages/emulator. Add new benches to the list. */
import { runExprBench } from './expr.js';
import { benchCoverage } from './coverage.js';
import { benchSleepingMemory, benchSteps } from './executor.js';
import { benchStartup, benchThroughput } from './server.js';
import { benchSoak } from './soak.js';
import { benchStepEntries } from './step-entries.js';

const benches: (() => void | Promise<void>)[] = [
  runExprBench,
  benchSteps,
  benchCoverage,
  benchSleepingMemory,
  benchStepEntries,
  benchStartup,
  benchThroughput,
  benchSoak,
];

for (const bench of benches) await bench();
