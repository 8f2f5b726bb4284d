/**
 * vitest global setup added by `workflowsCoverage()`: clears what the last run left, then, when
 * the run ends, merges every environment's coverage into the report, prints the text summary and
 * fails the run (exit code 1) on a threshold not met.
 */
import path from 'node:path';
import { finishCoverageRun, startCoverageRun } from './coverage.js';
import { coverageRunSettings } from './vitest-coverage.js';

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  const settings = coverageRunSettings();
  if (!settings) return undefined;
  await startCoverageRun(settings.dir);
  return async () => {
    const where = path.relative(process.cwd(), settings.dir) || '.';
    let text = '';
    const { failures } = await finishCoverageRun(settings.dir, {
      ...(settings.reporters && { reporters: settings.reporters }),
      ...(settings.thresholds && { thresholds: settings.thresholds }),
      print: (t) => (text += t),
    });
    process.stdout.write(`\nWorkflow coverage (report in ${where}/)\n${text}`);
    for (const f of failures) console.error(`ERROR: workflow coverage threshold not met: ${f}`);
    // vitest ignores an error thrown here: the exit code is how the run fails.
    if (failures.length > 0) process.exitCode = 1;
  };
}
