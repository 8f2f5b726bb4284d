/**
 * What an execution's step entries say about each step of its workflow: whether it ran, how
 * often, how its last run ended; and where each step is in the source (from the step tree).
 * The source view and the step graph of the execution page draw from these.
 *
 * Step names are unique within a routine (a deploy-time rule), so `routine` and `step` name a
 * step of the source.
 */
import { PART_STEP_TYPES } from '../../../src/runtime/enums.js';
import type { Execution, StepEntry, StepNode, StepTree } from './api.js';

export type RunState = 'succeeded' | 'failed' | 'active' | 'cancelled';

export interface StepRun {
  routine: string;
  step: string;
  /** How the latest run of the step ended (or that it is running). */
  state: RunState;
  /** How many times the step ran (loops, retries, a routine called twice). */
  runs: number;
  /** How many of those runs failed (a failure caught by a try still counts). */
  failures: number;
}

export const stepKey = (routine: string, step: string) => `${routine}\n${step}`;

function runState(entry: StepEntry): RunState {
  switch (entry.state) {
    case 'STATE_SUCCEEDED':
      return 'succeeded';
    case 'STATE_FAILED':
      return 'failed';
    case 'STATE_CANCELLED':
      return 'cancelled';
    default:
      return 'active';
  }
}

/**
 * Entries of a part of a step, named after the step: an iteration, the matched condition of a
 * switch, a try attempt or retry, an except block. They are not runs of the step. (A branch's
 * entry is named after the branch: it marks the branch as run.)
 */
const PART_TYPES: ReadonlySet<string> = new Set(
  [...PART_STEP_TYPES].filter((t) => t !== 'STEP_PARALLEL_BRANCH_ENTRY'),
);

/** The steps that ran, by `stepKey`, from the entries in the order they started. */
export function stepRuns(entries: readonly StepEntry[]): Map<string, StepRun> {
  const runs = new Map<string, StepRun>();
  for (const e of entries) {
    if (!e.routine || !e.step || PART_TYPES.has(e.stepType ?? '')) continue;
    const key = stepKey(e.routine, e.step);
    const state = runState(e);
    const known = runs.get(key);
    if (known) {
      known.runs++;
      known.state = state;
      if (state === 'failed') known.failures++;
    } else {
      runs.set(key, {
        routine: e.routine,
        step: e.step,
        state,
        runs: 1,
        failures: state === 'failed' ? 1 : 0,
      });
    }
  }
  return runs;
}

/** Where the error of a failed execution arose: the innermost frame of its stack. */
export interface Failure {
  routine: string;
  step: string;
  /** 1-based line and column of what failed (an expression, or the step). */
  line: number | undefined;
  column: number | undefined;
}

export function failureOf(execution: Execution | undefined): Failure | undefined {
  if (execution?.state !== 'FAILED') return undefined;
  const frame = execution.error?.stackTrace?.elements?.[0];
  if (!frame?.step || !frame.routine) return undefined;
  const line = Number(frame.position?.line);
  const column = Number(frame.position?.column);
  return {
    routine: frame.routine,
    step: frame.step,
    line: Number.isFinite(line) && line > 0 ? line : undefined,
    column: Number.isFinite(column) && column > 0 ? column : undefined,
  };
}

/** The line of every named step (and parallel branch) of the tree, by `stepKey`. */
export function stepLines(tree: StepTree): Map<string, number> {
  const lines = new Map<string, number>();
  for (const routine of tree.routines) {
    const visit = (n: StepNode | undefined): void => {
      if (!n) return;
      if (n.name) lines.set(stepKey(routine.name, n.name), n.line);
      n.steps?.forEach(visit);
      for (const c of n.conditions ?? []) visit(c.body);
      n.for?.steps.forEach(visit);
      for (const b of n.parallel?.branches ?? []) {
        lines.set(stepKey(routine.name, b.name), b.line);
        b.steps.forEach(visit);
      }
      n.parallel?.for?.steps.forEach(visit);
      visit(n.try);
      n.except?.steps.forEach(visit);
    };
    routine.steps.forEach(visit);
  }
  return lines;
}

/** How a source line is marked. */
export interface LineMark {
  state: RunState;
  runs: number;
  failures: number;
  /** The line where the execution's error arose. */
  failing?: boolean;
  /** What the mark says, for the tooltip and screen readers. */
  text: string;
}

export function markText(run: Pick<StepRun, 'state' | 'runs' | 'failures'>): string {
  const times = run.runs === 1 ? 'ran once' : `ran ${run.runs} times`;
  const failed = run.failures > 0 && run.state !== 'failed' ? `, failed ${run.failures}×` : '';
  const last =
    run.state === 'active'
      ? 'running now'
      : run.state === 'failed'
        ? run.runs === 1
          ? 'failed'
          : 'last run failed'
        : run.state === 'cancelled'
          ? 'cancelled'
          : run.runs === 1
            ? 'succeeded'
            : 'last run succeeded';
  return `${times}${failed}, ${last}`;
}

/** The marks of the source lines: each step that ran, and the line where the execution failed. */
export function lineMarks(
  runs: ReadonlyMap<string, StepRun>,
  lines: ReadonlyMap<string, number>,
  failure: Failure | undefined,
): Map<number, LineMark> {
  const marks = new Map<number, LineMark>();
  for (const [key, run] of runs) {
    const line = lines.get(key);
    if (line === undefined) continue;
    marks.set(line, { state: run.state, runs: run.runs, failures: run.failures, text: markText(run) });
  }
  if (failure) {
    const line = failure.line ?? lines.get(stepKey(failure.routine, failure.step));
    if (line !== undefined) {
      const known = marks.get(line);
      const where = `the execution failed here (step ${failure.step} of ${failure.routine})`;
      marks.set(line, {
        state: 'failed',
        runs: known?.runs ?? 0,
        failures: known?.failures ?? 0,
        failing: true,
        text: known ? `${known.text}; ${where}` : where,
      });
    }
  }
  return marks;
}
