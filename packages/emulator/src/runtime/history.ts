/**
 * The step history (the stepEntries API,
 * https://cloud.google.com/workflows/docs/reference/executions/rest/v1/projects.locations.workflows.executions.stepEntries,
 * and https://cloud.google.com/workflows/docs/debug-steps): the first observer of every
 * execution, called directly by the executor.
 *
 * Every construct has its entries: a step's own entry (`STEP_ASSIGN`, `STEP_CALL`, `STEP_SWITCH`,
 * `STEP_FOR`, ...), and the entries of its parts, opened and closed by the executor: the matched
 * `STEP_CONDITION` of a switch, a `STEP_FOR_ITERATION` per iteration, a `STEP_PARALLEL_BRANCH_ENTRY`
 * per branch, `STEP_TRY` / `STEP_RETRY` / `STEP_EXCEPT` under a `STEP_TRY_RETRY_EXCEPT`. An entry
 * exists from the moment its step starts (`STATE_IN_PROGRESS`) and is updated when it ends. A
 * nested `steps:` block has no entry: its steps are entries of the enclosing context.
 *
 * Entries are stored in columns (typed arrays, grown by doubling), not as one object each: a
 * loop of 100,000 steps leaves no 100,000 objects for the garbage collector to copy and mark,
 * which keeps the executor's speed and the memory per entry low (about 60 bytes at the basic
 * level). Reading an entry gives a small live view of its row. Error payloads and variables
 * (the detailed level only) are JSON texts, kept by entry number.
 */
import { defaultStdlib } from '../stdlib/index.js';
import { isConnector } from '../stdlib/connectors.js';
import { stringifyJson } from '../values/json.js';
import type { Value } from '../values/types.js';
import type { Routine, Step, StepAction } from '../source/types.js';
import type { ProgressType, StepEntries, StepEntry, StepEntryState, StepType } from './api.js';
import type { ExecutionEndedEvent, ExecutionStartedEvent, TracedStep } from './tracer.js';
import type { WorkflowError } from '../values/workflow-error.js';

/** What the variables of an entry are read from: a scope chain (runtime/scope.ts). */
export interface VariableScope {
  readonly vars: ReadonlyMap<string, Value>;
  readonly parent: VariableScope | null;
}

/** The StepType enum's names in the order of its numbers (from 1) in the API's discovery document. */
export const STEP_TYPE_NAMES: readonly StepType[] = [
  'STEP_ASSIGN',
  'STEP_STD_LIB_CALL',
  'STEP_CONNECTOR_CALL',
  'STEP_SUBWORKFLOW_CALL',
  'STEP_CALL',
  'STEP_SWITCH',
  'STEP_CONDITION',
  'STEP_FOR',
  'STEP_FOR_ITERATION',
  'STEP_PARALLEL_FOR',
  'STEP_PARALLEL_BRANCH',
  'STEP_PARALLEL_BRANCH_ENTRY',
  'STEP_TRY_RETRY_EXCEPT',
  'STEP_TRY',
  'STEP_RETRY',
  'STEP_EXCEPT',
  'STEP_RETURN',
  'STEP_RAISE',
  'STEP_GOTO',
];
const STEP_TYPE_CODES = new Map(STEP_TYPE_NAMES.map((n, i) => [n, i]));

const STATE_NAMES: readonly StepEntryState[] = [
  'STATE_IN_PROGRESS',
  'STATE_SUCCEEDED',
  'STATE_FAILED',
  'STATE_CANCELLED',
];
const IN_PROGRESS = 0;

/** How an entry ended. */
export type EntryOutcome = 'succeeded' | 'failed' | 'cancelled';
const OUTCOME_CODES: Record<EntryOutcome, number> = { succeeded: 1, failed: 2, cancelled: 3 };

const PROGRESS_NAMES: readonly (ProgressType | undefined)[] = [
  undefined,
  'PROGRESS_TYPE_FOR',
  'PROGRESS_TYPE_SWITCH',
  'PROGRESS_TYPE_RETRY',
  'PROGRESS_TYPE_PARALLEL_FOR',
  'PROGRESS_TYPE_PARALLEL_BRANCH',
];
const PROGRESS_CODES = new Map(PROGRESS_NAMES.map((n, i) => [n, i]));

const FINE_CALL_TYPES: ReadonlySet<StepType> = new Set([
  'STEP_STD_LIB_CALL',
  'STEP_CONNECTOR_CALL',
  'STEP_SUBWORKFLOW_CALL',
]);

/**
 * Entries record call steps with the finer types of the API's discovery document
 * (`STEP_STD_LIB_CALL`, `STEP_CONNECTOR_CALL`, `STEP_SUBWORKFLOW_CALL`); the REST reference
 * documents `STEP_CALL` for every call
 * (https://cloud.google.com/workflows/docs/reference/executions/rest/v1/projects.locations.workflows.executions.stepEntries#steptype),
 * which is what the API shows unless asked for the finer ones.
 */
export function publicStepType(type: StepType, fineCallTypes: boolean): StepType {
  return !fineCallTypes && FINE_CALL_TYPES.has(type) ? 'STEP_CALL' : type;
}

/** The entries of a part of a step (an iteration, a matched condition, a try attempt, a branch). */
export const PART_STEP_TYPES: ReadonlySet<StepType> = new Set([
  'STEP_CONDITION',
  'STEP_FOR_ITERATION',
  'STEP_PARALLEL_BRANCH_ENTRY',
  'STEP_TRY',
  'STEP_RETRY',
  'STEP_EXCEPT',
]);

export interface StepHistoryOptions {
  /** `EXECUTION_HISTORY_DETAILED`: entries carry their variables and expected iterations. */
  detailed?: boolean;
  /** Called when an entry is created or changes state. */
  onEntry?: (entry: StepEntry) => void;
}

/** A step's type depends only on its workflow definition: computed once per step node. */
const stepTypes = new WeakMap<Step, number>();

const INITIAL_CAPACITY = 64;

/** An entry as read: a live view of its row (state and times change until it ends). */
class EntryView implements StepEntry {
  constructor(
    private readonly h: StepHistory,
    readonly entryId: number,
  ) {}
  get routine(): string {
    return this.h.routines[this.entryId] as string;
  }
  get step(): string {
    return this.h.steps[this.entryId] as string;
  }
  get stepType(): StepType {
    return STEP_TYPE_NAMES[this.h.types[this.entryId] as number] as StepType;
  }
  get state(): StepEntryState {
    return STATE_NAMES[this.h.states[this.entryId] as number] as StepEntryState;
  }
  get createMs(): number {
    return this.h.creates[this.entryId] as number;
  }
  get updateMs(): number {
    return this.h.updates[this.entryId] as number;
  }
  get createTime(): Date {
    return new Date(this.createMs);
  }
  get updateTime(): Date {
    return new Date(this.updateMs);
  }
  get exceptionPayload(): string | undefined {
    return this.h.payloads.get(this.entryId);
  }
  get threadId(): string {
    const t = this.h.threads[this.entryId] as number;
    return t === 0 ? '' : String(t);
  }
  get parent(): number {
    return this.h.parents[this.entryId] as number;
  }
  get previous(): number {
    return this.h.previous[this.entryId] as number;
  }
  get next(): number {
    return this.h.nexts[this.entryId] as number;
  }
  get progressType(): ProgressType | undefined {
    return PROGRESS_NAMES[this.h.progressTypes[this.entryId] as number];
  }
  get progressNumber(): number {
    return this.h.progressNumbers[this.entryId] as number;
  }
  get expectedIteration(): number {
    return this.h.expected[this.entryId] as number;
  }
  get variables(): string | undefined {
    return this.h.variables.get(this.entryId);
  }
  get stepMock(): { id: string; attempt: number } | undefined {
    return this.h.stepMocks.get(this.entryId);
  }
}

function grow<T extends Int32Array | Float64Array | Uint8Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

export class StepHistory implements StepEntries {
  /** Rows by entry number (row 0 unused). */
  routines: string[] = [''];
  steps: string[] = [''];
  types = new Uint8Array(INITIAL_CAPACITY);
  states = new Uint8Array(INITIAL_CAPACITY);
  progressTypes = new Uint8Array(INITIAL_CAPACITY);
  threads = new Int32Array(INITIAL_CAPACITY);
  parents = new Int32Array(INITIAL_CAPACITY);
  previous = new Int32Array(INITIAL_CAPACITY);
  nexts = new Int32Array(INITIAL_CAPACITY);
  firstChildren = new Int32Array(INITIAL_CAPACITY);
  lastChildren = new Int32Array(INITIAL_CAPACITY);
  progressNumbers = new Int32Array(INITIAL_CAPACITY);
  expected = new Int32Array(INITIAL_CAPACITY);
  creates = new Float64Array(INITIAL_CAPACITY);
  updates = new Float64Array(INITIAL_CAPACITY);
  readonly payloads = new Map<number, string>();
  readonly variables = new Map<number, string>();
  /** Entries whose call a step mock answered (few: a map, not a column). */
  readonly stepMocks = new Map<number, { id: string; attempt: number }>();
  private textBytes = 0;
  private count = 0;
  /** The last top-level entry (to link the next one). */
  private lastTop = 0;
  readonly detailed: boolean;
  private readonly onEntry: ((entry: StepEntry) => void) | undefined;
  private routineMap: ReadonlyMap<string, Routine> = new Map();

  constructor(
    private readonly now: () => number,
    options: StepHistoryOptions = {},
  ) {
    this.detailed = options.detailed === true;
    this.onEntry = options.onEntry;
  }

  // ---------------------------------------------------------------- reading (StepEntries)

  get length(): number {
    return this.count;
  }

  get(id: number): StepEntry | undefined {
    return Number.isInteger(id) && id > 0 && id <= this.count ? new EntryView(this, id) : undefined;
  }

  children(id: number): number[] {
    const out: number[] = [];
    if (id < 1 || id > this.count) return out;
    for (let c = this.firstChildren[id] as number; c > 0; c = this.nexts[c] as number) out.push(c);
    return out;
  }

  approximateBytes(): number {
    // Columns: 11 four-byte, 3 one-byte, 2 eight-byte, 2 pointers, and the doubling's slack.
    return Math.ceil(this.count * 75 * 1.3) + this.textBytes;
  }

  *[Symbol.iterator](): Iterator<StepEntry> {
    for (let id = 1; id <= this.count; id++) yield new EntryView(this, id);
  }

  // ---------------------------------------------------------------- writing (the executor)

  executionStarted(e: ExecutionStartedEvent): void {
    this.routineMap = e.definition.routines;
  }

  private ensure(id: number): void {
    if (id < this.types.length) return;
    const size = this.types.length * 2;
    this.types = grow(this.types, size);
    this.states = grow(this.states, size);
    this.progressTypes = grow(this.progressTypes, size);
    this.threads = grow(this.threads, size);
    this.parents = grow(this.parents, size);
    this.previous = grow(this.previous, size);
    this.nexts = grow(this.nexts, size);
    this.firstChildren = grow(this.firstChildren, size);
    this.lastChildren = grow(this.lastChildren, size);
    this.progressNumbers = grow(this.progressNumbers, size);
    this.expected = grow(this.expected, size);
    this.creates = grow(this.creates, size);
    this.updates = grow(this.updates, size);
  }

  /**
   * Opens an entry under `parent` (0: top level) and returns its number. `progressType` and
   * `progressNumber` mark an iteration, a matched condition, a retry or a branch; `expected` is
   * its expected count, kept at the detailed level only.
   */
  open(
    parent: number,
    routine: string,
    step: string,
    stepType: StepType,
    threadId: string,
    at: number,
    progressType?: ProgressType,
    progressNumber = 0,
    expected = 0,
  ): number {
    return this.openCode(
      parent,
      routine,
      step,
      STEP_TYPE_CODES.get(stepType) as number,
      threadId,
      at,
      progressType === undefined ? 0 : (PROGRESS_CODES.get(progressType) as number),
      progressNumber,
      expected,
    );
  }

  private openCode(
    parent: number,
    routine: string,
    step: string,
    type: number,
    threadId: string,
    at: number,
    progress: number,
    progressNumber: number,
    expected: number,
  ): number {
    const id = ++this.count;
    this.ensure(id);
    this.routines.push(routine);
    this.steps.push(step);
    this.types[id] = type;
    this.threads[id] = threadId === '' ? 0 : Number(threadId);
    this.parents[id] = parent;
    this.creates[id] = at;
    this.updates[id] = at;
    if (progress !== 0) {
      this.progressTypes[id] = progress;
      this.progressNumbers[id] = progressNumber;
      if (this.detailed) this.expected[id] = expected;
    }
    const previous = parent > 0 ? (this.lastChildren[parent] as number) : this.lastTop;
    if (previous > 0) {
      this.previous[id] = previous;
      this.nexts[previous] = id;
    } else if (parent > 0) this.firstChildren[parent] = id;
    if (parent > 0) this.lastChildren[parent] = id;
    else this.lastTop = id;
    if (this.onEntry) this.onEntry(new EntryView(this, id));
    return id;
  }

  /**
   * Closes an entry: its state, its update time, the error it failed with, and at the detailed
   * level the variables in `scope` now.
   */
  close(
    id: number,
    outcome: EntryOutcome,
    at: number,
    error?: WorkflowError,
    scope?: VariableScope | null,
  ): void {
    this.states[id] = OUTCOME_CODES[outcome];
    this.updates[id] = at;
    if (error) this.setText(this.payloads, id, errorPayload(error));
    if (this.detailed && scope) this.setText(this.variables, id, variablesText(scope));
    if (this.onEntry) this.onEntry(new EntryView(this, id));
  }

  private setText(map: Map<number, string>, id: number, text: string): void {
    this.textBytes += text.length - (map.get(id)?.length ?? 0);
    map.set(id, text);
  }

  /** Opens the entry of a step (none for a nested `steps` block, whose steps have their own): its number, or 0. */
  stepStarted(step: TracedStep, parent: number): number {
    const node = step.node;
    if (node.action.kind === 'steps') return 0;
    let type = stepTypes.get(node);
    if (type === undefined) {
      type = STEP_TYPE_CODES.get(stepTypeOf(node.action, this.routineMap)) ?? 0;
      stepTypes.set(node, type);
    }
    return this.openCode(parent, step.routine, node.name, type, step.threadId, step.startedAt, 0, 0, 0);
  }

  stepEnded(step: TracedStep): void {
    if (step.entryId === 0) return;
    if (step.mock) this.stepMocks.set(step.entryId, step.mock);
    this.close(
      step.entryId,
      step.outcome ?? 'failed',
      step.endedAt,
      step.error,
      step.scope as VariableScope | null,
    );
  }

  /** Entries still in progress when the execution ends take its final state. */
  executionEnded(e: ExecutionEndedEvent): void {
    if (e.outcome.state === 'SUCCEEDED') return;
    const state = e.outcome.state === 'CANCELLED' ? OUTCOME_CODES.cancelled : OUTCOME_CODES.failed;
    const at = this.now();
    for (let id = 1; id <= this.count; id++) {
      if (this.states[id] !== IN_PROGRESS) continue;
      this.states[id] = state;
      this.updates[id] = at;
      if (this.onEntry) this.onEntry(new EntryView(this, id));
    }
  }
}

/** A history with no entries (what `deleteExecutionHistory` leaves). */
export const NO_STEP_ENTRIES: StepEntries = {
  length: 0,
  get: () => undefined,
  children: () => [],
  approximateBytes: () => 0,
  [Symbol.iterator]: () => [][Symbol.iterator](),
};

/** The error value as JSON text (as in `Execution.error.payload`). */
function errorPayload(error: WorkflowError): string {
  try {
    return stringifyJson(error.value, { sortKeys: true });
  } catch {
    return JSON.stringify(error.message);
  }
}

/** Every variable visible from `scope` (the innermost of a name wins), as one JSON map text. */
function variablesText(scope: VariableScope): string {
  const out = new Map<string, Value>();
  for (let s: VariableScope | null = scope; s !== null; s = s.parent) {
    for (const [k, v] of s.vars) if (!out.has(k)) out.set(k, v);
  }
  try {
    return stringifyJson(out, { sortKeys: true });
  } catch {
    // A value JSON cannot encode (too deep): the names, with null values, rather than nothing.
    return stringifyJson(new Map([...out.keys()].map((k) => [k, null])), { sortKeys: true });
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
