/**
 * `expectWorkflow(received).toSucceedWith(...)`: the matchers without a matcher library, for
 * `node:test` or any runner. A failed check throws node:assert's AssertionError, which every
 * runner reports as a failed assertion. Equality is `util.isDeepStrictEqual`, as in
 * `assert.deepStrictEqual` (there are no asymmetric matchers here).
 */
import { AssertionError } from 'node:assert';
import { inspect, isDeepStrictEqual } from 'node:util';
import {
  isStub,
  stubCallChecks,
  stubCallResult,
  workflowMatchers,
  type FailureExpectation,
  type MatcherContext,
  type MatcherResult,
} from './matchers.js';
import type { HistoryMatchers } from './history-matchers.js';
import type { LogMatchers } from './log-matchers.js';

export interface WorkflowAssertions extends LogMatchers<void>, HistoryMatchers<void> {
  /** The execution SUCCEEDED (and, when given, its result deep-strict-equals `expected`). */
  toSucceedWith(expected?: unknown): void;
  /** The execution FAILED with all of `tags`, a message containing/matching `message`, and/or this `payload`. */
  toFailWith(expected?: FailureExpectation): void;
  /** The stub answered exactly `times` calls. */
  toHaveBeenCalledTimes(times: number): void;
  /** The stub answered at least one call. */
  toHaveBeenCalled(): void;
  /** The stub answered exactly one call. */
  toHaveBeenCalledOnce(): void;
}

const show = (v: unknown) => inspect(v, { depth: 8, breakLength: 100 });

function context(isNot: boolean): MatcherContext {
  return {
    isNot,
    equals: (a, b) => isDeepStrictEqual(a, b),
    utils: {
      printExpected: show,
      printReceived: show,
      diff: (expected, received) => `Expected: ${show(expected)}\nReceived: ${show(received)}`,
    },
  };
}

function run(name: string, result: MatcherResult, isNot: boolean, received: unknown): void {
  if (result.pass !== isNot) return;
  throw new AssertionError({
    message: result.message(),
    actual: 'actual' in result ? result.actual : received,
    expected: result.expected,
    operator: isNot ? `not.${name}` : name,
    stackStartFn: run,
  });
}

function assertions(received: unknown, isNot: boolean): WorkflowAssertions {
  const out: Record<string, (...args: unknown[]) => void> = {};
  for (const [name, matcher] of Object.entries(workflowMatchers)) {
    out[name] = (...args) => run(name, matcher.call(context(isNot), received, ...args), isNot, received);
  }
  for (const name of ['toHaveBeenCalledTimes', 'toHaveBeenCalled', 'toHaveBeenCalledOnce'] as const) {
    out[name] = (...args) => {
      if (!isStub(received))
        throw new TypeError(
          `expectWorkflow(...).${name}: expected a stub made by http.*() or connector(), got ${show(received)}`,
        );
      run(name, stubCallResult(received, stubCallChecks[name]!, args), isNot, received);
    };
  }
  return out as unknown as WorkflowAssertions;
}

/** The workflow matchers on one value; `.not` negates them. */
export function expectWorkflow(received: unknown): WorkflowAssertions & { not: WorkflowAssertions } {
  return Object.assign(assertions(received, false), { not: assertions(received, true) });
}
