/**
 * `@workflows-kit/testing/node-test`: the environment helper for `node --test`, with the
 * matchers as `expectWorkflow(value).toSucceedWith(...)` (node:assert errors).
 */
import { after, afterEach, before } from 'node:test';
import { setupEnvironment } from './setup-environment.js';
import {
  createTestEnvironment,
  type TestEnvironment,
  type TestEnvironmentOptions,
} from './test-environment.js';

export { expectWorkflow, type WorkflowAssertions } from './expect-workflow.js';
export type { FailureExpectation } from './matchers.js';

/**
 * One environment for the test file: created in `before`, stubs reset after each test (which
 * fails if that test left calls no stub answered), torn down in `after`. node:test does not tell
 * which file is running, so a `recording` needs its `file`.
 */
export function setupWorkflowsTest(options: TestEnvironmentOptions = {}): TestEnvironment {
  return setupEnvironment(options, {
    beforeAll: (fn) => before(fn),
    afterEach: (fn) => afterEach(fn),
    afterAll: (fn) => after(fn),
    testPath: undefined,
  });
}

export { createTestEnvironment };
