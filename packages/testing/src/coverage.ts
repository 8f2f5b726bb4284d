/**
 * Workflow coverage in tests. Each environment with coverage collects it in its emulator and, on
 * teardown, leaves it as a JSON file in `<dir>/.tmp` (test files run in parallel workers, so
 * each writes its own file). At the end of the run, `finishCoverageRun` merges them into one
 * report in `<dir>` (default `coverage/workflows`) and checks the thresholds: the vitest
 * integration (`workflowsCoverage()` of `@workflows-kit/testing/vitest`) calls it, and
 * `workflows-emulator coverage report <dir>/.tmp` does the same by hand.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type {
  CoverageReporter,
  CoverageThresholds,
  WorkflowCoverageData,
} from '@workflows-kit/emulator/coverage';

export { DEFAULT_COVERAGE_DIR } from './coverage-dir.js';

/** `coverage` of an environment: `true`, or where its coverage goes. */
export interface CoverageSetup {
  /** The report directory; the environment writes into its `.tmp`. Default `coverage/workflows`. */
  dir?: string;
}

/** What a test runner integration sets for every environment of the run. */
export interface CoverageSession {
  /** The report directory (absolute). */
  dir: string;
  /** The name of the running test, recorded with the steps its executions run. */
  currentTest?: () => string | undefined;
}

const SESSION = Symbol.for('@workflows-kit/testing:coverage-session');
type WithSession = { [SESSION]?: CoverageSession };

/** Turns coverage on for every environment created from now on in this worker (undefined: off). */
export function setCoverageSession(session: CoverageSession | undefined): void {
  // On the global object: a test file and the runner's setup file may load this module twice.
  (globalThis as WithSession)[SESSION] = session;
}

export function coverageSession(): CoverageSession | undefined {
  return (globalThis as WithSession)[SESSION];
}

/** Where environments leave their coverage for the end of the run. */
export function fragmentsDir(dir: string): string {
  return path.join(path.resolve(dir), '.tmp');
}

/** Writes one environment's coverage into `<dir>/.tmp/`. */
export async function writeCoverageFragment(dir: string, data: WorkflowCoverageData): Promise<string> {
  const into = fragmentsDir(dir);
  await mkdir(into, { recursive: true });
  const file = path.join(into, `coverage-${process.pid}-${randomUUID()}.json`);
  await writeFile(file, JSON.stringify(data));
  return file;
}

/** Removes what an earlier run left in `<dir>/.tmp`. */
export async function startCoverageRun(dir: string): Promise<void> {
  await rm(fragmentsDir(dir), { recursive: true, force: true });
}

export interface FinishCoverageOptions {
  /** Default `['text-summary', 'html', 'lcov', 'json']` (`json` is `coverage-final.json`). */
  reporters?: readonly CoverageReporter[];
  thresholds?: CoverageThresholds;
  /** Where the text of `text` and `text-summary` goes. Default: standard output. */
  print?: (text: string) => void;
}

export interface CoverageRunResult {
  /** The merged coverage, as written to `<dir>/coverage-final.json`. */
  coverage: WorkflowCoverageData;
  /** The thresholds not met, each naming the file (or "all files") and the figure. */
  failures: string[];
}

/**
 * Merges the coverage environments left in `<dir>/.tmp` (none: an empty report), writes the
 * reports into `<dir>`, removes `.tmp` and checks the thresholds.
 */
export async function finishCoverageRun(
  dir: string,
  options: FinishCoverageOptions = {},
): Promise<CoverageRunResult> {
  const report = await import('@workflows-kit/emulator/coverage');
  const into = fragmentsDir(dir);
  const names = await readdir(into).catch(() => [] as string[]);
  const inputs: WorkflowCoverageData[] = [];
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    inputs.push(await report.readWorkflowCoverage(path.join(into, name)));
  }
  const merged = report.mergeWorkflowCoverage(inputs);
  const coverage = await report.writeCoverageReports(merged, {
    dir: path.resolve(dir),
    reporters: options.reporters ?? ['text-summary', 'html', 'lcov', 'json'],
    ...(options.print && { print: options.print }),
  });
  await rm(into, { recursive: true, force: true });
  const failures = options.thresholds ? report.checkCoverageThresholds(merged, options.thresholds) : [];
  return { coverage, failures };
}
