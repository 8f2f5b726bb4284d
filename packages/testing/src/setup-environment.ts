/**
 * `setupWorkflowsTest()` for any runner with `beforeAll` / `afterEach` / `afterAll` hooks (vitest,
 * Jest, node:test's `before` / `afterEach` / `after`): one environment per test file, created
 * before its tests, stubs reset after each test (failing that test if it left calls no stub
 * answered), torn down after the file. Each runner's entry passes its own hooks.
 */
import { defaultRecordingFile } from './recording.js';
import {
  createTestEnvironment,
  type TestEnvironment,
  type TestEnvironmentOptions,
} from './test-environment.js';
import { UnhandledRequestError } from './unhandled.js';

type Hook = (fn: () => void | Promise<void>) => void;

export interface RunnerHooks {
  beforeAll: Hook;
  afterEach: Hook;
  afterAll: Hook;
  /** The test file, for the default recording file (`expect.getState().testPath` in vitest and Jest). */
  testPath: string | undefined;
}

/** The options with the recording file defaulted to `__recordings__/<test file>.yaml` beside the test file. */
export function withDefaultRecordingFile(
  options: TestEnvironmentOptions,
  testPath: string | undefined,
): TestEnvironmentOptions {
  const r = options.recording;
  if (r === undefined || r === false || (r !== true && r.file !== undefined) || testPath === undefined)
    return options;
  return { ...options, recording: { ...(r === true ? {} : r), file: defaultRecordingFile(testPath) } };
}

export function setupEnvironment(options: TestEnvironmentOptions, hooks: RunnerHooks): TestEnvironment {
  let current: TestEnvironment | undefined;
  hooks.beforeAll(async () => {
    current = await createTestEnvironment(withDefaultRecordingFile(options, hooks.testPath));
  });
  hooks.afterEach(() => {
    if (!current) return;
    const unhandled = current.stubs.takeUnreported();
    current.stubs.reset();
    if (unhandled.length > 0) throw new UnhandledRequestError(unhandled);
  });
  hooks.afterAll(async () => {
    const env = current;
    current = undefined;
    await env?.teardown();
  });
  return new Proxy({} as TestEnvironment, {
    get(_target, prop) {
      // Probes by promise machinery and inspectors must not throw.
      if (prop === 'then' || typeof prop === 'symbol')
        return current ? Reflect.get(current, prop, current) : undefined;
      if (!current) {
        throw new Error(
          `setupWorkflowsTest(): the environment exists only inside tests and hooks (after beforeAll); tried to read '${String(prop)}'`,
        );
      }
      const value: unknown = Reflect.get(current, prop, current);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(current) : value;
    },
    has(_target, prop) {
      return current !== undefined && prop in current;
    },
  });
}
