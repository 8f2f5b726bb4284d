// @ts-check
import { fileURLToPath } from 'node:url';

/**
 * Mutation testing of the emulator's core (`pnpm test:mutation`, scripts/mutation.ts): Stryker
 * changes one piece of logic at a time and runs the tests that cover it; a mutant no test
 * notices is a gap in the tests. scripts/mutation.ts runs it per folder (`mutate` is set there).
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  // pnpm keeps the runner out of the core's own node_modules, where Stryker looks for plugins.
  plugins: [fileURLToPath(import.meta.resolve('@stryker-mutator/vitest-runner'))],
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  // Each mutant runs only the tests that executed its code during the first (dry) run.
  coverageAnalysis: 'perTest',
  // Mutants whose code and tests did not change since the last run keep their result.
  incremental: true,
  // Mutants in code that runs once at module load (tables, constants) would need every test,
  // run without per-test coverage: they are left out (and reported as Ignored).
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 20_000,
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: true, reportScoreTable: true },
  // Only what the tests need is copied into Stryker's sandbox.
  ignorePatterns: [
    '**/dist',
    'packages/emulator/ui',
    'packages/emulator/docs',
    'packages/emulator/bench',
    'packages/emulator/screenshots',
    'examples',
    'packages/client',
    'packages/testing',
    'reports',
    '.changeset',
  ],
  cleanTempDir: 'always',
};
