/**
 * The executor: runs a validated WorkflowDefinition as an async task (one per execution). It
 * holds the semantics of steps, one body per step kind, synchronous until it has to wait; what
 * it uses lives beside it: control flow as values (control-flow.ts), the evaluation of
 * expressions (expressions.ts) and the replay that lets them call subworkflows (replay.ts), the
 * calls of connectors and functions (calls.ts, stdlib/), step mocks (step-mock-calls.ts),
 * parallel scheduling (parallel.ts), retry policies (retry-policy.ts), memory metering
 * (memory.ts), error reports (error-report.ts), and what it records of each step for the step
 * history (history.ts) and its other observers (tracer.ts): step-records.ts. Steps that need no
 * waiting complete without a promise or a microtask, which keeps CPU-bound workflows fast.
 */
import type {
  Assignment,
  ForSpec,
  ParallelSpec,
  Pos,
  Routine,
  Step,
  StepAction,
  StepBody,
  SwitchCondition,
} from '../source/types.js';
import { defaultStdlib } from '../stdlib/index.js';
import type { Stdlib } from '../stdlib/registry.js';
import { stringifyJson } from '../values/json.js';
import { cloneValue, isMap, typeName, ValueTooDeepError, type Value } from '../values/types.js';
import {
  executionEnv,
  executionName,
  type ExecutionEntry,
  type ExecutionOutcome,
  type RunningExecution,
  type RuntimeDeps,
  type RuntimeLimits,
  type StartExecutionOptions,
} from './api.js';
import {
  BuiltinCalls,
  bindRoutineArgs,
  functionKind,
  positionalRoutineArgs,
  resolveCallee,
} from './calls.js';
import { addFrame, asRaisedError, errorReport } from './error-report.js';
import { StepHistory } from './history.js';
import { DEFAULT_LIMITS } from './limits.js';
import { ExecutionLogs } from './logging.js';
import { MemoryMeter } from './memory.js';
import { runBranches, Semaphore, unhandledBranchError, type BranchTask } from './parallel.js';
import { retryDelay, retryPolicy, retryPolicyValues, type RetryPolicy } from './retry-policy.js';
import { Scope } from './scope.js';
import { findStep } from './step-run.js';
import { StepMockCalls } from './step-mock-calls.js';
import { StepRecords } from './step-records.js';
import { Threads, type Frame } from './threads.js';
import { executionObservers, TracedStep, type TraceGroups, type Tracers } from './tracer.js';
import { ExecutionCancelled, flowOf, jumpPath, loopItems, type Flow } from './control-flow.js';
import { Replay, type Suspension } from './replay.js';
import { Expressions } from './expressions.js';
import {
  platformError,
  recursionError,
  resourceLimitError,
  typeError,
  valueError,
  RaisedError,
} from '../values/raised-error.js';
import { Yielder } from './yielder.js';

export function startExecution(deps: RuntimeDeps, options: StartExecutionOptions): RunningExecution {
  return new Execution(deps, options).start();
}

class Execution {
  private readonly limits: RuntimeLimits;
  private readonly stdlib: Stdlib;
  private readonly abort = new AbortController();
  private readonly history: StepHistory;
  /** Records steps and their parts in the history and tells the observers. */
  private readonly records: StepRecords;
  private readonly tracers: Tracers;
  /** Whether some observer listens to these events (the event objects are built only then). */
  private readonly trace: TraceGroups;
  private readonly threads = new Threads();
  /** Branches and iterations running at once, execution-wide (excess ones queue). */
  private readonly branchSlots: Semaphore;
  private readonly memory: MemoryMeter;
  private readonly yielder = new Yielder();
  private readonly executionName: string;
  /** Execution, call and `sys.log` entries, when the deps have somewhere to write them. */
  private readonly logs: ExecutionLogs | null;
  private steps = 0;
  private stepIds = 0;
  private cancelled = false;
  /** The last step main ran in the main thread (where an unencodable result is reported). */
  private lastMainStep: Step | null = null;
  /** Where step mocks are registered: which one answers a call step, and with what. */
  private readonly mockCalls: StepMockCalls | null;
  /** Calls of connectors and standard-library functions. */
  private readonly builtins: BuiltinCalls;
  /** Evaluates the steps' expressions (and remembers where the last one is). */
  private readonly exprs: Expressions;

  private readonly replay = new Replay<Frame>((s, frame) => this.suspendedCall(frame, s));
  /** `action` as a function value (driven without a closure per step). */
  private readonly runAction = (frame: Frame, traced: TracedStep, action: StepAction, scope: Scope) =>
    this.action(frame, traced, action, scope);
  private readonly clock;

  constructor(
    private readonly deps: RuntimeDeps,
    private readonly options: StartExecutionOptions,
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...deps.limits };
    this.branchSlots = new Semaphore(this.limits.maxConcurrentBranches);
    this.memory = new MemoryMeter(this.limits.maxMemoryBytes);
    this.stdlib = defaultStdlib();
    this.clock = deps.clock;
    this.history = new StepHistory(() => this.clock.now(), {
      detailed: options.historyLevel === 'EXECUTION_HISTORY_DETAILED',
      ...(options.onStepEntry && { onEntry: options.onStepEntry }),
    });
    this.logs = deps.logs
      ? new ExecutionLogs(
          deps.logs,
          deps.logger,
          options.identity,
          () => this.clock.now(),
          options.callLogLevel ?? 'CALL_LOG_LEVEL_UNSPECIFIED',
          options.sourceFile,
        )
      : null;
    // The logs observe the start and the end, and calls only when call logging is on.
    const others = this.logs ? [...(options.tracers ?? []), ...this.logs.tracers()] : (options.tracers ?? []);
    ({ tracers: this.tracers, trace: this.trace } = executionObservers(others, options.onTracerError));
    this.executionName = executionName(options.identity);
    const { identity, definition } = options;
    this.exprs = new Expressions(
      this.stdlib,
      definition.routines,
      this.replay,
      this.tracers,
      this.trace,
      () => executionEnv(identity),
      deps.clock,
      deps.ids,
    );
    const { signal } = this.abort;
    this.records = new StepRecords(this.history, this.tracers, this.trace, deps.clock, signal);
    this.builtins = new BuiltinCalls(
      deps,
      this.stdlib,
      this.exprs,
      identity,
      signal,
      this.limits.maxHttpResponseBytes,
      this.logs,
    );
    this.mockCalls = deps.stepMocks ? new StepMockCalls(deps.stepMocks, identity, deps.clock, signal) : null;
  }

  start(): RunningExecution {
    const done = this.run();
    return {
      done,
      cancel: () => {
        this.cancelled = true;
        if (!this.abort.signal.aborted) this.abort.abort(new ExecutionCancelled('Execution cancelled'));
      },
      history: this.history,
      currentSteps: () => this.threads.currentSteps(),
    };
  }

  private async run(): Promise<ExecutionOutcome> {
    const { definition, argument, identity, sourceFile } = this.options;
    const started = {
      executionName: this.executionName,
      identity,
      definition,
      ...(sourceFile !== undefined ? { sourceFile } : {}),
      argument,
      time: this.clock.now(),
    };
    this.history.executionStarted(started);
    this.tracers.emit('executionStarted', started);
    const outcome = await this.outcome();
    const ended = { ...outcome, time: this.clock.now() };
    this.history.executionEnded(ended);
    this.tracers.emit('executionEnded', ended);
    return outcome.outcome;
  }

  private async outcome(): Promise<{ outcome: ExecutionOutcome; error?: RaisedError }> {
    const entry = this.options.entry;
    const main = this.options.definition.routines.get(entry?.routine ?? 'main');
    const thread = this.threads.create(0);
    try {
      if (!main) throw platformError('SystemError', `workflow has no ${entry?.routine ?? 'main'} routine`);
      const scope = new Scope(null);
      const mainFrame: Frame = { routine: main, depth: 1, thread };
      const result = entry
        ? await this.runEntry(mainFrame, entry, scope)
        : await this.runMain(mainFrame, scope);
      let text: string;
      try {
        text = stringifyJson(result, { sortKeys: true });
      } catch (err) {
        const error =
          err instanceof RaisedError ? err : valueError('the workflow result cannot be encoded as JSON');
        // Reported at the step that ended the workflow (the last one main ran).
        if (this.lastMainStep) addFrame(error, main.name, mainFrame.depth, this.lastMainStep, null);
        throw error;
      }
      return { outcome: { state: 'SUCCEEDED', result: text } };
    } catch (err) {
      if (this.abort.signal.aborted) return { outcome: { state: 'CANCELLED' } };
      const error = asRaisedError(err);
      return { outcome: { state: 'FAILED', error: errorReport(error) }, error };
    } finally {
      this.threads.clear();
    }
  }

  private runMain(frame: Frame, scope: Scope): Promise<Value> {
    const param = frame.routine.params[0];
    if (param) this.assignVar(scope, param.name, cloneValue(this.options.argument));
    return this.runRoutineBody(frame, scope);
  }

  /**
   * An execution of a subworkflow directly (its parameters from the argument map, as a call step
   * passes them), or of one step in a scope holding the given variables: its result is what the
   * step returned, else null (observers see where it went: `stepEnded`).
   */
  private async runEntry(frame: Frame, entry: ExecutionEntry, scope: Scope): Promise<Value> {
    if (entry.step === undefined) {
      const argument = this.options.argument;
      if (argument !== null && !isMap(argument))
        throw typeError(`subworkflow '${frame.routine.name}' takes named arguments (a map)`);
      const args = bindRoutineArgs(frame.routine, argument);
      await this.replay.drive(frame, () => this.bindParams(frame.routine, args, scope));
      return this.runRoutineBody(frame, scope);
    }
    const step = findStep(frame.routine.steps, entry.step.name);
    if (!step)
      throw platformError('SystemError', `routine '${frame.routine.name}' has no step '${entry.step.name}'`);
    for (const [name, value] of entry.step.variables) this.assignVar(scope, name, cloneValue(value));
    const r = this.runStep(frame, step, scope);
    const flow = r instanceof Promise ? await r : r;
    return flow?.kind === 'return' ? flow.value : null;
  }

  // ---------------------------------------------------------------- threads and steps

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
    const flow = await this.runSteps(frame, frame.routine.steps, scope, 0);
    if (!flow) return null;
    switch (flow.kind) {
      case 'return':
        return flow.value;
      case 'end':
        return null;
      case 'break':
      case 'continue':
        throw platformError('SystemError', `'${flow.kind}' used outside of a loop`);
      case 'jump':
        throw platformError('SystemError', `jump target '${flow.target}' not found`);
    }
  }

  /**
   * Runs a list of steps from `start`. Jumps to steps of this list (or of plain nested `steps`
   * blocks inside it) are resolved here; other control flow goes to the caller.
   */
  private async runSteps(
    frame: Frame,
    steps: readonly Step[],
    scope: Scope,
    start: number,
    entryPath?: number[],
  ): Promise<Flow> {
    let i = start;
    let path = entryPath;
    while (i < steps.length) {
      const step = steps[i] as Step;
      let flow: Flow;
      if (path && path.length > 0) {
        // Entering a nested `steps` block at a jump target.
        const [inner, ...rest] = path;
        const action = step.action;
        if (action.kind !== 'steps') throw platformError('SystemError', 'bad jump path');
        flow = await this.runSteps(frame, action.steps, scope, inner as number, rest);
        path = undefined;
        if (!flow && step.next) flow = flowOf(step.next);
      } else {
        const r = this.runStep(frame, step, scope);
        flow = r instanceof Promise ? await r : r;
      }
      const pause = this.yielder.afterStep();
      if (pause) await pause;
      if (!flow) {
        i++;
        continue;
      }
      if (flow.kind !== 'jump') return flow;
      const target = jumpPath(steps, flow.target);
      if (!target) return flow;
      try {
        this.checkpoint(); // a jump counts as a step
      } catch (err) {
        if (err instanceof RaisedError) addFrame(err, frame.routine.name, frame.depth, step, null);
        throw err;
      }
      i = target[0] as number;
      path = target.slice(1);
    }
    return undefined;
  }

  /** Runs one step: its action, then its `next`. Synchronous when the action needs no waiting. */
  private runStep(frame: Frame, step: Step, scope: Scope): Flow | Promise<Flow> {
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
    if (thread.id === '' && frame.depth === 1) this.lastMainStep = step;
    const parentEntry = thread.entry;
    this.records.started(traced, thread);
    this.options.onCurrentSteps?.(this.threads.currentSteps());
    let r: Flow | Promise<Flow>;
    try {
      r = this.replay.drive(frame, this.runAction, traced, step.action, scope);
    } catch (err) {
      thread.open = parent;
      thread.entry = parentEntry;
      throw this.stepFailed(err, frame, traced);
    }
    if (r instanceof Promise) {
      return r.then(
        (flow) => {
          thread.open = parent;
          thread.entry = parentEntry;
          if (!flow && step.next) flow = flowOf(step.next);
          this.records.succeeded(traced, flow, this.clock.now());
          return flow;
        },
        (err: unknown) => {
          thread.open = parent;
          thread.entry = parentEntry;
          throw this.stepFailed(err, frame, traced);
        },
      );
    }
    thread.open = parent;
    thread.entry = parentEntry;
    if (!r && step.next) r = flowOf(step.next);
    this.records.succeeded(traced, r, traced.startedAt);
    return r;
  }

  /** Records a failed step and returns the error to rethrow (as a Workflows error where it is one). */
  private stepFailed(thrown: unknown, frame: Frame, traced: TracedStep): unknown {
    const err = thrown instanceof ValueTooDeepError ? valueError(thrown.message) : thrown;
    if (err instanceof RaisedError) {
      const { lastPos } = this.exprs;
      const at = lastPos ? { pos: lastPos, length: this.exprs.lastLength } : null;
      addFrame(err, frame.routine.name, frame.depth, traced.node, at);
    }
    this.records.failed(traced, err);
    return err;
  }

  /** A body embedded in a switch condition or a try: runs like a step's action, without its own step. */
  private runBody(frame: Frame, traced: TracedStep, body: StepBody, scope: Scope): Flow | Promise<Flow> {
    const r = this.replay.drive(frame, this.runAction, traced, body.action, scope);
    const next = body.next;
    if (!next) return r;
    return r instanceof Promise ? r.then((s) => s ?? flowOf(next)) : (r ?? flowOf(next));
  }

  /**
   * Runs a body under `part`, an entry of the step history for a part of the step (a matched
   * condition, a try attempt), and closes it when the body ends.
   */
  private runPart(
    frame: Frame,
    traced: TracedStep,
    part: number,
    body: StepBody,
    scope: Scope,
  ): Flow | Promise<Flow> {
    const thread = frame.thread;
    const saved = thread.entry;
    thread.entry = part;
    let r: Flow | Promise<Flow>;
    try {
      r = this.runBody(frame, traced, body, scope);
    } catch (err) {
      thread.entry = saved;
      this.records.partFailed(part, err, scope);
      throw err;
    }
    if (r instanceof Promise) {
      return r.then(
        (flow) => {
          thread.entry = saved;
          this.records.partSucceeded(part, scope);
          return flow;
        },
        (err: unknown) => {
          thread.entry = saved;
          this.records.partFailed(part, err, scope);
          throw err;
        },
      );
    }
    thread.entry = saved;
    this.records.partSucceeded(part, scope);
    return r;
  }

  // ---------------------------------------------------------------- one body per step kind

  private action(frame: Frame, traced: TracedStep, action: StepAction, scope: Scope): Flow | Promise<Flow> {
    this.exprs.lastPos = null;
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
        throw new RaisedError(cloneValue(this.exprs.value(action.raise, scope)));
      case 'return':
        return { kind: 'return', value: cloneValue(this.exprs.value(action.return, scope)) };
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
    for (let i = this.replay.resume; i < assignments.length; i++) {
      const a = assignments[i] as Assignment;
      const value = cloneValue(this.exprs.value(a.value, scope));
      const target = a.target;
      if (target.path.length === 0) this.assignVar(scope, target.variable, value);
      else {
        const keys = target.path.map((seg) =>
          seg.kind === 'property' ? seg.name : this.exprs.expr(seg.expr, scope, a.pos, target.text.length),
        );
        this.memory.account(scope.storeAt(target.variable, keys, value), target.variable);
      }
      this.replay.commit(i + 1);
    }
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
  ): Promise<Flow> {
    const args = action.args ? this.exprs.value(action.args, scope) : null;
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
  ): Flow | Promise<Flow> {
    for (let index = 0; index < conditions.length; index++) {
      const c = conditions[index] as SwitchCondition;
      const v = this.exprs.value(c.condition, scope);
      if (typeof v !== 'boolean') throw typeError(`switch condition must be a boolean, got ${typeName(v)}`);
      if (this.trace.structure)
        this.tracers.emit('switchCondition', { step: traced, index, pos: c.pos, matched: v });
      if (!v) continue;
      const thread = frame.thread;
      const part = this.records.openPart(
        thread,
        thread.entry,
        frame.routine.name,
        traced.name,
        'STEP_CONDITION',
        'PROGRESS_TYPE_SWITCH',
        index + 1,
      );
      if (!c.body) {
        this.records.partSucceeded(part, scope);
        return c.next ? flowOf(c.next) : undefined;
      }
      const r = this.runPart(frame, traced, part, c.body, scope);
      const next = c.next;
      if (!next) return r;
      return r instanceof Promise ? r.then((s) => s ?? flowOf(next)) : (r ?? flowOf(next));
    }
    if (this.trace.structure) this.tracers.emit('switchNoMatch', traced);
    return undefined;
  }

  private loopItems(spec: ForSpec, scope: Scope): Value[] {
    return loopItems(spec, (t) => this.exprs.value(t, scope), this.limits.maxSteps + 1);
  }

  private async forLoop(
    frame: Frame,
    traced: TracedStep,
    spec: ForSpec,
    items: Value[],
    scope: Scope,
  ): Promise<Flow> {
    const thread = frame.thread;
    const stepEntry = thread.entry;
    for (let i = 0; i < items.length; i++) {
      this.checkpoint(); // each iteration counts as a step
      const iterScope = new Scope(scope);
      iterScope.vars.set(spec.value, cloneValue(items[i] as Value));
      if (spec.index) iterScope.vars.set(spec.index, i);
      const part = this.records.openPart(
        thread,
        stepEntry,
        frame.routine.name,
        traced.name,
        'STEP_FOR_ITERATION',
        'PROGRESS_TYPE_FOR',
        i + 1,
        items.length,
      );
      thread.entry = part;
      if (this.trace.structure)
        this.tracers.emit('forIteration', {
          step: traced,
          index: i,
          value: items[i] as Value,
          count: items.length,
        });
      let flow: Flow;
      try {
        flow = await this.runSteps(frame, spec.steps, iterScope, 0);
        // `break`, `continue` and `return` end the iteration normally.
        this.records.partSucceeded(part, iterScope);
      } catch (err) {
        this.records.partFailed(part, err, iterScope);
        throw err;
      } finally {
        thread.entry = stepEntry;
        this.memory.release(iterScope);
      }
      if (!flow || flow.kind === 'continue') continue;
      if (flow.kind === 'break') break;
      return flow;
    }
    return undefined;
  }

  private parallel(frame: Frame, traced: TracedStep, spec: ParallelSpec, scope: Scope): Promise<Flow> {
    const depth = frame.thread.parallelDepth + 1;
    if (depth > this.limits.maxParallelNesting) {
      throw platformError(
        'ParallelNestingError',
        `parallel steps are nested deeper than the maximum depth of ${this.limits.maxParallelNesting}`,
      );
    }
    let limit = Infinity;
    if (spec.concurrencyLimit) {
      const v = this.exprs.value(spec.concurrencyLimit, scope);
      if (typeof v !== 'number' || v < 1) throw valueError('concurrency_limit must be a positive integer');
      limit = v;
    }
    const shared = new Set(spec.shared);
    const stepEntry = frame.thread.entry;
    let count = 0;
    const branch = (
      id: string,
      index: number,
      pos: Pos,
      steps: readonly Step[],
      init?: (branchScope: Scope) => void,
    ): BranchTask => ({
      id,
      run: async () => {
        const thread = this.threads.create(depth, traced);
        try {
          const branchScope = new Scope(scope, shared);
          if (init) this.checkpoint(); // each iteration counts as a step
          // A branch is a STEP_PARALLEL_BRANCH_ENTRY named after the branch; an iteration of a
          // parallel for, a STEP_FOR_ITERATION named after the step, with its own thread.
          const part = init
            ? this.records.openPart(
                thread,
                stepEntry,
                frame.routine.name,
                traced.name,
                'STEP_FOR_ITERATION',
                'PROGRESS_TYPE_PARALLEL_FOR',
                index + 1,
                count,
              )
            : this.records.openPart(
                thread,
                stepEntry,
                frame.routine.name,
                id,
                'STEP_PARALLEL_BRANCH_ENTRY',
                'PROGRESS_TYPE_PARALLEL_BRANCH',
                index + 1,
                count,
              );
          thread.entry = part;
          init?.(branchScope);
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
            this.records.partSucceeded(part, branchScope);
          } catch (err) {
            this.records.partFailed(part, err, branchScope);
            throw err;
          } finally {
            this.memory.release(branchScope);
          }
        } finally {
          this.threads.end(thread);
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
    count = tasks.length;
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
  ): Promise<Flow> {
    let retries = 0;
    let policy: RetryPolicy | undefined;
    const thread = frame.thread;
    const stepEntry = thread.entry;
    const routine = frame.routine.name;
    for (;;) {
      // The first attempt is a STEP_TRY, each retry a STEP_RETRY numbered from 1.
      const part =
        retries === 0
          ? this.records.openPart(thread, stepEntry, routine, traced.name, 'STEP_TRY')
          : this.records.openPart(
              thread,
              stepEntry,
              routine,
              traced.name,
              'STEP_RETRY',
              'PROGRESS_TYPE_RETRY',
              retries,
              policy?.maxRetries ?? 0,
            );
      try {
        const flow = await this.runPart(frame, traced, part, action.try, scope);
        if (this.trace.structure) this.tracers.emit('tryCompleted', { step: traced });
        return flow;
      } catch (err) {
        if (!(err instanceof RaisedError) || err.uncatchable) throw err;
        if (action.retry) {
          policy ??= retryPolicy(
            await this.replay.drive(frame, () =>
              retryPolicyValues(action.retry!, (t) => this.exprs.value(t, scope)),
            ),
          );
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
        const part = this.records.openPart(thread, stepEntry, routine, traced.name, 'STEP_EXCEPT');
        thread.entry = part;
        try {
          const flow = await this.runSteps(frame, action.except.steps, exceptScope, 0);
          this.records.partSucceeded(part, exceptScope);
          return flow;
        } catch (e) {
          this.records.partFailed(part, e, exceptScope);
          throw e;
        } finally {
          thread.entry = stepEntry;
          this.memory.release(exceptScope);
        }
      }
    }
  }

  private async shouldRetry(
    frame: Frame,
    traced: TracedStep,
    policy: RetryPolicy,
    err: RaisedError,
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
      result = member.impl(this.stdlib.bindPositional(member, [err.value]), this.exprs);
    }
    if (typeof result !== 'boolean')
      throw typeError(`retry predicate must return a boolean, got ${typeName(result)}`);
    return result;
  }

  // ---------------------------------------------------------------- calls

  /**
   * Calls a function from a `call` step. `args` is a map of named arguments, or a list of
   * positional ones. The one place step mocks are consulted: a mocked step's call is not made.
   */
  private callFunction(frame: Frame, traced: TracedStep, name: string, args: Value): Promise<Value> {
    const mock = this.mockCalls?.find(frame.routine.name, traced.name);
    if (!this.trace.calls)
      return mock
        ? this.mockCalls!.call(mock, frame.routine.name, traced, name, args)
        : this.invoke(frame, traced, name, args);
    const kind = functionKind(name, this.options.definition.routines);
    const e = { step: traced, name, kind, inExpression: false, args };
    this.tracers.emit('callStarted', e);
    const call = mock
      ? this.mockCalls!.call(mock, frame.routine.name, traced, name, args)
      : this.invoke(frame, traced, name, args);
    return this.tracers.callSettled(call, e);
  }

  private async invoke(frame: Frame, traced: TracedStep, name: string, args: Value): Promise<Value> {
    const callee = resolveCallee(name, this.options.definition.routines, this.stdlib, false);
    if (callee.kind !== 'subworkflow')
      return this.builtins.call(callee, name, args, frame.routine.name, traced.name, traced.pos.line);
    const routine = callee.routine;
    if (args !== null && !isMap(args)) throw typeError(`subworkflow '${name}' takes named arguments (a map)`);
    return this.callRoutine(frame, traced, routine, bindRoutineArgs(routine, args));
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
    await this.replay.drive(frame, () => this.bindParams(routine, args, scope));
    const traceEvent = this.trace.subworkflows
      ? { step: traced, routine: routine.name, args, threadId: thread.id }
      : null;
    if (traceEvent) this.tracers.emit('subworkflowCalled', traceEvent);
    const savedRoutine = thread.routine;
    const savedStep = thread.step;
    const savedOpen = thread.open;
    thread.open = traced;
    try {
      const result = await this.runRoutineBody(frame, scope);
      if (traceEvent) this.tracers.emit('subworkflowReturned', { ...traceEvent, result });
      return result;
    } catch (error) {
      if (traceEvent) this.tracers.emit('subworkflowReturned', { ...traceEvent, error });
      throw error;
    } finally {
      this.memory.release(scope);
      thread.routine = savedRoutine;
      thread.step = savedStep;
      thread.open = savedOpen;
      // An error from the callee is reported in the caller at the calling step itself.
      this.exprs.lastPos = null;
    }
  }

  /** Sets the parameters of a routine call; defaults are evaluated in order, committed one by one. */
  private bindParams(routine: Routine, args: Map<string, Value>, scope: Scope): void {
    for (let i = this.replay.resume; i < routine.params.length; i++) {
      const p = routine.params[i]!;
      if (args.has(p.name)) this.assignVar(scope, p.name, cloneValue(args.get(p.name)!));
      else if (p.default) this.assignVar(scope, p.name, cloneValue(this.exprs.value(p.default, scope)));
      else throw typeError(`subworkflow '${routine.name}': missing required parameter '${p.name}'`);
      this.replay.commit(i + 1);
    }
  }

  // ---------------------------------------------------------------- expressions and replay

  /** Makes the call an expression suspended on: a subworkflow or a connector helper. */
  private suspendedCall(frame: Frame, s: Suspension): Promise<Value> {
    const callee = s.routine;
    const traced = frame.thread.open;
    if (!callee) {
      this.checkpoint();
      const name = s.connector ?? '';
      const call = this.builtins.connector(name, s.args, frame.routine.name, frame.thread.step ?? '');
      if (!this.trace.calls) return call;
      return this.tracers.callSettled(call, {
        step: traced,
        name,
        kind: 'connector',
        inExpression: true,
        args: s.args,
      });
    }
    const args = positionalRoutineArgs(callee, s.args);
    this.checkpoint();
    const call = this.callRoutine(frame, traced, callee, args);
    if (!this.trace.calls) return call;
    return this.tracers.callSettled(call, {
      step: traced,
      name: callee.name,
      kind: 'subworkflow',
      inExpression: true,
      args: s.args,
    });
  }
}
