/**
 * `@workflows-kit/testing/vitest`: `setupWorkflowsTest()` and the matchers. Importing this
 * module registers `toSucceedWith`, `toFailWith`, and teaches `toHaveBeenCalledTimes`,
 * `toHaveBeenCalled` and `toHaveBeenCalledOnce` to read stubs.
 */
import { afterAll, afterEach, beforeAll, chai, expect } from 'vitest';
import {
  isStub,
  stubCallChecks,
  workflowMatchers,
  type StubCallCheck,
  type WorkflowMatchers,
} from './matchers.js';
import { setupEnvironment } from './setup-environment.js';
import {
  createTestEnvironment,
  type TestEnvironment,
  type TestEnvironmentOptions,
} from './test-environment.js';

export { workflowMatchers, type WorkflowMatchers, type FailureExpectation } from './matchers.js';

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-explicit-any
  interface Assertion<T = any> extends WorkflowMatchers<T> {}
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface AsymmetricMatchersContaining extends WorkflowMatchers {}
}

// The neutral matchers use the subset of the context that vitest shares with Jest.
expect.extend(workflowMatchers);

type ChaiContext = Chai.AssertionStatic & { assert: (...args: unknown[]) => void };

/**
 * vitest's spy matchers, extended to stubs. `expect.extend` would replace them for spies as
 * well, so the stub case is layered over the original, which still handles everything else.
 */
function overwriteForStubs(name: string, check: StubCallCheck) {
  chai.util.overwriteMethod(chai.Assertion.prototype, name, (original: (...args: unknown[]) => unknown) => {
    return function (this: ChaiContext, ...args: unknown[]) {
      const subject: unknown = chai.util.flag(this, 'object');
      if (!isStub(subject)) return original.apply(this, args);
      const calls = subject.calls.length;
      const [ok, message, negated, expected] = check(calls, args);
      this.assert(
        ok,
        `expected stub ${subject.description} ${message}`,
        `expected stub ${subject.description} ${negated}`,
        expected,
        calls,
      );
      return undefined;
    };
  });
}

for (const [name, check] of Object.entries(stubCallChecks)) overwriteForStubs(name, check);

/**
 * One environment per test file: created in `beforeAll`, stubs reset after each test (which
 * fails if that test left calls no stub answered), torn down in `afterAll`. The returned
 * object stands for the environment and may be used in tests and hooks, not at collection time.
 * A `recording` without a `file` goes to `__recordings__/<test file name>.yaml` beside the test.
 */
export function setupWorkflowsTest(options: TestEnvironmentOptions = {}): TestEnvironment {
  return setupEnvironment(options, { beforeAll, afterEach, afterAll, testPath: expect.getState().testPath });
}

export { createTestEnvironment };
export { workflowsCoverage, type WorkflowsCoverageOptions } from './vitest-coverage.js';
