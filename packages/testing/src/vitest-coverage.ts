/**
 * The vitest integration of workflow coverage: `workflowsCoverage()` is a plugin for
 * `vitest.config.ts` that turns coverage on for every test environment of the run (every test
 * file, in every worker) and, when the run ends, merges what they collected into one report
 * (default `coverage/workflows/`), prints the `text-summary` and fails the run on a threshold
 * not met. Exported by `@workflows-kit/testing/vitest`.
 *
 * How the pieces meet: the plugin adds a global setup (runs once, in vitest's own process: clears
 * the last run's leftovers, then merges and reports at the end) and a setup file (runs in each
 * worker before each test file: turns coverage on and tells environments the current test's
 * name). Settings travel in an environment variable, which workers inherit.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CoverageReporter, CoverageThresholds } from '@workflows-kit/emulator/coverage';
import { DEFAULT_COVERAGE_DIR } from './coverage-dir.js';

export interface WorkflowsCoverageOptions {
  /** Default true: false leaves coverage off (e.g. `enabled: !!process.env.CI`). */
  enabled?: boolean;
  /** The report directory, relative to the project root. Default `coverage/workflows`. */
  dir?: string;
  /** istanbul-reports reporters. Default `['text-summary', 'html', 'lcov', 'json']`. */
  reporters?: CoverageReporter[];
  /** Minimum percentages: below one, the run fails with a message naming the file and figure. */
  thresholds?: CoverageThresholds;
}

/** What the plugin hands to the global setup and the setup file. */
export interface CoverageRunSettings {
  dir: string;
  root: string;
  reporters?: CoverageReporter[];
  thresholds?: CoverageThresholds;
}

export const COVERAGE_SETTINGS_VARIABLE = 'WORKFLOWS_KIT_COVERAGE';

/** The settings of this run, or undefined when coverage is off. */
export function coverageRunSettings(): CoverageRunSettings | undefined {
  const text = process.env[COVERAGE_SETTINGS_VARIABLE];
  return text ? (JSON.parse(text) as CoverageRunSettings) : undefined;
}

// Beside this module: `.ts` when tests run the sources, `.js` when installed.
const sibling = (name: string) => {
  const own = import.meta.url;
  return fileURLToPath(new URL(`./${name}${own.endsWith('.ts') ? '.ts' : '.js'}`, own));
};

/** A vite plugin for `plugins: [workflowsCoverage({ thresholds: { branches: 80 } })]` in vitest.config.ts. */
export function workflowsCoverage(options: WorkflowsCoverageOptions = {}) {
  return {
    name: 'workflows-kit:coverage',
    config(config: { root?: string }) {
      if (options.enabled === false) return {};
      const root = path.resolve(config.root ?? process.cwd());
      const settings: CoverageRunSettings = {
        dir: path.resolve(root, options.dir ?? DEFAULT_COVERAGE_DIR),
        root,
        ...(options.reporters && { reporters: options.reporters }),
        ...(options.thresholds && { thresholds: options.thresholds }),
      };
      process.env[COVERAGE_SETTINGS_VARIABLE] = JSON.stringify(settings);
      return {
        test: {
          globalSetup: [sibling('vitest-coverage-global')],
          setupFiles: [sibling('vitest-coverage-setup')],
        },
      };
    },
  };
}
