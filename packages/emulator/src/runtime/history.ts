/**
 * The step history (the stepEntries API,
 * https://cloud.google.com/workflows/docs/reference/executions/rest/v1/projects.locations.workflows.executions.stepEntries):
 * the first observer of every execution. One entry per step, in start order, mutated in place
 * as it ends.
 */
import { defaultStdlib } from '../stdlib/index.js';
import { isConnector } from '../stdlib/connectors.js';
import { stringifyJson } from '../values/json.js';
import type { Routine, Step, StepAction } from '../source/types.js';
import type { StepEntry, StepEntryState, StepType } from './api.js';
import type { ExecutionEndedEvent, ExecutionStartedEvent, ExecutionTracer, TracedStep } from './tracer.js';

/** A step-history entry; times are kept as numbers and turned into Dates only when read. */
class HistoryEntry implements StepEntry {
  state: StepEntryState = 'STATE_IN_PROGRESS';
  updateMs: number;
  exceptionPayload?: string;

  constructor(
    readonly entryId: number,
    readonly routine: string,
    readonly step: string,
    readonly stepType: StepType,
    readonly threadId: string,
    readonly createMs: number,
  ) {
    this.updateMs = createMs;
  }

  get createTime(): Date {
    return new Date(this.createMs);
  }

  get updateTime(): Date {
    return new Date(this.updateMs);
  }
}

/** A step's type depends only on its workflow definition: computed once per step node. */
const stepTypes = new WeakMap<Step, StepType>();

const STATES = {
  succeeded: 'STATE_SUCCEEDED',
  failed: 'STATE_FAILED',
  cancelled: 'STATE_CANCELLED',
} as const;

export class StepHistory implements ExecutionTracer {
  /** Entry `n` is `entries[n - 1]`: entry ids are the tracer's step ids, as every step is recorded. */
  readonly entries: StepEntry[] = [];
  private routines: ReadonlyMap<string, Routine> = new Map();

  constructor(
    private readonly now: () => number,
    /** Called when an entry is created or changes state. */
    private readonly onEntry?: (entry: StepEntry) => void,
  ) {}

  executionStarted(e: ExecutionStartedEvent): void {
    this.routines = e.definition.routines;
  }

  stepStarted(step: TracedStep): void {
    const node = step.node;
    let stepType = stepTypes.get(node);
    if (stepType === undefined) {
      stepType = stepTypeOf(node.action, this.routines);
      stepTypes.set(node, stepType);
    }
    const entry = new HistoryEntry(
      step.stepId,
      step.routine,
      node.name,
      stepType,
      step.threadId,
      step.startedAt,
    );
    this.entries.push(entry);
    this.onEntry?.(entry);
  }

  stepEnded(step: TracedStep): void {
    const entry = this.entries[step.stepId - 1] as HistoryEntry | undefined;
    if (!entry) return;
    entry.state = STATES[step.outcome ?? 'failed'];
    entry.updateMs = step.endedAt;
    if (step.error) {
      try {
        entry.exceptionPayload = stringifyJson(step.error.value, { sortKeys: true });
      } catch {
        entry.exceptionPayload = JSON.stringify(step.error.message);
      }
    }
    this.onEntry?.(entry);
  }

  /** Steps still in progress when the execution ends take its final state. */
  executionEnded(e: ExecutionEndedEvent): void {
    if (e.outcome.state === 'SUCCEEDED') return;
    const state = e.outcome.state === 'CANCELLED' ? 'STATE_CANCELLED' : 'STATE_FAILED';
    for (const entry of this.entries as HistoryEntry[]) {
      if (entry.state !== 'STATE_IN_PROGRESS') continue;
      entry.state = state;
      entry.updateMs = this.now();
      this.onEntry?.(entry);
    }
  }
}

function stepTypeOf(action: StepAction, routines: ReadonlyMap<string, Routine>): StepType {
  switch (action.kind) {
    case 'assign':
      return 'STEP_ASSIGN';
    case 'call':
      if (routines.has(action.call)) return 'STEP_SUBWORKFLOW_CALL';
      if (isConnector(action.call)) return 'STEP_CONNECTOR_CALL';
      return defaultStdlib().has(action.call) ? 'STEP_STD_LIB_CALL' : 'STEP_CALL';
    case 'switch':
      return 'STEP_SWITCH';
    case 'for':
      return 'STEP_FOR';
    case 'parallel':
      return action.parallel.for ? 'STEP_PARALLEL_FOR' : 'STEP_PARALLEL_BRANCH';
    case 'raise':
      return 'STEP_RAISE';
    case 'return':
      return 'STEP_RETURN';
    case 'steps':
      return 'STEP_CALL';
    case 'try':
      return 'STEP_TRY_RETRY_EXCEPT';
    case 'next':
      return 'STEP_GOTO';
  }
}
