/**
 * The matchers, runner-neutral: each is a function of Jest's custom-matcher shape (`this` gives
 * `equals`, `utils.printExpected/printReceived/diff` and `isNot`), which vitest copies. The
 * vitest and Jest entries register this one table, and `expectWorkflow()` (node:test) runs it
 * with node:assert semantics, so a matcher added here reaches every runner at once.
 *
 * `expect(status).toSucceedWith(value)` and `expect(status).toFailWith({ tags, message })`
 * accept a status (from `env.waitForExecution` or the client), or an error that carries one
 * (`wf.run()` rejects with WorkflowExecutionFailedError), so
 * `await expect(wf.run(args)).rejects.toFailWith(...)` works too.
 */
import type { ExecutionStatus } from '@workflows-kit/client';
import { ConnectorStub, HttpStub, type Stub } from './http-stubs.js';
import { historyMatchers, type HistoryMatchers } from './history-matchers.js';
import { logMatchers, type LogMatchers } from './log-matchers.js';

/** What a matcher uses of its runner: the subset of Jest's MatcherContext that vitest shares. */
export interface MatcherContext {
  readonly isNot: boolean;
  equals(a: unknown, b: unknown): boolean;
  readonly utils: {
    printExpected(value: unknown): string;
    printReceived(value: unknown): string;
    diff(expected: unknown, received: unknown): string | null | undefined;
  };
}

export interface MatcherResult {
  pass: boolean;
  message: () => string;
  actual?: unknown;
  expected?: unknown;
}

export type WorkflowMatcher = (
  this: MatcherContext,
  received: unknown,
  ...expected: unknown[]
) => MatcherResult;

type MatcherState = MatcherContext;
type RawMatcherFn = WorkflowMatcher;

export interface FailureExpectation {
  /** Every one of these tags must be on the error (e.g. `['HttpError']`). */
  tags?: readonly string[];
  /** A substring of the error message, a RegExp, or an asymmetric matcher. */
  message?: string | RegExp | unknown;
  /** The whole error value (`{message, tags, code, body, ...}`), compared with `equals`. */
  payload?: unknown;
}

function statusOf(received: unknown): ExecutionStatus | undefined {
  if (typeof received !== 'object' || received === null) return undefined;
  const r = received as Record<string, unknown>;
  if (typeof r['state'] === 'string' && typeof r['id'] === 'string') return received as ExecutionStatus;
  const inner = r['status'];
  if (
    typeof inner === 'object' &&
    inner !== null &&
    typeof (inner as Record<string, unknown>)['state'] === 'string'
  ) {
    return inner as ExecutionStatus;
  }
  return undefined;
}

function notAStatus(state: MatcherState, name: string, received: unknown) {
  return {
    pass: false,
    message: () =>
      `${name}: expected an execution status (from env.waitForExecution() or wf.getExecutionStatus()) ` +
      `or an error carrying one, got ${state.utils.printReceived(received)}`,
  };
}

function describeFailure(status: ExecutionStatus): string {
  if (!status.error) return `it ended ${status.state}`;
  const tags = status.error.tags.length > 0 ? ` [${status.error.tags.join(', ')}]` : '';
  return `it ended ${status.state}${tags}: ${status.error.context || status.error.message}`;
}

const toSucceedWith: RawMatcherFn = function (this: MatcherState, received: unknown, ...rest: unknown[]) {
  const status = statusOf(received);
  if (!status) return notAStatus(this, 'toSucceedWith', received);
  const checkValue = rest.length > 0;
  const expected = rest[0];
  const succeeded = status.state === 'SUCCEEDED';
  const pass = succeeded && (!checkValue || this.equals(status.result, expected));
  const what = checkValue ? ` with ${this.utils.printExpected(expected)}` : '';
  return {
    pass,
    message: () => {
      if (pass) return `expected execution ${status.id} not to succeed${what}`;
      if (!succeeded)
        return `expected execution ${status.id} to succeed${what}, but ${describeFailure(status)}`;
      return (
        `expected execution ${status.id} to succeed${what}\n\n` +
        (this.utils.diff(expected, status.result) ?? `Received: ${this.utils.printReceived(status.result)}`)
      );
    },
    actual: status.result,
    expected,
  };
};

const toFailWith: RawMatcherFn = function (this: MatcherState, received: unknown, ...rest: unknown[]) {
  const expectation = (rest[0] ?? {}) as FailureExpectation;
  const status = statusOf(received);
  if (!status) return notAStatus(this, 'toFailWith', received);
  const problems: string[] = [];
  const error = status.error;
  if (status.state !== 'FAILED') problems.push(`it ended ${status.state}`);
  if (error) {
    const missing = (expectation.tags ?? []).filter((t) => !error.tags.includes(t));
    if (missing.length > 0) problems.push(`its tags [${error.tags.join(', ')}] lack ${missing.join(', ')}`);
    const m = expectation.message;
    if (m !== undefined) {
      const ok =
        typeof m === 'string'
          ? error.message.includes(m)
          : m instanceof RegExp
            ? m.test(error.message)
            : this.equals(error.message, m);
      if (!ok)
        problems.push(
          `its message ${JSON.stringify(error.message)} does not match ${this.utils.printExpected(m)}`,
        );
    }
    if ('payload' in expectation && !this.equals(error.payload, expectation.payload)) {
      problems.push(
        `its error value differs:\n${this.utils.diff(expectation.payload, error.payload) ?? this.utils.printReceived(error.payload)}`,
      );
    }
  } else if (status.state === 'FAILED') {
    problems.push('it has no error');
  }
  const pass = problems.length === 0;
  const want = this.utils.printExpected(expectation);
  return {
    pass,
    message: () =>
      pass
        ? `expected execution ${status.id} not to fail with ${want}`
        : `expected execution ${status.id} to fail with ${want}, but ${problems.join('; ')}` +
          (status.state === 'SUCCEEDED' ? `\nResult: ${this.utils.printReceived(status.result)}` : ''),
  };
};

/** For `expect.extend()`; `@workflows-kit/testing/vitest` and `/jest` register them on import. */
export const workflowMatchers: Record<
  'toSucceedWith' | 'toFailWith' | keyof typeof logMatchers | keyof typeof historyMatchers,
  WorkflowMatcher
> = {
  toSucceedWith,
  toFailWith,
  ...logMatchers,
  ...historyMatchers,
};

export function isStub(value: unknown): value is Stub {
  return value instanceof HttpStub || value instanceof ConnectorStub;
}

/** `[pass, message, negated message, expected]` of a call-count matcher on a stub. */
export type StubCallCheck = (calls: number, args: unknown[]) => [boolean, string, string, unknown];

const calledTimes: StubCallCheck = (calls, [n]) => [
  calls === n,
  `to have been called ${String(n)} times, but it answered ${calls}`,
  `not to have been called ${String(n)} times`,
  n,
];
const called: StubCallCheck = (calls) => [
  calls > 0,
  'to have been called',
  `not to have been called, but it answered ${calls}`,
  '> 0',
];
const calledOnce: StubCallCheck = (calls) => [
  calls === 1,
  `to have been called once, but it answered ${calls}`,
  'not to have been called once',
  1,
];

/**
 * The spy matchers that also read stubs (`expect(stub).toHaveBeenCalledTimes(2)`); each entry
 * layers the stub case over the runner's own matcher, which keeps handling spies.
 */
export const stubCallChecks: Readonly<Record<string, StubCallCheck>> = {
  toHaveBeenCalledTimes: calledTimes,
  toBeCalledTimes: calledTimes,
  toHaveBeenCalled: called,
  toBeCalled: called,
  toHaveBeenCalledOnce: calledOnce,
};

/** A stub call-count matcher's result in Jest's shape. */
export function stubCallResult(stub: Stub, check: StubCallCheck, args: unknown[]): MatcherResult {
  const calls = stub.calls.length;
  const [pass, message, negated] = check(calls, args);
  return {
    pass,
    message: () => `expected stub ${stub.description} ${pass ? negated : message}`,
    actual: calls,
  };
}

/** The matchers' types, merged into vitest's `Assertion` by `@workflows-kit/testing/vitest`. */
export interface WorkflowMatchers<R = unknown> extends LogMatchers<R>, HistoryMatchers<R> {
  /** The execution SUCCEEDED (and, when given, its result equals `expected`; asymmetric matchers allowed). */
  toSucceedWith(expected?: unknown): R;
  /** The execution FAILED with all of `tags`, a message containing/matching `message`, and/or this `payload`. */
  toFailWith(expected?: FailureExpectation): R;
}
