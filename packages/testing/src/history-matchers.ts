/**
 * Matchers over an execution's steps (`env.executionHistory(execution)`), registered with the
 * other workflow matchers:
 *
 * - `expect(env.executionHistory(id)).toHaveVisitedStep(step, times?)`: the step ran `times`
 *   times (at least once without `times`). `step` is `'routine.step'`, or a bare step name that
 *   matches it in any routine.
 * - `expect(env.executionHistory(id)).toHaveStepVariables(step, expected, { occurrence? })`: when
 *   the step ended, its variables in scope held every key of `expected`, each value compared with
 *   `equals` (asymmetric matchers allowed); of one visit (`occurrence`, 1-based) or of any visit.
 *   Step entries carry variables at the detailed history level only
 *   (https://cloud.google.com/workflows/docs/debug-steps), so the execution must run with
 *   `executionHistoryLevel: 'EXECUTION_HISTORY_DETAILED'`; otherwise the matcher fails and says so.
 *
 * A wrong subject (not a history) or a basic-level history fails with `.not` too: neither can
 * tell anything about the steps.
 */
import type { MatcherContext, MatcherResult, WorkflowMatcher } from './matchers.js';

/** What the matchers read of one entry of `env.executionHistory()`. */
interface VisitedStep {
  readonly routine: string;
  readonly step: string;
  readonly state: string;
  readonly variables?: Record<string, unknown>;
}

export interface StepVariablesOptions {
  /** Which visit of the step, from 1 in start order; without it, any visit may match. */
  occurrence?: number;
}

const DETAILED_HINT =
  "run it with executionHistoryLevel 'EXECUTION_HISTORY_DETAILED' (env.execute(id, args, { executionHistoryLevel }), or on the workflow)";

function isHistory(received: unknown): received is VisitedStep[] {
  return (
    Array.isArray(received) &&
    received.every((e) => {
      if (typeof e !== 'object' || e === null) return false;
      const r = e as Record<string, unknown>;
      return (
        typeof r['routine'] === 'string' && typeof r['step'] === 'string' && typeof r['state'] === 'string'
      );
    })
  );
}

/** A result that fails whether or not the matcher is negated. */
function failEitherWay(ctx: MatcherContext, message: string): MatcherResult {
  return { pass: ctx.isNot, message: () => message };
}

function notHistory(ctx: MatcherContext, name: string, received: unknown): MatcherResult {
  return failEitherWay(
    ctx,
    `${name}: expected the steps of an execution (from env.executionHistory(id)), got ${ctx.utils.printReceived(received)}`,
  );
}

const qualified = (e: VisitedStep) => `${e.routine}.${e.step}`;

/** The visits of `step` (`'routine.step'` or a bare step name), in start order. */
function visitsOf(history: VisitedStep[], step: string): VisitedStep[] {
  return history.filter((e) => e.step === step || qualified(e) === step);
}

/** `  main.init ×1` lines: every step visited, with its count, in order of first visit. */
function visitedList(history: VisitedStep[]): string {
  if (history.length === 0) return 'no step was visited';
  const counts = new Map<string, number>();
  for (const e of history) counts.set(qualified(e), (counts.get(qualified(e)) ?? 0) + 1);
  return `the steps visited were:\n${[...counts].map(([name, n]) => `  ${name} ×${n}`).join('\n')}`;
}

const times = (n: number) => (n === 1 ? 'once' : `${n} times`);

const toHaveVisitedStep: WorkflowMatcher = function (
  this: MatcherContext,
  received: unknown,
  ...rest: unknown[]
) {
  if (!isHistory(received)) return notHistory(this, 'toHaveVisitedStep', received);
  const step = String(rest[0]);
  const expected = rest[1];
  if (expected !== undefined && !(Number.isInteger(expected) && (expected as number) >= 0)) {
    return failEitherWay(
      this,
      `toHaveVisitedStep: the count must be a whole number >= 0, got ${this.utils.printExpected(expected)}`,
    );
  }
  const count = visitsOf(received, step).length;
  const pass = expected === undefined ? count > 0 : count === expected;
  const what = `step ${step} to have been visited${expected === undefined ? '' : ` ${times(expected as number)}`}`;
  return {
    pass,
    message: () =>
      pass
        ? `expected ${what.replace(' to have', ' not to have')}, but it was`
        : `expected ${what}, but it was visited ${count === 0 ? 'never' : times(count)}; ${visitedList(received)}`,
    actual: count,
    expected,
  };
};

/** Every key of `expected` is in `actual` with an equal value. */
function holds(
  ctx: MatcherContext,
  actual: Record<string, unknown>,
  expected: Record<string, unknown>,
): boolean {
  return Object.keys(expected).every((k) => k in actual && ctx.equals(actual[k], expected[k]));
}

const toHaveStepVariables: WorkflowMatcher = function (
  this: MatcherContext,
  received: unknown,
  ...rest: unknown[]
) {
  if (!isHistory(received)) return notHistory(this, 'toHaveStepVariables', received);
  const step = String(rest[0]);
  const expected = rest[1];
  const { occurrence } = (rest[2] ?? {}) as StepVariablesOptions;
  if (typeof expected !== 'object' || expected === null || Array.isArray(expected)) {
    return failEitherWay(
      this,
      `toHaveStepVariables: the expected variables must be a map of names to values, got ${this.utils.printExpected(expected)}`,
    );
  }
  if (occurrence !== undefined && !(Number.isInteger(occurrence) && occurrence >= 1)) {
    return failEitherWay(
      this,
      `toHaveStepVariables: occurrence counts visits from 1, got ${this.utils.printExpected(occurrence)}`,
    );
  }
  // A step that ended has variables at the detailed level; when none has, the level was basic.
  const ended = received.filter((e) => e.state !== 'STATE_IN_PROGRESS');
  if (ended.length > 0 && ended.every((e) => e.variables === undefined)) {
    return failEitherWay(
      this,
      `toHaveStepVariables: the execution was not run at EXECUTION_HISTORY_DETAILED, so its step entries have no variables; ${DETAILED_HINT}`,
    );
  }
  const want = expected as Record<string, unknown>;
  const visits = visitsOf(received, step);
  const which = occurrence === undefined ? visits : visits.slice(occurrence - 1, occurrence);
  const pass = which.some((e) => e.variables !== undefined && holds(this, e.variables, want));
  const subject = `step ${step}${occurrence === undefined ? '' : ` (visit ${occurrence})`}`;
  const describe = (): string => {
    if (visits.length === 0) return `it was never visited; ${visitedList(received)}`;
    if (which.length === 0) return `it was visited ${times(visits.length)}`;
    const lines = which.map((e) => {
      const n = occurrence ?? visits.indexOf(e) + 1;
      const vars =
        e.variables === undefined ? '(still in progress: no variables yet)' : JSON.stringify(e.variables);
      return `  visit ${n}: ${vars}`;
    });
    return `its variables were:\n${lines.join('\n')}`;
  };
  return {
    pass,
    message: () =>
      pass
        ? `expected ${subject} not to have the variables ${this.utils.printExpected(want)}`
        : `expected ${subject} to have the variables ${this.utils.printExpected(want)}, but ${describe()}`,
  };
};

export const historyMatchers: Record<'toHaveVisitedStep' | 'toHaveStepVariables', WorkflowMatcher> = {
  toHaveVisitedStep,
  toHaveStepVariables,
};

export interface HistoryMatchers<R = unknown> {
  /** The step (`'routine.step'` or a bare name, any routine) ran `times` times, or at least once. */
  toHaveVisitedStep(step: string, times?: number): R;
  /**
   * When the step ended, its variables held every key of `expected` with an equal value: at one
   * visit (`occurrence` from 1) or any. Needs `executionHistoryLevel: 'EXECUTION_HISTORY_DETAILED'`.
   */
  toHaveStepVariables(step: string, expected: Record<string, unknown>, options?: StepVariablesOptions): R;
}
