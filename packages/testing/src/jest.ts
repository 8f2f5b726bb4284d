/**
 * `@workflows-kit/testing/jest`: what `@workflows-kit/testing/vitest` gives vitest, for Jest.
 * Importing it registers `toSucceedWith` and `toFailWith`, and teaches `toHaveBeenCalledTimes`,
 * `toHaveBeenCalled` and `toHaveBeenCalledOnce` to read stubs; `setupWorkflowsTest()` makes one
 * environment per test file. Jest must run in its ESM mode (`--experimental-vm-modules`), as
 * these packages are ES modules.
 */
import { afterAll, afterEach, beforeAll, expect } from '@jest/globals';
import {
  isStub,
  stubCallChecks,
  stubCallResult,
  workflowMatchers,
  type MatcherResult,
  type WorkflowMatchers,
} from './matchers.js';
import { setupEnvironment } from './setup-environment.js';
import {
  createTestEnvironment,
  type TestEnvironment,
  type TestEnvironmentOptions,
} from './test-environment.js';

export { workflowMatchers, type WorkflowMatchers, type FailureExpectation } from './matchers.js';

/** vitest's `toHaveBeenCalledOnce`, which Jest lacks: here it reads stubs only. */
export interface StubMatchers<R> {
  /** The stub answered exactly one call. */
  toHaveBeenCalledOnce(): R;
}

declare module 'expect' {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface Matchers<R extends void | Promise<void>, T = unknown>
    extends WorkflowMatchers<R>, StubMatchers<R> {}
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface AsymmetricMatchers extends WorkflowMatchers<void> {}
}

type Extension = Parameters<typeof expect.extend>[0];
type RawMatcher = (this: unknown, received: unknown, ...args: unknown[]) => MatcherResult;

/**
 * Jest's built-in matchers, read before the stub-aware ones replace them so that spies still go
 * to them. `expect.extend` keeps every matcher in this global object (jest's
 * `jestMatchersObject.js`, the same symbol since Jest 24); it is Jest's, not public API, and
 * when it is missing only stubs are accepted.
 */
function builtInMatchers(): Record<string, RawMatcher> {
  const store = (globalThis as Record<symbol, { matchers?: Record<string, RawMatcher> } | undefined>)[
    Symbol.for('$$jest-matchers-object')
  ];
  return { ...(store?.matchers ?? {}) };
}

const builtIns = builtInMatchers();
const stubAware: Record<string, RawMatcher> = {};
for (const [name, check] of Object.entries(stubCallChecks)) {
  const original = builtIns[name];
  stubAware[name] = function (this: unknown, received: unknown, ...args: unknown[]) {
    if (isStub(received)) return stubCallResult(received, check, args);
    if (original) return original.call(this, received, ...args);
    return {
      pass: false,
      message: () =>
        `${name}: expected a stub made by http.*() or connector() (Jest has no ${name} for spies)`,
    };
  };
}

expect.extend({ ...workflowMatchers, ...stubAware } as unknown as Extension);

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
