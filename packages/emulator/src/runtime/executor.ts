/**
 * The executor: runs a validated WorkflowDefinition as an async task (one per execution). It
 * holds the semantics of steps; the functions it calls (stdlib/), parallel scheduling
 * (parallel.ts), retry policies (retry-policy.ts), memory metering (memory.ts), error reports
 * (error-report.ts) and the step history (history.ts, an observer like any other: tracer.ts)
 * live beside it.
 *
 * Control flow travels as return values (`Signal`), never as exceptions; only Workflows
 * errors (`WorkflowError`) and cancellation are thrown.
 *
 * One body per step kind, synchronous until it has to wait. Expressions are evaluated by the
 * synchronous, pure evaluator in expr/; a subworkflow (or connector) called inside an
 * expression cannot run synchronously, so the evaluation throws a `Suspension`. The action
 * being run is then driven (`drive`): the call runs asynchronously, and the action runs again
 * from its start with the results of the calls made so far replayed in order (expressions are
 * pure, so the replay takes the same path). An action that changes state before it may suspend
 * (an assign step's earlier items, a subworkflow's parameter defaults) records its progress
 * with `commit`, and a replay resumes from there. Steps that need no waiting complete without
 * a promise or a microtask, which keeps CPU-bound workflows fast.
 */
import { dottedName, evaluate, type EvalContext } from '../expr/index.js';
import type { Expr } from '../expr/ast.js';
import type {
  Assignment,
  ForSpec,
  NextTarget,
  ParallelSpec,
  Pos,
  RetrySpec,
  Routine,
  Step,
  StepAction,
  StepBody,
  SwitchCondition,
  ValueTemplate,
} from '../source/types.js';
import { EXPRESSION_CONNECTORS, isConnector } from '../stdlib/connectors.js';
import { defaultStdlib } from '../stdlib/index.js';
import type { CallContext, FunctionContext, PureFunction, Stdlib } from '../stdlib/registry.js';
import { stringifyJson } from '../values/json.js';
import {
  cloneValue,
  Double,
  isMap,
  isNumber,
  toJsNumber,
  typeName,
  ValueTooDeepError,
  type Value,
  type WfMap,
} from '../values/types.js';
import type {
  CurrentStep,
  ExecutionOutcome,
  RunningExecution,
  RuntimeDeps,
  RuntimeLimits,
  StartExecutionOptions,
} from './api.js';
import { addFrame, errorReport } from './error-report.js';
import { StepHistory } from './history.js';
import { DEFAULT_LIMITS } from './limits.js';
import { MemoryMeter } from './memory.js';
import { runBranches, Semaphore, unhandledBranchError, type BranchTask } from './parallel.js';
import {
  backoffValues,
  policyValuesFromMap,
  retryDelay,
  retryPolicy,
  type RetryPolicy,
  type RetryPolicyValues,
} from './retry-policy.js';
import { Scope } from './scope.js';
import type { CallOrigin } from './seams.js';
import { TracedStep, Tracers, type FunctionKind } from './tracer.js';
import {
  platformError,
  recursionError,
  resourceLimitError,
  typeError,
  valueError,
  WorkflowError,
} from './workflow-error.js';
import { Yielder } from './yielder.js';

/** How a block of steps ended, other than by running off its end. */
type Signal =
  | { kind: 'return'; value: Value }
  | { kind: 'end' }
  | { kind: 'break' }
  | { kind: 'continue' }
  | { kind: 'jump'; target: string; pos: Pos };

type Outcome = Signal | undefined;

/** Thrown (internally) when the execution is cancelled: not a Workflows error, never caught by `try`. */
class CancelledSignal extends Error {
  override readonly name = 'CancelledSignal';
}

/** Thrown by the evaluation context when an expression calls a subworkflow or a connector. */
class Suspension extends Error {
  override readonly name = 'Suspension';
  constructor(
    readonly routine: Routine | null,
    readonly args: Value[],
    /** Set instead of `routine` for a connector helper called in an expression. */
    readonly connector?: string,
  ) {
    super('suspend');
  }
}

export function startExecution(deps: RuntimeDeps, options: StartExecutionOptions): RunningExecution {
  return new Execution(deps, options).start();
}

/** A thread of execution: the main thread, or one parallel branch/iteration. */
interface Thread {
  id: string;
  /** Parallel nesting depth of this thread. */
  parallelDepth: number;
  /** The step running in this thread (strings, not an object: updated on every step). */
  routine: string;
  step: string | null;
  /** The innermost step open in this thread (the parent of the next step it starts). */
  open: TracedStep | null;
}

/** One routine invocation. */
interface Frame {
  routine: Routine;
  depth: number;
  thread: Thread;
}

class Execution implements EvalContext, FunctionContext {
  private readonly limits: RuntimeLimits;
  private readonly stdlib: Stdlib;
  private readonly abort = new AbortController();
  private readonly history: StepHistory;
  private readonly tracers: Tracers;
  /** Whether some observer listens to these events (the event objects are built only then). */
  private readonly trace: {
    steps: boolean;
    structure: boolean;
    calls: boolean;
    subworkflows: boolean;
  };
  private readonly threads = new Map<string, Thread>();
  private readonly jumpIndexes = new WeakMap<readonly Step[], Map<string, number[]>>();
  /** Branches and iterations running at once, execution-wide (excess ones queue). */
  private readonly branchSlots: Semaphore;
  private readonly memory: MemoryMeter;
  private readonly yielder = new Yielder();
  private readonly executionName: string;
  private readonly envVars: Map<string, string>;
  private steps = 0;
  private stepIds = 0;
  private cancelled = false;
  private threadCounter = 0;
  /** The last step main ran in the main thread (where an unencodable result is reported). */
  private lastMainStep: Step | null = null;

  // Evaluation state. Evaluation is synchronous, so one set per execution suffices; `drive`
  // saves and restores the replay fields around each action it runs.
  private evalScope: Scope | null = null;
  /** Results of the calls made so far by the action being replayed; null on a first run. */
  private replayLog: Value[] | null = null;
  private replayPos = 0;
  /** Progress `commit`ted by the action being driven (where a replay resumes). */
  private replayResume = 0;
  /** Position of the expression evaluated last (for error positions). */
  private lastExprPos: Pos | null = null;
  private lastExprLength = 0;
  /** The thread whose action is being driven (whose open step made the calls). */
  private evalThread: Thread | null = null;

  readonly clock;
  readonly ids;

  constructor(
    private readonly deps: RuntimeDeps,
    private readonly options: StartExecutionOptions,
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...deps.limits };
    this.branchSlots = new Semaphore(this.limits.maxConcurrentBranches);
    this.memory = new MemoryMeter(this.limits.maxMemoryBytes);
    this.stdlib = defaultStdlib();
    this.clock = deps.clock;
    this.ids = deps.ids;
    this.history = new StepHistory(() => this.clock.now(), options.onStepEntry);
    this.tracers = new Tracers([this.history, ...(options.tracers ?? [])], options.onTracerError);
    const t = this.tracers;
    this.trace = {
      steps: t.has('stepStarted') || t.has('stepEnded'),
      structure:
        t.has('switchCondition') ||
        t.has('switchNoMatch') ||
        t.has('forIteration') ||
        t.has('parallelBranch') ||
        t.has('tryCompleted') ||
        t.has('exceptTaken') ||
        t.has('retryAttempt'),
      calls: t.has('functionCalled'),
      subworkflows: t.has('subworkflowCalled') || t.has('subworkflowReturned'),
    };
    const id = options.identity;
    this.executionName = `projects/${id.projectId}/locations/${id.location}/workflows/${id.workflowId}/executions/${id.executionId}`;
    this.envVars = new Map<string, string>([
      ...Object.entries(id.userEnvVars),
      ['GOOGLE_CLOUD_PROJECT_ID', id.projectId],
      ['GOOGLE_CLOUD_PROJECT_NUMBER', id.projectNumber],
      ['GOOGLE_CLOUD_LOCATION', id.location],
      ['GOOGLE_CLOUD_WORKFLOW_ID', id.workflowId],
      ['GOOGLE_CLOUD_WORKFLOW_REVISION_ID', id.revisionId],
      ['GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID', id.executionId],
      ['GOOGLE_CLOUD_SERVICE_ACCOUNT_NAME', id.serviceAccount],
    ]);
  }

  start(): RunningExecution {
    const done = this.run();
    return {
      done,
      cancel: () => {
        this.cancelled = true;
        if (!this.abort.signal.aborted) this.abort.abort(new CancelledSignal('Execution cancelled'));
      },
      history: this.history.entries,
      currentSteps: () => this.currentSteps(),
    };
  }

  private currentSteps(): CurrentStep[] {
    const out: CurrentStep[] = [];
    for (const t of this.threads.values())
      if (t.step !== null) out.push({ routine: t.routine, step: t.step });
    return out;
  }

  private async run(): Promise<ExecutionOutcome> {
    const { definition, argument, identity, sourceFile } = this.options;
    this.tracers.emit('executionStarted', {
      executionName: this.executionName,
      identity,
      definition,
      ...(sourceFile !== undefined ? { sourceFile } : {}),
      argument,
      time: this.clock.now(),
    });
    const outcome = await this.outcome();
    this.tracers.emit('executionEnded', { ...outcome, time: this.clock.now() });
    return outcome.outcome;
  }

  private async outcome(): Promise<{ outcome: ExecutionOutcome; error?: WorkflowError }> {
    const main = this.options.definition.routines.get('main');
    const thread = this.newThread(0);
    try {
      if (!main) throw platformError('SystemError', 'workflow has no main routine');
      const scope = new Scope(null);
      const param = main.params[0];
      if (param) this.assignVar(scope, param.name, cloneValue(this.options.argument));
      const mainFrame: Frame = { routine: main, depth: 1, thread };
      const result = await this.runRoutineBody(mainFrame, scope);
      let text: string;
      try {
        text = stringifyJson(result, { sortKeys: true });
      } catch (err) {
        const error =
          err instanceof WorkflowError ? err : valueError('the workflow result cannot be encoded as JSON');
        // Reported at the step that ended the workflow (the last one main ran).
        if (this.lastMainStep) addFrame(error, main.name, mainFrame.depth, this.lastMainStep, null);
        throw error;
      }
      return { outcome: { state: 'SUCCEEDED', result: text } };
    } catch (err) {
      if (this.abort.signal.aborted) return { outcome: { state: 'CANCELLED' } };
      // An interpreter bug: surface it as a SystemError rather than crashing the server.
      const error =
        err instanceof WorkflowError
          ? err
          : platformError(
              'SystemError',
              `internal error: ${err instanceof Error ? err.message : String(err)}`,
            );
      return { outcome: { state: 'FAILED', error: errorReport(error) }, error };
    } finally {
      this.threads.clear();
    }
  }

  // ---------------------------------------------------------------- threads and steps

  private newThread(parallelDepth: number, open: TracedStep | null = null): Thread {
    const id = parallelDepth === 0 && this.threads.size === 0 ? '' : String(++this.threadCounter);
    const t: Thread = { id, parallelDepth, routine: '', step: null, open };
    this.threads.set(id, t);
    return t;
  }

  private checkpoint(): void {
    if (this.cancelled) throw this.abort.signal.reason as Error;
    if (++this.steps > this.limits.maxSteps) {
      throw resourceLimitError(`Execution exceeded the limit of ${this.limits.maxSteps} steps`);
    }
  }

  private async runRoutineBody(frame: Frame, scope: Scope): Promise<Value> {
    if (frame.depth > this.limits.maxCallDepth) {
      throw recursionError(`maximum call stack depth of ${this.limits.maxCallDepth} exceeded`);
    }
    const signal = await this.runSteps(frame, frame.routine.steps, scope, 0);
    if (!signal) return null;
    switch (signal.kind) {
      case 'return':
        return signal.value;
      case 'end':
        return null;
      case 'break':
      case 'continue':
        throw platformError('SystemError', `'${signal.kind}' used outside of a loop`);
      case 'jump':
        throw platformError('SystemError', `jump target '${signal.target}' not found`);
    }
  }

  /**
   * Runs a list of steps from `start`. Jumps to steps of this list (or of plain nested `steps`
   * blocks inside it) are resolved here; other signals go to the caller.
   */
  private async runSteps(
    frame: Frame,
    steps: readonly Step[],
    scope: Scope,
    start: number,
    entryPath?: number[],
  ): Promise<Outcome> {
    let i = start;
    let path = entryPath;
    while (i < steps.length) {
      const step = steps[i] as Step;
      let signal: Outcome;
      if (path && path.length > 0) {
        // Entering a nested `steps` block at a jump target.
        const [inner, ...rest] = path;
        const action = step.action;
        if (action.kind !== 'steps') throw platformError('SystemError', 'bad jump path');
        signal = await this.runSteps(frame, action.steps, scope, inner as number, rest);
        path = undefined;
        if (!signal && step.next) signal = nextSignal(step.next);
      } else {
        const r = this.runStep(frame, step, scope);
        signal = r instanceof Promise ? await r : r;
      }
      const pause = this.yielder.afterStep();
      if (pause) await pause;
      if (!signal) {
        i++;
        continue;
      }
      if (signal.kind !== 'jump') return signal;
      const target = this.jumpIndex(steps).get(signal.target);
      if (!target) return signal;
      try {
        this.checkpoint(); // a jump counts as a step
      } catch (err) {
        if (err instanceof WorkflowError) addFrame(err, frame.routine.name, frame.depth, step, null);
        throw err;
      }
      i = target[0] as number;
      path = target.slice(1);
    }
    return undefined;
  }

  /** name → [index in this list, then indexes inside nested plain `steps` blocks] */
  private jumpIndex(steps: readonly Step[]): Map<string, number[]> {
    let paths = this.jumpIndexes.get(steps);
    if (paths) return paths;
    const found = new Map<string, number[]>();
    const visit = (list: readonly Step[], prefix: number[]) => {
      list.forEach((s, i) => {
        const p = [...prefix, i];
        if (!found.has(s.name)) found.set(s.name, p);
        if (s.action.kind === 'steps') visit(s.action.steps, p);
      });
    };
    visit(steps, []);
    this.jumpIndexes.set(steps, (paths = found));
    return paths;
  }

  /** Runs one step: its action, then its `next`. Synchronous when the action needs no waiting. */
  private runStep(frame: Frame, step: Step, scope: Scope): Outcome | Promise<Outcome> {
    this.checkpoint();
    const thread = frame.thread;
    const parent = thread.open;
    const traced = new TracedStep(
      ++this.stepIds,
      parent?.stepId ?? null,
      frame.routine.name,
      step,
      thread.id,
      this.options.sourceFile,
      this.clock.now(),
      scope,
    );
    thread.routine = frame.routine.name;
    thread.step = step.name;
    thread.open = traced;
    if (thread.id === '' && frame.routine.name === 'main') this.lastMainStep = step;
    if (this.trace.steps) this.tracers.emit('stepStarted', traced);
    this.options.onCurrentSteps?.(this.currentSteps());
    let r: Outcome | Promise<Outcome>;
    try {
      r = this.drive(frame, () => this.action(frame, traced, step.action, scope));
    } catch (err) {
      thread.open = parent;
      throw this.stepFailed(err, frame, traced);
    }
    if (r instanceof Promise) {
      return r.then(
        (signal) => {
          thread.open = parent;
          if (!signal && step.next) signal = nextSignal(step.next);
          this.stepSucceeded(traced, signal, this.clock.now());
          return signal;
        },
        (err: unknown) => {
          thread.open = parent;
          throw this.stepFailed(err, frame, traced);
        },
      );
    }
    thread.open = parent;
    if (!r && step.next) r = nextSignal(step.next);
    this.stepSucceeded(traced, r, traced.startedAt);
    return r;
  }

  private stepSucceeded(traced: TracedStep, signal: Outcome, endedAt: number): void {
    traced.outcome = 'succeeded';
    traced.endedAt = endedAt;
    if (signal) {
      if (signal.kind === 'return') traced.returned = true;
      else traced.next = signal.kind === 'jump' ? signal.target : signal.kind;
    }
    if (this.trace.steps) this.tracers.emit('stepEnded', traced);
    traced.scope = null;
  }

  /** Records a failed step and returns the error to rethrow (as a Workflows error where it is one). */
  private stepFailed(thrown: unknown, frame: Frame, traced: TracedStep): unknown {
    const err = thrown instanceof ValueTooDeepError ? valueError(thrown.message) : thrown;
    if (err instanceof WorkflowError) {
      const at = this.lastExprPos ? { pos: this.lastExprPos, length: this.lastExprLength } : null;
      addFrame(err, frame.routine.name, frame.depth, traced.node, at);
      traced.outcome = 'failed';
      traced.error = err;
    } else {
      traced.outcome = this.abort.signal.aborted ? 'cancelled' : 'failed';
    }
    traced.endedAt = this.clock.now();
    if (this.trace.steps) this.tracers.emit('stepEnded', traced);
    traced.scope = null;
    return err;
  }

  /** A body embedded in a switch condition or a try: runs like a step's action, without its own step. */
  private runBody(
    frame: Frame,
    traced: TracedStep,
    body: StepBody,
    scope: Scope,
  ): Outcome | Promise<Outcome> {
    const r = this.drive(frame, () => this.action(frame, traced, body.action, scope));
    const next = body.next;
    if (!next) return r;
    return r instanceof Promise ? r.then((s) => s ?? nextSignal(next)) : (r ?? nextSignal(next));
  }

  // ---------------------------------------------------------------- one body per step kind

  private action(
    frame: Frame,
    traced: TracedStep,
    action: StepAction,
    scope: Scope,
  ): Outcome | Promise<Outcome> {
    this.lastExprPos = null;
    switch (action.kind) {
      case 'assign':
        this.assign(action.assign, scope);
        return undefined;
      case 'call':
        return this.callStep(frame, traced, action, scope);
      case 'switch':
        return this.switch(frame, traced, action.conditions, scope);
      case 'for':
        return this.forLoop(frame, traced, action.for, this.loopItems(action.for, scope), scope);
      case 'parallel':
        return this.parallel(frame, traced, action.parallel, scope);
      case 'raise':
        throw new WorkflowError(cloneValue(this.value(action.raise, scope)));
      case 'return':
        return { kind: 'return', value: cloneValue(this.value(action.return, scope)) };
      case 'steps':
        return this.runSteps(frame, action.steps, scope, 0);
      case 'try':
        return this.try(frame, traced, action, scope);
      case 'next':
        return undefined;
    }
  }

  /** Items run in order; each one that completes is committed, so a replay resumes at the next. */
  private assign(assignments: readonly Assignment[], scope: Scope): void {
    for (let i = this.replayResume; i < assignments.length; i++) {
      const a = assignments[i] as Assignment;
      const value = cloneValue(this.value(a.value, scope));
      const target = a.target;
      if (target.path.length === 0) this.assignVar(scope, target.variable, value);
      else {
        const keys = target.path.map((seg) =>
          seg.kind === 'property' ? seg.name : this.expr(seg.expr, scope, a.pos, target.text.length),
        );
        this.storeAt(scope, a, keys, value);
      }
      this.commit(i + 1);
    }
  }

  /** Stores `value` at `variable[k1][k2]...`, creating intermediate maps as needed. */
  private storeAt(scope: Scope, a: Assignment, keys: readonly Value[], value: Value): void {
    const variable = a.target.variable;
    const owner = scope.ownerFor(variable);
    let container = owner.vars.get(variable);
    if (container === undefined) {
      // Assigning `m.k` creates `m` as a map, as nested keys are created as needed.
      container = new Map();
      owner.vars.set(variable, container);
    }
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as Value;
      const last = i === keys.length - 1;
      if (isMap(container)) {
        if (typeof key !== 'string') throw typeError(`map keys must be strings, got ${typeName(key)}`);
        if (last) container.set(key, value);
        else {
          let next = container.get(key);
          if (next === undefined || next === null) {
            next = new Map();
            container.set(key, next);
          }
          container = next;
        }
      } else if (Array.isArray(container)) {
        if (typeof key !== 'number' && typeof key !== 'bigint') {
          throw typeError(`list indices must be integers, got ${typeName(key)}`);
        }
        const idx = Number(key);
        if (idx < 0 || idx >= container.length) throw platformError('IndexError', 'list index out of range');
        if (last) container[idx] = value;
        else container = container[idx]!;
      } else {
        throw typeError(`cannot assign into a value of type ${typeName(container)}`);
      }
    }
    this.memory.account(owner, variable);
  }

  private assignVar(scope: Scope, name: string, value: Value): void {
    const owner = scope.ownerFor(name);
    owner.vars.set(name, value);
    this.memory.account(owner, name);
  }

  private callStep(
    frame: Frame,
    traced: TracedStep,
    action: Extract<StepAction, { kind: 'call' }>,
    scope: Scope,
  ): Promise<Outcome> {
    const args = action.args ? this.value(action.args, scope) : null;
    return this.callFunction(frame, traced, action.call, args).then((result) => {
      if (action.result) this.assignVar(scope, action.result, cloneValue(result));
      return undefined;
    });
  }

  private switch(
    frame: Frame,
    traced: TracedStep,
    conditions: readonly SwitchCondition[],
    scope: Scope,
  ): Outcome | Promise<Outcome> {
    for (let index = 0; index < conditions.length; index++) {
      const c = conditions[index] as SwitchCondition;
      const v = this.value(c.condition, scope);
      if (typeof v !== 'boolean') throw typeError(`switch condition must be a boolean, got ${typeName(v)}`);
      if (this.trace.structure)
        this.tracers.emit('switchCondition', { step: traced, index, pos: c.pos, matched: v });
      if (!v) continue;
      if (!c.body) return c.next ? nextSignal(c.next) : undefined;
      const r = this.runBody(frame, traced, c.body, scope);
      const next = c.next;
      if (!next) return r;
      return r instanceof Promise ? r.then((s) => s ?? nextSignal(next)) : (r ?? nextSignal(next));
    }
    if (this.trace.structure) this.tracers.emit('switchNoMatch', traced);
    return undefined;
  }

  private loopItems(spec: ForSpec, scope: Scope): Value[] {
    if (spec.in) {
      const v = this.value(spec.in, scope);
      if (!Array.isArray(v)) throw typeError(`for: 'in' must be a list, got ${typeName(v)}`);
      return v.slice();
    }
    const r = spec.range ? this.value(spec.range, scope) : null;
    if (!Array.isArray(r) || r.length !== 2) throw typeError('for: range must be a list of two numbers');
    const [a, b] = r as [Value, Value];
    const num = (x: Value) => (isNumber(x) ? toJsNumber(x) : NaN);
    if (Number.isNaN(num(a)) || Number.isNaN(num(b))) throw typeError('for: range bounds must be numbers');
    const items: Value[] = [];
    const isDouble = a instanceof Double || b instanceof Double;
    const maxItems = this.limits.maxSteps + 1;
    for (let x = num(a); x <= num(b) && items.length <= maxItems; x++)
      items.push(isDouble ? new Double(x) : x);
    return items;
  }

  private async forLoop(
    frame: Frame,
    traced: TracedStep,
    spec: ForSpec,
    items: Value[],
    scope: Scope,
  ): Promise<Outcome> {
    for (let i = 0; i < items.length; i++) {
      this.checkpoint(); // each iteration counts as a step
      const iterScope = new Scope(scope);
      iterScope.vars.set(spec.value, cloneValue(items[i] as Value));
      if (spec.index) iterScope.vars.set(spec.index, i);
      if (this.trace.structure)
        this.tracers.emit('forIteration', {
          step: traced,
          index: i,
          value: items[i] as Value,
          count: items.length,
        });
      let signal: Outcome;
      try {
        signal = await this.runSteps(frame, spec.steps, iterScope, 0);
      } finally {
        this.memory.release(iterScope);
      }
      if (!signal || signal.kind === 'continue') continue;
      if (signal.kind === 'break') break;
      return signal;
    }
    return undefined;
  }

  private parallel(frame: Frame, traced: TracedStep, spec: ParallelSpec, scope: Scope): Promise<Outcome> {
    const depth = frame.thread.parallelDepth + 1;
    if (depth > this.limits.maxParallelNesting) {
      throw platformError(
        'ParallelNestingError',
        `parallel steps are nested deeper than the maximum depth of ${this.limits.maxParallelNesting}`,
      );
    }
    let limit = Infinity;
    if (spec.concurrencyLimit) {
      const v = this.value(spec.concurrencyLimit, scope);
      if (typeof v !== 'number' || v < 1) throw valueError('concurrency_limit must be a positive integer');
      limit = v;
    }
    const shared = new Set(spec.shared);
    const branch = (
      id: string,
      index: number,
      pos: Pos,
      steps: readonly Step[],
      init?: (branchScope: Scope) => void,
    ): BranchTask => ({
      id,
      run: async () => {
        const thread = this.newThread(depth, traced);
        try {
          const branchScope = new Scope(scope, shared);
          if (init) {
            this.checkpoint(); // each iteration counts as a step
            init(branchScope);
          }
          if (this.trace.structure)
            this.tracers.emit('parallelBranch', {
              step: traced,
              branch: id,
              index,
              threadId: thread.id,
              pos,
            });
          try {
            await this.runSteps({ ...frame, thread }, steps, branchScope, 0);
          } finally {
            this.memory.release(branchScope);
          }
        } finally {
          this.threads.delete(thread.id);
        }
      },
    });
    let tasks: BranchTask[] = [];
    if (spec.branches) tasks = spec.branches.map((b, i) => branch(b.name, i, b.pos, b.steps));
    else if (spec.for) {
      const loop = spec.for;
      tasks = this.loopItems(loop, scope).map((item, i) =>
        branch(String(i), i, loop.pos, loop.steps, (iterScope) => {
          iterScope.vars.set(loop.value, cloneValue(item));
          if (loop.index) iterScope.vars.set(loop.index, i);
        }),
      );
    }
    return runBranches(tasks, limit, this.branchSlots, frame.thread.parallelDepth > 0).then((errors) => {
      if (errors.length > 0) throw unhandledBranchError(errors, this.limits.maxUnhandledBranchErrors);
      return undefined;
    });
  }

  private async try(
    frame: Frame,
    traced: TracedStep,
    action: Extract<StepAction, { kind: 'try' }>,
    scope: Scope,
  ): Promise<Outcome> {
    let retries = 0;
    let policy: RetryPolicy | undefined;
    for (;;) {
      try {
        const signal = await this.runBody(frame, traced, action.try, scope);
        if (this.trace.structure) this.tracers.emit('tryCompleted', { step: traced });
        return signal;
      } catch (err) {
        if (!(err instanceof WorkflowError) || err.uncatchable) throw err;
        if (action.retry) {
          policy ??= retryPolicy(await this.drive(frame, () => this.retryValues(action.retry!, scope)));
          const attempt = retries + 1;
          const decision =
            retries >= policy.maxRetries
              ? 'exhausted'
              : (await this.shouldRetry(frame, traced, policy, err))
                ? 'retry'
                : 'not-retried';
          const delay = decision === 'retry' ? retryDelay(policy, attempt) : 0;
          if (this.trace.structure) {
            const e = {
              step: traced,
              error: err,
              pos: action.retry.pos,
              attempt,
              decision,
              delaySeconds: delay,
            } as const;
            this.tracers.emit('retryAttempt', e);
          }
          if (decision === 'retry') {
            this.checkpoint();
            retries = attempt;
            await this.clock.sleep(delay * 1000, this.abort.signal);
            continue;
          }
        }
        if (!action.except) throw err;
        this.checkpoint();
        if (this.trace.structure)
          this.tracers.emit('exceptTaken', { step: traced, error: err, pos: action.except.pos });
        const exceptScope = new Scope(scope);
        if (action.except.as) exceptScope.vars.set(action.except.as, err.value);
        try {
          return await this.runSteps(frame, action.except.steps, exceptScope, 0);
        } finally {
          this.memory.release(exceptScope);
        }
      }
    }
  }

  /** The policy's fields as the step gives them (a policy expression, or the map form's fields). */
  private retryValues(spec: RetrySpec, scope: Scope): RetryPolicyValues {
    if (spec.policy) return policyValuesFromMap(this.value(spec.policy, scope));
    let predicate: string | undefined;
    if (spec.predicate) {
      predicate = dottedName(spec.predicate.expr) ?? undefined;
      if (!predicate) {
        const v = this.value(spec.predicate, scope);
        if (typeof v === 'string') predicate = v;
      }
    }
    const values: RetryPolicyValues = {
      maxRetries: spec.maxRetries ? this.value(spec.maxRetries, scope) : null,
      initialDelay: spec.backoff?.initialDelay ? this.value(spec.backoff.initialDelay, scope) : null,
      maxDelay: spec.backoff?.maxDelay ? this.value(spec.backoff.maxDelay, scope) : null,
      multiplier: spec.backoff?.multiplier ? this.value(spec.backoff.multiplier, scope) : null,
    };
    if (predicate !== undefined) values.predicate = predicate;
    if (spec.backoffExpr) {
      const b = this.value(spec.backoffExpr, scope);
      if (!isMap(b)) throw typeError(`retry backoff must be a map, got ${typeName(b)}`);
      Object.assign(values, backoffValues(b));
    }
    return values;
  }

  private async shouldRetry(
    frame: Frame,
    traced: TracedStep,
    policy: RetryPolicy,
    err: WorkflowError,
  ): Promise<boolean> {
    const routine = this.options.definition.routines.get(policy.predicate);
    let result: Value;
    if (routine) {
      const param = routine.params[0];
      const args = new Map<string, Value>(param ? [[param.name, err.value]] : []);
      result = await this.callRoutine(frame, traced, routine, args);
    } else {
      const member = this.stdlib.get(policy.predicate);
      if (!member || member.kind !== 'pure') {
        throw typeError(`retry predicate '${policy.predicate}' is not a function`);
      }
      result = member.impl(this.stdlib.bindPositional(member, [err.value]), this);
    }
    if (typeof result !== 'boolean')
      throw typeError(`retry predicate must return a boolean, got ${typeName(result)}`);
    return result;
  }

  // ---------------------------------------------------------------- calls

  private origin(frame: Frame, step: string): CallOrigin {
    const id = this.options.identity;
    return {
      executionId: id.executionId,
      workflowId: id.workflowId,
      projectId: id.projectId,
      location: id.location,
      routine: frame.routine.name,
      step,
    };
  }

  /** Calls a function from a `call` step. `args` is a map of named arguments, or a list of positional ones. */
  private async callFunction(frame: Frame, traced: TracedStep, name: string, args: Value): Promise<Value> {
    const routine = this.options.definition.routines.get(name);
    let kind: FunctionKind = 'stdlib';
    let call: () => Value | Promise<Value>;
    if (routine) {
      if (args !== null && !isMap(args))
        throw typeError(`subworkflow '${name}' takes named arguments (a map)`);
      kind = 'subworkflow';
      call = () => this.callRoutine(frame, traced, routine, bindRoutineArgs(routine, args));
    } else if (isConnector(name)) {
      kind = 'connector';
      call = () => this.deps.connectors.call(name, args, this.origin(frame, traced.name), this.abort.signal);
    } else {
      const member = this.stdlib.get(name);
      if (!member) throw platformError('SystemError', `unknown function '${name}'`);
      if (member.kind === 'constant') throw typeError(`'${name}' is not a function`);
      let bound: Value[];
      if (args === null) bound = this.stdlib.bindNamed(member, null);
      else if (isMap(args)) bound = this.stdlib.bindNamed(member, args);
      else if (Array.isArray(args)) bound = this.stdlib.bindPositional(member, args);
      else throw typeError(`${name}: args must be a map of named arguments`);
      if (member.kind === 'pure') call = () => checkStringLength(member.impl(bound, this));
      else {
        if (name.startsWith('http.')) kind = 'http';
        call = () => member.impl(bound, this.callContext(frame, traced.name));
      }
    }
    if (!this.trace.calls) return call();
    try {
      const result = await call();
      this.tracers.emit('functionCalled', { step: traced, name, kind, inExpression: false, args, result });
      return result;
    } catch (error) {
      this.tracers.emit('functionCalled', { step: traced, name, kind, inExpression: false, args, error });
      throw error;
    }
  }

  private callContext(frame: Frame, step: string): CallContext {
    const d = this.deps;
    return {
      clock: this.clock,
      ids: this.ids,
      env: (name) => this.env(name),
      transport: d.transport,
      connectors: d.connectors,
      callbacks: d.callbacks,
      logger: d.logger,
      signal: this.abort.signal,
      origin: this.origin(frame, step),
      maxHttpResponseBytes: this.limits.maxHttpResponseBytes,
    };
  }

  private async callRoutine(
    caller: Frame,
    traced: TracedStep | null,
    routine: Routine,
    args: Map<string, Value>,
  ): Promise<Value> {
    const frame: Frame = { routine, depth: caller.depth + 1, thread: caller.thread };
    const thread = caller.thread;
    const scope = new Scope(null);
    await this.drive(frame, () => this.bindParams(routine, args, scope));
    const tracing = this.trace.subworkflows;
    if (tracing)
      this.tracers.emit('subworkflowCalled', {
        step: traced,
        routine: routine.name,
        args,
        threadId: thread.id,
      });
    const savedRoutine = thread.routine;
    const savedStep = thread.step;
    const savedOpen = thread.open;
    thread.open = traced;
    try {
      const result = await this.runRoutineBody(frame, scope);
      if (tracing)
        this.tracers.emit('subworkflowReturned', {
          step: traced,
          routine: routine.name,
          result,
          threadId: thread.id,
        });
      return result;
    } catch (error) {
      if (tracing)
        this.tracers.emit('subworkflowReturned', {
          step: traced,
          routine: routine.name,
          error,
          threadId: thread.id,
        });
      throw error;
    } finally {
      this.memory.release(scope);
      thread.routine = savedRoutine;
      thread.step = savedStep;
      thread.open = savedOpen;
      // An error from the callee is reported in the caller at the calling step itself.
      this.lastExprPos = null;
    }
  }

  /** Sets the parameters of a routine call; defaults are evaluated in order, committed one by one. */
  private bindParams(routine: Routine, args: Map<string, Value>, scope: Scope): void {
    for (let i = this.replayResume; i < routine.params.length; i++) {
      const p = routine.params[i]!;
      if (args.has(p.name)) this.assignVar(scope, p.name, cloneValue(args.get(p.name)!));
      else if (p.default) this.assignVar(scope, p.name, cloneValue(this.value(p.default, scope)));
      else throw typeError(`subworkflow '${routine.name}': missing required parameter '${p.name}'`);
      this.commit(i + 1);
    }
  }

  // ---------------------------------------------------------------- expressions and replay

  /**
   * Runs `fn`, the synchronous part of an action, so that expressions inside it may call
   * subworkflows and connectors: returns what `fn` returns when no expression suspends, else a
   * promise that makes each call and runs `fn` again with the results replayed.
   */
  private drive<T>(frame: Frame, fn: () => T | Promise<T>): T | Promise<T> {
    const savedLog = this.replayLog;
    const savedPos = this.replayPos;
    const savedResume = this.replayResume;
    const savedThread = this.evalThread;
    this.replayLog = null;
    this.replayPos = 0;
    this.replayResume = 0;
    this.evalThread = frame.thread;
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof Suspension)) throw err;
      return this.replay(frame, fn, this.replayResume);
    } finally {
      this.replayLog = savedLog;
      this.replayPos = savedPos;
      this.replayResume = savedResume;
      this.evalThread = savedThread;
    }
  }

  /**
   * The first run did not record the calls it made: run again from the last commit recording
   * them, then make each suspended call and run again, replaying the results.
   */
  private async replay<T>(frame: Frame, fn: () => T | Promise<T>, resume: number): Promise<T> {
    let log: Value[] = [];
    let pending: Suspension | null = null;
    for (;;) {
      if (pending) log.push(await this.suspendedCall(frame, pending));
      const savedLog = this.replayLog;
      const savedPos = this.replayPos;
      const savedResume = this.replayResume;
      const savedThread = this.evalThread;
      this.replayLog = log;
      this.replayPos = 0;
      this.replayResume = resume;
      this.evalThread = frame.thread;
      let r: T | Promise<T>;
      try {
        r = fn();
        pending = null;
      } catch (err) {
        if (!(err instanceof Suspension)) throw err;
        pending = err;
        log = this.replayLog;
        resume = this.replayResume;
        continue;
      } finally {
        this.replayLog = savedLog;
        this.replayPos = savedPos;
        this.replayResume = savedResume;
        this.evalThread = savedThread;
      }
      return r;
    }
  }

  /**
   * Marks `progress` parts of the driven action as done (their effects are in place): a replay
   * resumes there, replaying only the calls made since.
   */
  private commit(progress: number): void {
    this.replayResume = progress;
    if (this.replayLog !== null) this.replayLog = [];
    this.replayPos = 0;
  }

  /** Makes the call an expression suspended on: a subworkflow or a connector helper. */
  private suspendedCall(frame: Frame, s: Suspension): Promise<Value> {
    const callee = s.routine;
    const traced = frame.thread.open;
    if (!callee) {
      this.checkpoint();
      const name = s.connector ?? '';
      const call = this.deps.connectors.call(
        name,
        s.args,
        this.origin(frame, frame.thread.step ?? ''),
        this.abort.signal,
      );
      return this.trace.calls ? this.traced(call, traced, name, 'connector', s.args) : call;
    }
    if (s.args.length > callee.params.length) {
      throw typeError(
        `subworkflow '${callee.name}' takes ${callee.params.length} arguments, got ${s.args.length}`,
      );
    }
    const args = new Map<string, Value>();
    s.args.forEach((a, i) => args.set(callee.params[i]!.name, a));
    this.checkpoint();
    const call = this.callRoutine(frame, traced, callee, args);
    return this.trace.calls ? this.traced(call, traced, callee.name, 'subworkflow', s.args) : call;
  }

  private traced(
    call: Promise<Value>,
    step: TracedStep | null,
    name: string,
    kind: FunctionKind,
    args: Value[],
  ): Promise<Value> {
    return call.then(
      (result) => {
        this.tracers.emit('functionCalled', { step, name, kind, inExpression: true, args, result });
        return result;
      },
      (error: unknown) => {
        this.tracers.emit('functionCalled', { step, name, kind, inExpression: true, args, error });
        throw error;
      },
    );
  }

  /** Evaluates a value template (synchronously: a subworkflow call inside throws a Suspension). */
  private value(t: ValueTemplate, scope: Scope): Value {
    switch (t.kind) {
      case 'literal':
        return t.value;
      case 'expr':
        return this.expr(t.expr, scope, t.pos, t.text.length + 3);
      case 'list':
        return t.items.map((item) => this.value(item, scope));
      case 'map': {
        const out: WfMap = new Map();
        for (const e of t.entries) {
          let key: Value = e.key as Value;
          if (typeof e.key !== 'string') {
            key = this.expr(e.key.expr, scope, e.key.pos, e.key.text.length + 3);
            if (typeof key !== 'string') throw typeError(`map keys must be strings, got ${typeName(key)}`);
          }
          out.set(key as string, this.value(e.value, scope));
        }
        return out;
      }
    }
  }

  private expr(expr: Expr, scope: Scope, pos: Pos, length: number): Value {
    this.lastExprPos = pos;
    this.lastExprLength = length;
    const savedScope = this.evalScope;
    this.evalScope = scope;
    try {
      return checkStringLength(evaluate(expr, this));
    } finally {
      this.evalScope = savedScope;
    }
  }

  // EvalContext
  lookup(name: string): Value | undefined {
    const v = this.evalScope?.lookup(name);
    if (v !== undefined) return v;
    // A subworkflow named as a value (`predicate: ${my_predicate}` in a policy map) is carried by
    // its name, as functions are not values in this model; the retry code resolves it.
    return this.options.definition.routines.has(name) ? name : undefined;
  }

  constant(name: string): Value | undefined {
    const m = this.stdlib.get(name);
    if (m?.kind === 'constant') return m.value();
    // `${http.default_retry_predicate}`, `${retry.always}`: a function named as a value, by name.
    if (m?.kind === 'pure') return name;
    return undefined;
  }

  call(name: string, args: Value[]): Value {
    const log = this.replayLog;
    if (log !== null && this.replayPos < log.length) return log[this.replayPos++] as Value;
    const routine = this.options.definition.routines.get(name);
    if (routine) throw new Suspension(routine, args.map(cloneValue));
    if (EXPRESSION_CONNECTORS.has(name)) throw new Suspension(null, args.map(cloneValue), name);
    const member = this.stdlib.get(name);
    if (!member) throw platformError('SystemError', `unknown function '${name}'`);
    if (member.kind === 'constant') throw typeError(`'${name}' is not a function`);
    if (member.kind === 'blocking') {
      throw typeError(
        `${name} is a blocking function and cannot be called inside an expression; use a call step`,
      );
    }
    if (this.trace.calls) return this.tracedPureCall(member, name, args);
    const result = member.impl(this.stdlib.bindPositional(member, args), this);
    if (log !== null) {
      log.push(result);
      this.replayPos++;
    }
    return result;
  }

  private tracedPureCall(member: PureFunction, name: string, args: Value[]): Value {
    const step = this.evalThread?.open ?? null;
    let result: Value;
    try {
      result = member.impl(this.stdlib.bindPositional(member, args), this);
    } catch (error) {
      this.tracers.emit('functionCalled', { step, name, kind: 'stdlib', inExpression: true, args, error });
      throw error;
    }
    this.tracers.emit('functionCalled', { step, name, kind: 'stdlib', inExpression: true, args, result });
    if (this.replayLog !== null) {
      this.replayLog.push(result);
      this.replayPos++;
    }
    return result;
  }

  // FunctionContext
  env(name: string): string | undefined {
    return this.envVars.get(name);
  }
}

/** Strings are limited to 256 KB (https://cloud.google.com/workflows/quotas#resource_limit). */
const MAX_STRING_BYTES = 256 * 1024;
function checkStringLength(v: Value): Value {
  // UTF-8 is at most 3 bytes per UTF-16 unit: only long strings need measuring.
  if (typeof v === 'string' && v.length * 3 > MAX_STRING_BYTES && Buffer.byteLength(v) > MAX_STRING_BYTES) {
    throw resourceLimitError(`string of ${Buffer.byteLength(v)} bytes exceeds the 256 KB limit on strings`);
  }
  return v;
}

function nextSignal(next: NextTarget): Signal {
  switch (next.kind) {
    case 'end':
      return { kind: 'end' };
    case 'break':
      return { kind: 'break' };
    case 'continue':
      return { kind: 'continue' };
    case 'step':
      return { kind: 'jump', target: next.name, pos: next.pos };
  }
}

function bindRoutineArgs(routine: Routine, args: WfMap | null): Map<string, Value> {
  const out = new Map<string, Value>();
  if (!args) return out;
  for (const [k, v] of args) {
    if (!routine.params.some((p) => p.name === k)) {
      throw typeError(`subworkflow '${routine.name}' has no parameter '${k}'`);
    }
    out.set(k, v);
  }
  return out;
}
