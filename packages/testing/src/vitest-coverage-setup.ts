/**
 * vitest setup file added by `workflowsCoverage()`: in each worker, before each test file, turns
 * coverage on for every test environment and names the running test
 * (`<test file> > <describe> > <test>`) for the statements its executions run.
 */
import path from 'node:path';
import { expect } from 'vitest';
import { setCoverageSession } from './coverage.js';
import { coverageRunSettings } from './vitest-coverage.js';

const settings = coverageRunSettings();
if (settings) {
  setCoverageSession({
    dir: settings.dir,
    currentTest: () => {
      const state = expect.getState();
      if (!state.currentTestName) return undefined;
      const file = state.testPath ? path.relative(settings.root, state.testPath) : undefined;
      return file ? `${file} > ${state.currentTestName}` : state.currentTestName;
    },
  });
}
