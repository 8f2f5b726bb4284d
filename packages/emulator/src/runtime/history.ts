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
import { PROGRESS_TYPES, STEP_ENTRY_STATES, STEP_TYPES } from './enums.js';
import type { ProgressType, StepEntryState, StepType } from './enums.js';
import type { StepEntries, StepEntry } from './api.js';
import type { ExecutionEndedEvent, ExecutionStartedEvent, TracedStep } from './tracer.js';
import type { RaisedError } from '../values/raised-error.js';

/** What the variables of an entry are read from: a scope chain (runtime/scope.ts). */
export interface VariableScope {
  readonly vars: ReadonlyMap<string, Value>;
  readonly parent: VariableScope | null;
}

/** The step types an entry records, by code: the StepType enum's names after the unspecified one. */
const STEP_TYPE_NAMES = STEP_TYPES.slice(1) as readonly StepType[];
const STEP_TYPE_CODES = new Map(STEP_TYPE_NAMES.map((n, i) => [n, i]));

const STATE_NAMES = STEP_ENTRY_STATES.slice(1) as readonly StepEntryState[];
const IN_PROGRESS = 0;

/** How an entry ended. */
export type EntryOutcome = 'succeeded' | 'failed' | 'cancelled';
const OUTCOME_CODES: Record<EntryOutcome, number> = { succeeded: 1, failed: 2, cancelled: 3 };

/** Progress types by code, 0 for none (the unspecified value). */
const PROGRESS_NAMES = [undefined, ...PROGRESS_TYPES.slice(1)] as readonly (ProgressType | undefined)[];
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

export interface StepHistoryOptions {
  /** `EXECUTION_HISTORY_DETAILED`: entries carry their variables and expected iterations. */
  detailed?: boolean;
  /**
   * Called when an entry is created or changes state, with its number: on every step, so the
   * listener reads the entry (`history.get(id)`) only when it needs it.
   */
  onEntry?: (id: number, history: StepHistory) => void;
}

/** A step's type depends only on its workflow definition: computed once per step node. */
const stepTypes = new WeakMap<Step, number>();

// Small, and few arrays: most executions take a few steps, and each typed array costs about 200
// bytes of heap however short (10,000 sleeping executions must stay near 100 MB). Rows double as
// entries come.
const INITIAL_CAPACITY = 4;
/** Byte columns, per row: type, state, progress type. */
const B = 3;
const B_TYPE = 0;
const B_STATE = 1;
const B_PROGRESS = 2;
/** Int32 columns, per row. */
const I = 8;
const I_THREAD = 0;
const I_PARENT = 1;
const I_PREVIOUS = 2;
const I_NEXT = 3;
const I_FIRST_CHILD = 4;
const I_LAST_CHILD = 5;
const I_PROGRESS_NUMBER = 6;
const I_EXPECTED = 7;
/** Float64 columns, per row: create and update times. */
const F = 2;
const F_CREATE = 0;
const F_UPDATE = 1;

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
    return STEP_TYPE_NAMES[this.h.bytes[this.entryId * B + B_TYPE] as number] as StepType;
  }
  get state(): StepEntryState {
    return STATE_NAMES[this.h.bytes[this.entryId * B + B_STATE] as number] as StepEntryState;
  }
  get createMs(): number {
    return this.h.times[this.entryId * F + F_CREATE] as number;
  }
  get updateMs(): number {
    return this.h.times[this.entryId * F + F_UPDATE] as number;
  }
  get createTime(): Date {
    return new Date(this.createMs);
  }
  get updateTime(): Date {
    return new Date(this.updateMs);
  }
  get exceptionPayload(): string | undefined {
    return this.h.payloads?.get(this.entryId);
  }
  get threadId(): string {
    const t = this.h.ints[this.entryId * I + I_THREAD] as number;
    return t === 0 ? '' : String(t);
  }
  get parent(): number {
    return this.h.ints[this.entryId * I + I_PARENT] as number;
  }
  get previous(): number {
    return this.h.ints[this.entryId * I + I_PREVIOUS] as number;
  }
  get next(): number {
    return this.h.ints[this.entryId * I + I_NEXT] as number;
  }
  get progressType(): ProgressType | undefined {
    return PROGRESS_NAMES[this.h.bytes[this.entryId * B + B_PROGRESS] as number];
  }
  get progressNumber(): number {
    return this.h.ints[this.entryId * I + I_PROGRESS_NUMBER] as number;
  }
  get expectedIteration(): number {
    return this.h.ints[this.entryId * I + I_EXPECTED] as number;
  }
  get variables(): string | undefined {
    return this.h.variables?.get(this.entryId);
  }
  get stepMock(): { id: string; attempt: number } | undefined {
    return this.h.stepMocks?.get(this.entryId);
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
  /** Row-major columns (see B, I, F above). */
  bytes = new Uint8Array(INITIAL_CAPACITY * B);
  ints = new Int32Array(INITIAL_CAPACITY * I);
  times = new Float64Array(INITIAL_CAPACITY * F);
  /** Texts of the few entries that have them (maps made on first use). */
  payloads: Map<number, string> | null = null;
  variables: Map<number, string> | null = null;
  /** Entries whose call a step mock answered. */
  stepMocks: Map<number, { id: string; attempt: number }> | null = null;
  private textBytes = 0;
  private count = 0;
  /** The last top-level entry (to link the next one). */
  private lastTop = 0;
  readonly detailed: boolean;
  private readonly onEntry: ((id: number, history: StepHistory) => void) | undefined;
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
    const ints = this.ints;
    for (let c = ints[id * I + I_FIRST_CHILD] as number; c > 0; c = ints[c * I + I_NEXT] as number)
      out.push(c);
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
    if (id * B < this.bytes.length) return;
    const rows = (this.bytes.length / B) * 2;
    this.bytes = grow(this.bytes, rows * B);
    this.ints = grow(this.ints, rows * I);
    this.times = grow(this.times, rows * F);
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
    const bytes = this.bytes;
    const ints = this.ints;
    const b = id * B;
    const i = id * I;
    bytes[b + B_TYPE] = type;
    ints[i + I_THREAD] = threadId === '' ? 0 : Number(threadId);
    ints[i + I_PARENT] = parent;
    this.times[id * F + F_CREATE] = at;
    this.times[id * F + F_UPDATE] = at;
    if (progress !== 0) {
      bytes[b + B_PROGRESS] = progress;
      ints[i + I_PROGRESS_NUMBER] = progressNumber;
      if (this.detailed) ints[i + I_EXPECTED] = expected;
    }
    const previous = parent > 0 ? (ints[parent * I + I_LAST_CHILD] as number) : this.lastTop;
    if (previous > 0) {
      ints[i + I_PREVIOUS] = previous;
      ints[previous * I + I_NEXT] = id;
    } else if (parent > 0) ints[parent * I + I_FIRST_CHILD] = id;
    if (parent > 0) ints[parent * I + I_LAST_CHILD] = id;
    else this.lastTop = id;
    if (this.onEntry) this.onEntry(id, this);
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
    error?: RaisedError,
    scope?: VariableScope | null,
  ): void {
    this.bytes[id * B + B_STATE] = OUTCOME_CODES[outcome];
    this.times[id * F + F_UPDATE] = at;
    if (error) this.setText((this.payloads ??= new Map()), id, errorPayload(error));
    if (this.detailed && scope) this.setText((this.variables ??= new Map()), id, variablesText(scope));
    if (this.onEntry) this.onEntry(id, this);
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
    if (step.mock) (this.stepMocks ??= new Map()).set(step.entryId, step.mock);
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
      if (this.bytes[id * B + B_STATE] !== IN_PROGRESS) continue;
      this.bytes[id * B + B_STATE] = state;
      this.times[id * F + F_UPDATE] = at;
      if (this.onEntry) this.onEntry(id, this);
    }
  }
}

/**
 * The fields that `stepEntries.list` filters and orders on, read by entry number: for a
 * StepHistory straight from its columns, so a filter over 100,000 entries makes no object per
 * entry; for any other history through `get`.
 */
export interface EntryColumns {
  readonly length: number;
  routine(id: number): string;
  step(id: number): string;
  stepType(id: number): StepType;
  state(id: number): StepEntryState;
  createMs(id: number): number;
  updateMs(id: number): number;
  /** The parent's entry number; 0 at the top level. */
  parent(id: number): number;
}

class HistoryColumns implements EntryColumns {
  constructor(private readonly h: StepHistory) {}
  get length(): number {
    return this.h.length;
  }
  routine(id: number): string {
    return this.h.routines[id] as string;
  }
  step(id: number): string {
    return this.h.steps[id] as string;
  }
  stepType(id: number): StepType {
    return STEP_TYPE_NAMES[this.h.bytes[id * B + B_TYPE] as number] as StepType;
  }
  state(id: number): StepEntryState {
    return STATE_NAMES[this.h.bytes[id * B + B_STATE] as number] as StepEntryState;
  }
  createMs(id: number): number {
    return this.h.times[id * F + F_CREATE] as number;
  }
  updateMs(id: number): number {
    return this.h.times[id * F + F_UPDATE] as number;
  }
  parent(id: number): number {
    return this.h.ints[id * I + I_PARENT] as number;
  }
}

export function entryColumns(history: StepEntries): EntryColumns {
  if (history instanceof StepHistory) return new HistoryColumns(history);
  const at = (id: number) => history.get(id) as StepEntry;
  return {
    get length() {
      return history.length;
    },
    routine: (id) => at(id).routine,
    step: (id) => at(id).step,
    stepType: (id) => at(id).stepType,
    state: (id) => at(id).state,
    createMs: (id) => at(id).createMs,
    updateMs: (id) => at(id).updateMs,
    parent: (id) => at(id).parent,
  };
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
function errorPayload(error: RaisedError): string {
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
