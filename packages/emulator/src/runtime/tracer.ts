/**
 * The ExecutionTracer: how the executor reports what it does. Step history, logs, coverage and
 * tests are observers; the executor knows none of them.
 *
 * Events, in the order an execution produces them:
 *
 * - `executionStarted` once, before the first step; `executionEnded` once, last, with the outcome.
 * - `stepStarted` / `stepEnded` for every step at any depth (steps of subworkflows, of `for` and
 *   `parallel` bodies, of `try` and `except` blocks, of nested `steps` blocks). Both receive the
 *   same {@link TracedStep}; `stepEnded` comes after its outcome is filled in. A step that jumps
 *   into a nested `steps` block enters that block's inner step directly: the enclosing block step
 *   gets no events of its own then (as in the step history).
 * - Between them, what the step did:
 *   - `switchCondition` for each condition evaluated (index, matched or not), then
 *     `switchNoMatch` when none matched;
 *   - `forIteration` at the start of each iteration of `for` (and of a parallel `for`);
 *   - `parallelBranch` when a branch or iteration starts, in its own thread;
 *   - `tryCompleted` when a `try` body ends without error, `retryAttempt` for each retry decision
 *     and `exceptTaken` when the `except` block runs;
 *   - `subworkflowCalled` / `subworkflowReturned` around every subworkflow call (from a call
 *     step, an expression or a retry predicate);
 *   - `callStarted` before the function of a call step is called (its arguments evaluated);
 *   - `functionCalled` after each function call made by a call step or inside an expression:
 *     stdlib, connector, `http.*` or subworkflow, with its arguments and result or error. Calls
 *     that an expression replays after a subworkflow call inside it are not reported twice.
 *
 * Observers are a list: every one of them sees every event. An observer that throws never
 * breaks the execution: the error is caught and reported once per observer (`onTracerError`
 * of the start options, else `console.error`), and the observer goes on receiving events.
 * Events that no observer listens to cost a boolean test: the executor builds an event
 * object only when some observer has the method.
 */
import type { Pos, Step, StepAction, WorkflowDefinition } from '../source/types.js';
import type { Value } from '../values/types.js';
import type { ExecutionIdentity, ExecutionOutcome } from './api.js';
import type { RaisedError } from '../values/raised-error.js';

/** The kind of a step: its action (`next` = a step with only `next:`; `steps` = a nested steps block). */
export type StepKind = StepAction['kind'];

export interface ExecutionStartedEvent {
  /** `projects/{p}/locations/{l}/workflows/{w}/executions/{e}` */
  executionName: string;
  identity: ExecutionIdentity;
  definition: WorkflowDefinition;
  /** The file the revision was deployed from, when known (workflows directories, the CLI). */
  sourceFile?: string;
  /** The decoded argument (null when none was given). */
  argument: Value;
  /** Clock time, epoch milliseconds. */
  time: number;
}

export interface ExecutionEndedEvent {
  outcome: ExecutionOutcome;
  /** The error that failed the execution (with its frames), when it failed with one. */
  error?: RaisedError;
  time: number;
}

export type StepOutcome = 'succeeded' | 'failed' | 'cancelled';

/**
 * One run of one step. The same object goes to `stepStarted` and `stepEnded`; an observer may
 * keep it (the executor lets go of its scope once `stepEnded` has returned).
 */
export class TracedStep {
  /** Set before `stepEnded`. */
  outcome: StepOutcome | undefined = undefined;
  /** The Workflows error a failed step ended with (none for an internal failure). */
  error: RaisedError | undefined = undefined;
  /**
   * The `next` the step took: a step name, `end`, `break` or `continue` (set before `stepEnded`
   * when the step ended by jumping; undefined when it went on to the following step or returned).
   */
  next: string | undefined = undefined;
  /** True when the step ended with `return`. */
  returned = false;
  /**
   * Set when a step mock answered the step's call instead of the call being made: the mock's id
   * and the attempt it answered (0-based). The last one, when the step called more than once.
   */
  mock: { id: string; attempt: number } | undefined = undefined;
  /** Clock time the step ended (epoch ms); equals `startedAt` when it completed synchronously. */
  endedAt: number;
  /** The number of the step's entry in the step history (0 for a nested `steps` block, which has none). */
  entryId = 0;
  /** @internal the scope the step ran in, until `stepEnded` returns */
  scope: { lookupAll(): Map<string, Value> } | null;

  constructor(
    /** Unique in the execution, 1-based, in start order (not the entry number: see `entryId`). */
    readonly stepId: number,
    /** The step this one runs inside (a block step, or the call step of its subworkflow); null at the top of main. */
    readonly parentStepId: number | null,
    /** The routine (`main` or a subworkflow name). */
    readonly routine: string,
    /** The step node: name, action and the positions of its parts (`condition`s, `except`, `retry`, branches). */
    readonly node: Step,
    /** The parallel thread: "" for the main thread, else a number unique in the execution. */
    readonly threadId: string,
    /** File the source came from, when known; line and column are `node.pos` (the step's name key). */
    readonly file: string | undefined,
    /** Clock time the step started, epoch ms. */
    readonly startedAt: number,
    scope: { lookupAll(): Map<string, Value> },
  ) {
    this.endedAt = startedAt;
    this.scope = scope;
  }

  get name(): string {
    return this.node.name;
  }

  get kind(): StepKind {
    return this.node.action.kind;
  }

  /** Line and column of the step's name key (1-based). */
  get pos(): Pos {
    return this.node.pos;
  }

  /**
   * A copy of the variables in scope (innermost wins). Read it in `stepEnded` to see them at the
   * step's end; only an observer that calls it pays for the copy. Empty once `stepEnded` returned.
   */
  variables(): Map<string, Value> {
    return this.scope ? this.scope.lookupAll() : new Map();
  }
}

export interface SwitchConditionEvent {
  step: TracedStep;
  /** 0-based index of the condition in the `switch` list. */
  index: number;
  /** Where the condition's list item is written. */
  pos: Pos;
  matched: boolean;
}

export interface ForIterationEvent {
  step: TracedStep;
  /** 0-based. */
  index: number;
  value: Value;
  /** How many iterations the loop is set to run (the list's length or the range's size). */
  count: number;
}

export interface ParallelBranchEvent {
  step: TracedStep;
  /** The branch's name, or the iteration's index (as a string) for a parallel `for`. */
  branch: string;
  index: number;
  /** The branch's thread (parent of its steps' threads). */
  threadId: string;
  /** Where the branch is written (a parallel `for`: the `for` map). */
  pos: Pos;
}

export interface TryCompletedEvent {
  step: TracedStep;
}

export interface ExceptTakenEvent {
  step: TracedStep;
  error: RaisedError;
  /** Where the `except` map is written. */
  pos: Pos;
}

export interface RetryAttemptEvent {
  step: TracedStep;
  error: RaisedError;
  /** Where the `retry` key's value is written. */
  pos: Pos;
  /** 1-based number of the retry being decided on. */
  attempt: number;
  /**
   * `retry`: it runs after `delaySeconds`; `exhausted`: max_retries reached, the error goes on;
   * `not-retried`: the predicate said no.
   */
  decision: 'retry' | 'exhausted' | 'not-retried';
  delaySeconds: number;
}

export interface SubworkflowCalledEvent {
  /** The step that called (a call step, or the step whose expression called). */
  step: TracedStep | null;
  routine: string;
  /** Arguments by parameter name (before defaults). */
  args: ReadonlyMap<string, Value>;
  threadId: string;
}

export interface SubworkflowReturnedEvent {
  step: TracedStep | null;
  routine: string;
  /** Set when it returned. */
  result?: Value;
  /** Set when it failed (a RaisedError, or cancellation). */
  error?: unknown;
  threadId: string;
}

export type FunctionKind = 'stdlib' | 'connector' | 'http' | 'subworkflow';

export interface FunctionCalledEvent {
  step: TracedStep | null;
  /** Dotted name as written (`http.get`, `text.split`, `googleapis....`, a subworkflow name). */
  name: string;
  kind: FunctionKind;
  /** True inside an expression, false for a call step. */
  inExpression: boolean;
  /** A call step's `args` as evaluated (a map, a list or null); an expression's positional list. */
  args: Value;
  result?: Value;
  /** Set when the call failed. */
  error?: unknown;
}

/** A call step's function is about to be called (the `functionCalled` that follows has the same fields). */
export type CallStartedEvent = Omit<FunctionCalledEvent, 'result' | 'error'>;

/** An observer of executions. Every method is optional. */
export interface ExecutionTracer {
  executionStarted?(e: ExecutionStartedEvent): void;
  executionEnded?(e: ExecutionEndedEvent): void;
  stepStarted?(step: TracedStep): void;
  stepEnded?(step: TracedStep): void;
  switchCondition?(e: SwitchConditionEvent): void;
  switchNoMatch?(step: TracedStep): void;
  forIteration?(e: ForIterationEvent): void;
  parallelBranch?(e: ParallelBranchEvent): void;
  tryCompleted?(e: TryCompletedEvent): void;
  exceptTaken?(e: ExceptTakenEvent): void;
  retryAttempt?(e: RetryAttemptEvent): void;
  subworkflowCalled?(e: SubworkflowCalledEvent): void;
  subworkflowReturned?(e: SubworkflowReturnedEvent): void;
  callStarted?(e: CallStartedEvent): void;
  functionCalled?(e: FunctionCalledEvent): void;
}

type EventName = keyof ExecutionTracer;
type EventArg<K extends EventName> = Parameters<NonNullable<ExecutionTracer[K]>>[0];

/**
 * The executor's side of a list of observers: `has(name)` says whether any observer listens
 * (so that the event object is built only then), `emit` calls each with errors caught. The
 * executor calls its step history directly (it is always there, and first) and keeps a Tracers
 * only for the other observers, so that an execution without them pays neither time nor memory.
 */
export class Tracers {
  /** Per event, the observers that have the method (undefined: none). */
  private readonly listeners: Partial<Record<EventName, readonly ExecutionTracer[]>> = {};
  /** Observers that threw, reported once each (created on the first failure). */
  private reported: Set<ExecutionTracer> | null = null;

  constructor(
    observers: readonly ExecutionTracer[],
    private readonly onError: (err: unknown, observer: ExecutionTracer) => void = (err) =>
      console.error('workflows-emulator: an execution observer failed (reported once):', err),
  ) {
    for (const name of EVENT_NAMES) {
      const list = observers.filter((o) => typeof o[name] === 'function');
      // slice(): an exact-size copy (filter's result keeps room to grow, ~130 bytes per list).
      this.listeners[name] = list.length > 0 ? list.slice() : undefined;
    }
  }

  has(name: EventName): boolean {
    return this.listeners[name] !== undefined;
  }

  /** Which groups of events some observer listens to (checked by the executor before building events). */
  groups(): TraceGroups {
    const any = (...names: EventName[]) => names.some((n) => this.has(n));
    return {
      steps: any('stepStarted', 'stepEnded'),
      structure: any(
        'switchCondition',
        'switchNoMatch',
        'forIteration',
        'parallelBranch',
        'tryCompleted',
        'exceptTaken',
        'retryAttempt',
      ),
      calls: any('callStarted', 'functionCalled'),
      subworkflows: any('subworkflowCalled', 'subworkflowReturned'),
    };
  }

  /** Reports a call when it settles: `functionCalled` with its result or error. */
  callSettled<T extends Value>(
    call: Promise<T>,
    e: Omit<FunctionCalledEvent, 'result' | 'error'>,
  ): Promise<T> {
    return call.then(
      (result) => {
        this.emit('functionCalled', { ...e, result });
        return result;
      },
      (error: unknown) => {
        this.emit('functionCalled', { ...e, error });
        throw error;
      },
    );
  }

  /** Calls every observer that has the method, with errors caught (each observer's first one reported). */
  emit<K extends EventName>(name: K, arg: EventArg<K>): void {
    const list = this.listeners[name];
    if (list === undefined) return;
    for (const o of list) {
      try {
        (o[name] as (a: EventArg<K>) => void).call(o, arg);
      } catch (err) {
        if (this.reported?.has(o)) continue;
        (this.reported ??= new Set()).add(o);
        try {
          this.onError(err, o);
        } catch {
          // A failing error reporter must not break the execution either.
        }
      }
    }
  }
}

export interface TraceGroups {
  steps: boolean;
  structure: boolean;
  calls: boolean;
  subworkflows: boolean;
}

/** No observer listens: what the executor uses when it has none besides its history. */
export const NO_TRACE_GROUPS: TraceGroups = Object.freeze({
  steps: false,
  structure: false,
  calls: false,
  subworkflows: false,
});

/** Every event name, to find which ones an observer listens to (methods may sit on a prototype). */
const tracerMethods: Record<EventName, true> = {
  executionStarted: true,
  executionEnded: true,
  stepStarted: true,
  stepEnded: true,
  switchCondition: true,
  switchNoMatch: true,
  forIteration: true,
  parallelBranch: true,
  tryCompleted: true,
  exceptTaken: true,
  retryAttempt: true,
  subworkflowCalled: true,
  subworkflowReturned: true,
  callStarted: true,
  functionCalled: true,
};

const EVENT_NAMES = Object.keys(tracerMethods) as EventName[];

const NO_TRACERS = new Tracers([]);

/**
 * The observers of an execution besides its step history (which the executor calls directly),
 * and which groups of events they listen to; none costs nothing.
 */
export function executionObservers(
  observers: readonly ExecutionTracer[],
  onError?: (err: unknown, observer: ExecutionTracer) => void,
): { tracers: Tracers; trace: TraceGroups } {
  if (observers.length === 0) return { tracers: NO_TRACERS, trace: NO_TRACE_GROUPS };
  const tracers = new Tracers(observers, onError);
  return { tracers, trace: tracers.groups() };
}
