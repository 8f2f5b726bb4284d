/**
 * `@workflows-kit/testing/vitest`: `setupWorkflowsTest()` and the matchers. Importing this
 * module registers `toSucceedWith`, `toFailWith`, and teaches `toHaveBeenCalledTimes`,
 * `toHaveBeenCalled` and `toHaveBeenCalledOnce` to read stubs.
 */
import { afterAll, afterEach, beforeAll, chai, expect } from 'vitest';
import { HttpStub, ConnectorStub } from './http-stubs.js';
import { workflowMatchers, type WorkflowMatchers } from './matchers.js';
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

expect.extend(workflowMatchers);

type ChaiContext = Chai.AssertionStatic & { assert: (...args: unknown[]) => void };

/**
 * vitest's spy matchers, extended to stubs. `expect.extend` would replace them for spies as
 * well, so the stub case is layered over the original, which still handles everything else.
 */
function overwriteForStubs(
  name: string,
  check: (calls: number, args: unknown[]) => [boolean, string, string, unknown],
) {
  chai.util.overwriteMethod(chai.Assertion.prototype, name, (original: (...args: unknown[]) => unknown) => {
    return function (this: ChaiContext, ...args: unknown[]) {
      const subject: unknown = chai.util.flag(this, 'object');
      if (!(subject instanceof HttpStub) && !(subject instanceof ConnectorStub))
        return original.apply(this, args);
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

for (const name of ['toHaveBeenCalledTimes', 'toBeCalledTimes']) {
  overwriteForStubs(name, (calls, [n]) => [
    calls === n,
    `to have been called ${String(n)} times, but it answered ${calls}`,
    `not to have been called ${String(n)} times`,
    n,
  ]);
}
for (const name of ['toHaveBeenCalled', 'toBeCalled']) {
  overwriteForStubs(name, (calls) => [
    calls > 0,
    'to have been called',
    `not to have been called, but it answered ${calls}`,
    '> 0',
  ]);
}
overwriteForStubs('toHaveBeenCalledOnce', (calls) => [
  calls === 1,
  `to have been called once, but it answered ${calls}`,
  'not to have been called once',
  1,
]);

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
