/**
 * The executor: runs a validated WorkflowDefinition as an async task (one per execution).
 *
 * Control flow travels as return values (`Signal`), never as exceptions; only Workflows
 * errors (`WorkflowError`) and cancellation are thrown. Expressions are evaluated by the
 * synchronous, pure evaluator in expr/; a subworkflow called inside an expression suspends
 * the evaluation, runs asynchronously, and the expression is evaluated again with the
 * results of the calls made so far replayed in order (expressions are pure, so the replay
 * takes the same path).
 */
import { evaluate, type EvalContext } from '../expr/index.js';
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
import { defaultStdlib } from '../stdlib/index.js';
import type { FunctionContext, ParamSpec, Stdlib } from '../stdlib/registry.js';
import { stringifyJson } from '../values/json.js';
import { estimateSize } from '../values/size.js';
import { toDisplayString } from '../values/format.js';
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
  ExecutionErrorReport,
  ExecutionOutcome,
  RunningExecution,
  RuntimeDeps,
  RuntimeLimits,
  StartExecutionOptions,
  StepEntry,
  StepType,
} from './api.js';
import { EXECUTIONS_RUN_CONNECTOR, EXPRESSION_CONNECTORS, isConnector } from './connectors.js';
import { performHttpCall } from './http-call.js';
import { CALLBACK_DEFAULT_TIMEOUT_S, DEFAULT_LIMITS, SLEEP_MAX_S } from './limits.js';
import { Scope } from './scope.js';
import type { CallOrigin, LogSeverity } from './seams.js';
import {
  PREFIXED_TAGS,
  platformError,
  recursionError,
  resourceLimitError,
  timeoutError,
  typeError,
  valueError,
  WorkflowError,
  errorMap,
} from './workflow-error.js';

/** How a block of steps ended, other than by running off its end. */
type Signal =
  | { kind: 'return'; value: Value }
  | { kind: 'end' }
  | { kind: 'break' }
  | { kind: 'continue' }
  | { kind: 'jump'; target: string; pos: Pos };

/** Thrown (internally) when the execution is cancelled: not a Workflows error, never caught by `try`. */
class CancelledSignal extends Error {
  override readonly name = 'CancelledSignal';
}

/** Thrown by the evaluation context when an expression calls a subworkflow not yet run. */
class SuspendForSubworkflow extends Error {
  override readonly name = 'SuspendForSubworkflow';
  constructor(
    readonly routine: Routine | null,
    readonly args: Value[],
    /** Set instead of `routine` for a connector helper called in an expression. */
    readonly connector?: string,
  ) {
    super('suspend');
  }
}

/** Where a jump target lives, relative to a list of steps: a path of nested `steps` blocks. */
interface JumpIndex {
  /** name → [index in this list, then indexes inside nested plain `steps` blocks] */
  paths: Map<string, number[]>;
}

const LOG_SEVERITIES = new Set<LogSeverity>([
  'DEFAULT',
  'DEBUG',
  'INFO',
  'NOTICE',
  'WARNING',
  'ERROR',
  'CRITICAL',
  'ALERT',
  'EMERGENCY',
]);

export function startExecution(deps: RuntimeDeps, options: StartExecutionOptions): RunningExecution {
  const execution = new Execution(deps, options);
  return execution.start();
}

/** A thread of execution: the main thread, or one parallel branch/iteration. */
interface Thread {
  id: string;
  /** Parallel nesting depth of this thread. */
  parallelDepth: number;
  /** The step running in this thread (strings, not an object: updated on every step). */
  routine: string;
  step: string | null;
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
  private readonly history: HistoryEntry[] = [];
  private readonly threads = new Map<string, Thread>();
  private readonly jumpIndexes = new WeakMap<readonly Step[], JumpIndex>();
  private readonly stepTypes = new Map<Step, StepType>();
  /** Branches and iterations running at once, execution-wide (excess ones queue). */
  private readonly branchSlots: Semaphore;
  private readonly executionName: string;
  private readonly envVars: Map<string, string>;
  private steps = 0;
  private sinceYield = 0;
  private cancelled = false;
  private memory = 0;
  private readonly scopeSizes = new WeakMap<Scope, Map<string, number>>();
  private threadCounter = 0;
  private entryCounter = 0;

  // Evaluation state (evaluation is synchronous, so one set per execution suffices).
  private evalScope: Scope | null = null;
  /** Results of the calls made so far by an expression being replayed; null on the sync path. */
  private evalCallLog: Value[] | null = null;
  private evalCallPos = 0;

  readonly clock;
  readonly ids;

  constructor(
    private readonly deps: RuntimeDeps,
    private readonly options: StartExecutionOptions,
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...deps.limits };
    this.branchSlots = new Semaphore(this.limits.maxConcurrentBranches);
    this.stdlib = defaultStdlib();
    this.clock = deps.clock;
    this.ids = deps.ids;
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
      history: this.history,
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
        const last = this.history.findLast((e) => e.routine === 'main' && e.threadId === thread.id);
        const step = last ? findStep(main.steps, last.step) : undefined;
        if (step) this.addFrame(error, mainFrame, step, null);
        throw error;
      }
      return { state: 'SUCCEEDED', result: text };
    } catch (err) {
      if (this.abort.signal.aborted) {
        this.finishOpenEntries('STATE_CANCELLED');
        return { state: 'CANCELLED' };
      }
      this.finishOpenEntries('STATE_FAILED');
      if (err instanceof WorkflowError) return { state: 'FAILED', error: this.report(err) };
      // An interpreter bug: surface it as a SystemError rather than crashing the server.
      const message = err instanceof Error ? err.message : String(err);
      return {
        state: 'FAILED',
        error: this.report(platformError('SystemError', `internal error: ${message}`)),
      };
    } finally {
      this.threads.clear();
    }
  }

  // ---------------------------------------------------------------- errors

  private report(err: WorkflowError): ExecutionErrorReport {
    let payload: string;
    try {
      payload = stringifyJson(err.value, { sortKeys: true });
    } catch {
      payload = stringifyJson(errorMap(err.tags, err.message), { sortKeys: true });
    }
    const v = err.value;
    let first: string;
    if (typeof v === 'string') first = v;
    else if (isMap(v) && typeof v.get('message') === 'string') {
      const tag = err.tags[0];
      const message = v.get('message') as string;
      first = tag && PREFIXED_TAGS.has(tag) ? `${tag}: ${message}` : message;
    } else {
      try {
        first = stringifyJson(v, { sortKeys: true });
      } catch {
        first = err.message;
      }
    }
    const lines = [first];
    for (const f of err.frames) lines.push(`in step "${f.step}", routine "${f.routine}", line: ${f.line}`);
    return {
      payload,
      context: lines.join('\n'),
      stackTrace: {
        elements: err.frames.map((f) => ({
          step: f.step,
          routine: f.routine,
          position: { line: f.line, column: f.column, length: f.length },
        })),
      },
    };
  }

  /** Adds the innermost frame of each routine call an error passes through. */
  private addFrame(
    err: WorkflowError,
    frame: Frame,
    step: Step,
    at: { pos: Pos; length: number } | null,
  ): void {
    const tagged = err as WorkflowError & { frameDepth?: number };
    if (tagged.frameDepth !== undefined && tagged.frameDepth <= frame.depth) return;
    tagged.frameDepth = frame.depth;
    err.frames.push({
      routine: frame.routine.name,
      step: step.name,
      line: at?.pos.line ?? step.pos.line,
      column: at?.pos.column ?? step.pos.column,
      length: at?.length ?? step.name.length,
    });
  }

  // ---------------------------------------------------------------- threads, steps, history

  private newThread(parallelDepth: number): Thread {
    const id = parallelDepth === 0 && this.threads.size === 0 ? '' : String(++this.threadCounter);
    const t: Thread = { id, parallelDepth, routine: '', step: null };
    this.threads.set(id, t);
    return t;
  }

  private checkpoint(): void {
    if (this.cancelled) throw this.abort.signal.reason as Error;
    if (++this.steps > this.limits.maxSteps) {
      throw resourceLimitError(`Execution exceeded the limit of ${this.limits.maxSteps} steps`);
    }
  }

  private openEntry(frame: Frame, step: Step, stepType: StepType): HistoryEntry {
    const entry = new HistoryEntry(
      ++this.entryCounter,
      frame.routine.name,
      step.name,
      stepType,
      frame.thread.id,
      this.clock.now(),
    );
    this.history.push(entry);
    frame.thread.routine = frame.routine.name;
    frame.thread.step = step.name;
    this.options.onStepEntry?.(entry);
    this.options.onCurrentSteps?.(this.currentSteps());
    return entry;
  }

  /** `timed: false` keeps the start time for steps that completed synchronously (no time passed). */
  private closeEntry(
    entry: HistoryEntry,
    state: StepEntry['state'],
    error?: WorkflowError,
    timed = true,
  ): void {
    entry.state = state;
    if (timed) entry.updateMs = this.clock.now();
    if (error) {
      try {
        entry.exceptionPayload = stringifyJson(error.value, { sortKeys: true });
      } catch {
        entry.exceptionPayload = JSON.stringify(error.message);
      }
    }
    this.options.onStepEntry?.(entry);
  }

  private finishOpenEntries(state: StepEntry['state']): void {
    for (const e of this.history) if (e.state === 'STATE_IN_PROGRESS') this.closeEntry(e, state);
  }

  // ---------------------------------------------------------------- routines and step lists

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
  ): Promise<Signal | undefined> {
    let i = start;
    let path = entryPath;
    while (i < steps.length) {
      const step = steps[i] as Step;
      let signal: Signal | undefined;
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
      if (++this.sinceYield >= 1000) {
        // Let the server (and cancellations) in during long CPU-bound runs. The count is
        // execution-wide: a for loop runs each iteration's steps in a fresh runSteps call.
        this.sinceYield = 0;
        await new Promise<void>((r) => setImmediate(r));
      }
      if (!signal) {
        i++;
        continue;
      }
      if (signal.kind !== 'jump') return signal;
      const target = this.jumpIndex(steps).paths.get(signal.target);
      if (!target) return signal;
      try {
        this.checkpoint(); // a jump counts as a step
      } catch (err) {
        if (err instanceof WorkflowError) this.addFrame(err, frame, step, null);
        throw err;
      }
      i = target[0] as number;
      path = target.slice(1);
    }
    return undefined;
  }

  private jumpIndex(steps: readonly Step[]): JumpIndex {
    let idx = this.jumpIndexes.get(steps);
    if (idx) return idx;
    const paths = new Map<string, number[]>();
    const visit = (list: readonly Step[], prefix: number[]) => {
      list.forEach((s, i) => {
        const p = [...prefix, i];
        if (!paths.has(s.name)) paths.set(s.name, p);
        if (s.action.kind === 'steps') visit(s.action.steps, p);
      });
    };
    visit(steps, []);
    idx = { paths };
    this.jumpIndexes.set(steps, idx);
    return idx;
  }

  /**
   * Runs one step. Steps whose expressions need no subworkflow call complete synchronously
   * (no promise, no microtask): that keeps CPU-bound workflows fast.
   */
  private runStep(frame: Frame, step: Step, scope: Scope): Signal | undefined | Promise<Signal | undefined> {
    this.checkpoint();
    let stepType = this.stepTypes.get(step);
    if (stepType === undefined) {
      stepType = stepTypeOf(step.action, this.options.definition.routines, this.stdlib);
      this.stepTypes.set(step, stepType);
    }
    const entry = this.openEntry(frame, step, stepType);
    let r: Signal | undefined | Promise<Signal | undefined>;
    try {
      r = this.runActionFast(frame, step, step.action, scope);
    } catch (err) {
      throw this.stepFailed(err, frame, step, entry);
    }
    if (r instanceof Promise) {
      return r.then(
        (signal) => {
          if (!signal && step.next) signal = nextSignal(step.next);
          this.closeEntry(entry, 'STATE_SUCCEEDED');
          return signal;
        },
        (err: unknown) => {
          throw this.stepFailed(err, frame, step, entry);
        },
      );
    }
    if (!r && step.next) r = nextSignal(step.next);
    this.closeEntry(entry, 'STATE_SUCCEEDED', undefined, false);
    return r;
  }

  /** Records a failed step and returns the error to rethrow (as a Workflows error where it is one). */
  private stepFailed(thrown: unknown, frame: Frame, step: Step, entry: HistoryEntry): unknown {
    const err = thrown instanceof ValueTooDeepError ? valueError(thrown.message) : thrown;
    if (err instanceof WorkflowError) {
      this.addFrame(
        err,
        frame,
        step,
        this.lastExprPos ? { pos: this.lastExprPos, length: this.lastExprLength } : null,
      );
      this.closeEntry(entry, 'STATE_FAILED', err);
    } else if (this.abort.signal.aborted) {
      this.closeEntry(entry, 'STATE_CANCELLED');
    }
    return err;
  }

  /** The synchronous path for the common step kinds; anything else (or a suspension) goes async. */
  private runActionFast(
    frame: Frame,
    step: Step,
    action: StepAction,
    scope: Scope,
  ): Signal | undefined | Promise<Signal | undefined> {
    this.lastExprPos = null;
    try {
      switch (action.kind) {
        case 'assign':
          this.runAssignSync(action.assign, scope);
          return undefined;
        case 'return':
          return { kind: 'return', value: cloneValue(this.evalTemplateSync(action.return, scope)) };
        case 'raise':
          throw new WorkflowError(cloneValue(this.evalTemplateSync(action.raise, scope)));
        case 'next':
          return undefined;
        case 'switch': {
          for (const c of action.conditions) {
            const v = this.evalTemplateSync(c.condition, scope);
            if (typeof v !== 'boolean')
              throw typeError(`switch condition must be a boolean, got ${typeName(v)}`);
            if (!v) continue;
            if (!c.body) return c.next ? nextSignal(c.next) : undefined;
            const r = this.runActionFast(frame, step, c.body.action, scope);
            const after = (signal: Signal | undefined): Signal | undefined => {
              if (!signal && c.body?.next) signal = nextSignal(c.body.next);
              if (!signal && c.next) signal = nextSignal(c.next);
              return signal;
            };
            return r instanceof Promise ? r.then(after) : after(r);
          }
          return undefined;
        }
        default:
          return this.runAction(frame, step, action, scope);
      }
    } catch (err) {
      // A subworkflow call inside an expression: redo the action on the async path. Actions
      // evaluate before they change anything, except multi-item assign steps, which resume
      // at the item that suspended.
      if (!(err instanceof SuspendForSubworkflow)) throw err;
      if (action.kind === 'assign')
        return this.runAssign(frame, action.assign.slice(this.assignDone), scope).then(() => undefined);
      return this.runAction(frame, step, action, scope);
    }
  }

  /** Position of the expression evaluated last (for error positions). */
  private lastExprPos: Pos | null = null;
  private lastExprLength = 0;
  /** How many items of the assign step being run synchronously have completed. */
  private assignDone = 0;

  private async runAction(
    frame: Frame,
    step: Step,
    action: StepAction,
    scope: Scope,
  ): Promise<Signal | undefined> {
    this.lastExprPos = null;
    switch (action.kind) {
      case 'assign':
        await this.runAssign(frame, action.assign, scope);
        return undefined;
      case 'call':
        await this.runCallStep(frame, step, action, scope);
        return undefined;
      case 'switch':
        return this.runSwitch(frame, step, action.conditions, scope);
      case 'for':
        return this.runFor(frame, action.for, scope);
      case 'parallel':
        await this.runParallel(frame, action.parallel, scope);
        return undefined;
      case 'raise': {
        const value = await this.evalTemplate(frame, action.raise, scope);
        throw new WorkflowError(cloneValue(value));
      }
      case 'return': {
        const value = await this.evalTemplate(frame, action.return, scope);
        return { kind: 'return', value: cloneValue(value) };
      }
      case 'steps':
        return this.runSteps(frame, action.steps, scope, 0);
      case 'try':
        return this.runTry(frame, step, action, scope);
      case 'next':
        return undefined;
    }
  }

  /** A body embedded in a switch condition or a try: runs like a step without its own entry. */
  private async runBody(frame: Frame, step: Step, body: StepBody, scope: Scope): Promise<Signal | undefined> {
    let signal = await this.runAction(frame, step, body.action, scope);
    if (!signal && body.next) signal = nextSignal(body.next);
    return signal;
  }

  // ---------------------------------------------------------------- assign

  private runAssignSync(assignments: readonly Assignment[], scope: Scope): void {
    this.assignDone = 0;
    for (const a of assignments) {
      const value = cloneValue(this.evalTemplateSync(a.value, scope));
      const target = a.target;
      if (target.path.length === 0) this.assignVar(scope, target.variable, value);
      else {
        const keys = target.path.map((seg) =>
          seg.kind === 'property' ? seg.name : this.evalExprSync(seg.expr, scope, a.pos, target.text.length),
        );
        this.storeAt(scope, a, keys, value);
      }
      this.assignDone++;
    }
  }

  private async runAssign(frame: Frame, assignments: readonly Assignment[], scope: Scope): Promise<void> {
    for (const a of assignments) {
      const value = cloneValue(await this.evalTemplate(frame, a.value, scope));
      const target = a.target;
      if (target.path.length === 0) {
        this.assignVar(scope, target.variable, value);
        continue;
      }
      const keys: Value[] = [];
      for (const seg of target.path) {
        keys.push(
          seg.kind === 'property'
            ? seg.name
            : await this.evalExpr(frame, seg.expr, scope, a.pos, target.text.length),
        );
      }
      this.storeAt(scope, a, keys, value);
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
    this.accountMemory(owner, variable);
  }

  private assignVar(scope: Scope, name: string, value: Value): void {
    const owner = scope.ownerFor(name);
    owner.vars.set(name, value);
    this.accountMemory(owner, name);
  }

  /** Keeps the running estimate of variable memory and enforces the 512 KB limit. */
  private accountMemory(owner: Scope, name: string): void {
    let sizes = this.scopeSizes.get(owner);
    if (!sizes) this.scopeSizes.set(owner, (sizes = new Map()));
    const v = owner.vars.get(name) ?? null;
    const size = name.length + estimateSize(v);
    this.memory += size - (sizes.get(name) ?? 0);
    sizes.set(name, size);
    if (this.memory > this.limits.maxMemoryBytes) {
      throw resourceLimitError(
        `Memory usage limit exceeded: variables use about ${this.memory} bytes, the limit is ${this.limits.maxMemoryBytes}`,
        ['MemoryLimitExceededError'],
      );
    }
  }

  /** Releases the memory of a scope that ends (loop iteration, except block, branch, routine). */
  private releaseScope(scope: Scope): void {
    const sizes = this.scopeSizes.get(scope);
    if (!sizes) return;
    for (const s of sizes.values()) this.memory -= s;
    this.scopeSizes.delete(scope);
  }

  // ---------------------------------------------------------------- calls

  private origin(frame: Frame, step: Step | null): CallOrigin {
    return {
      executionId: this.options.identity.executionId,
      workflowId: this.options.identity.workflowId,
      projectId: this.options.identity.projectId,
      location: this.options.identity.location,
      routine: frame.routine.name,
      step: step?.name ?? '',
    };
  }

  private async runCallStep(
    frame: Frame,
    step: Step,
    action: Extract<StepAction, { kind: 'call' }>,
    scope: Scope,
  ): Promise<void> {
    const argsValue = action.args ? await this.evalTemplate(frame, action.args, scope) : null;
    const result = await this.callFunction(frame, step, action.call, argsValue);
    if (action.result) this.assignVar(scope, action.result, cloneValue(result));
  }

  /** Calls a function from a `call` step. `args` is a map of named arguments, or a list of positional ones. */
  private async callFunction(frame: Frame, step: Step, name: string, args: Value): Promise<Value> {
    const routine = this.options.definition.routines.get(name);
    if (routine) {
      if (args !== null && !isMap(args))
        throw typeError(`subworkflow '${name}' takes named arguments (a map)`);
      return this.callRoutine(frame, routine, bindRoutineArgs(routine, args));
    }
    if (isConnector(name)) {
      return this.deps.connectors.call(name, args, this.origin(frame, step), this.abort.signal);
    }
    const member = this.stdlib.get(name);
    if (!member) throw platformError('SystemError', `unknown function '${name}'`);
    if (member.kind === 'constant') throw typeError(`'${name}' is not a function`);
    let bound: Value[];
    if (args === null) bound = this.stdlib.bindNamed(member, null);
    else if (isMap(args)) bound = this.stdlib.bindNamed(member, args);
    else if (Array.isArray(args)) bound = this.stdlib.bindPositional(member, args);
    else throw typeError(`${name}: args must be a map of named arguments`);
    if (member.kind === 'pure') return checkStringLength(member.impl(bound, this));
    return this.callBlocking(frame, step, name, bound, member.params);
  }

  private async callRoutine(caller: Frame, routine: Routine, args: Map<string, Value>): Promise<Value> {
    const frame: Frame = { routine, depth: caller.depth + 1, thread: caller.thread };
    const scope = new Scope(null);
    for (const p of routine.params) {
      if (args.has(p.name)) this.assignVar(scope, p.name, cloneValue(args.get(p.name)!));
      else if (p.default)
        this.assignVar(scope, p.name, cloneValue(await this.evalTemplate(frame, p.default, scope)));
      else throw typeError(`subworkflow '${routine.name}': missing required parameter '${p.name}'`);
    }
    const savedRoutine = caller.thread.routine;
    const savedStep = caller.thread.step;
    try {
      return await this.runRoutineBody(frame, scope);
    } finally {
      this.releaseScope(scope);
      caller.thread.routine = savedRoutine;
      caller.thread.step = savedStep;
      // An error from the callee is reported in the caller at the calling step itself.
      this.lastExprPos = null;
    }
  }

  private async callBlocking(
    frame: Frame,
    step: Step,
    name: string,
    a: Value[],
    params: readonly ParamSpec[],
  ): Promise<Value> {
    const signal = this.abort.signal;
    switch (name) {
      case 'http.get':
      case 'http.post':
      case 'http.put':
      case 'http.patch':
      case 'http.delete':
      case 'http.request':
        return this.httpCall(frame, step, name, new Map(params.map((p, i) => [p.name, a[i] ?? null])));
      case 'sys.sleep': {
        // The registry has checked the type (integer or double).
        const s = toJsNumber(a[0] as number | bigint | Double);
        if (!(s >= 0) || s > SLEEP_MAX_S)
          throw valueError(`sys.sleep: seconds must be between 0 and ${SLEEP_MAX_S}`);
        await this.sleep(s * 1000);
        return null;
      }
      case 'sys.sleep_until': {
        const parse = this.stdlib.get('time.parse');
        if (!parse || parse.kind !== 'pure') throw platformError('SystemError', 'time.parse is missing');
        const when = parse.impl([a[0] as Value], this) as Double;
        const ms = when.value * 1000 - this.clock.now();
        if (ms > SLEEP_MAX_S * 1000) throw valueError('sys.sleep_until: time is more than one year ahead');
        if (ms > 0) await this.sleep(ms);
        return null;
      }
      case 'sys.log':
        this.sysLog(a);
        return null;
      case 'events.create_callback_endpoint': {
        const method = (a[0] ?? 'POST') as Value;
        if (typeof method !== 'string') throw typeError('http_callback_method must be a string');
        const upper = method.toUpperCase();
        if (!['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'].includes(upper)) {
          throw valueError(`unsupported http_callback_method '${method}'`);
        }
        // From the IdSource, so a seeded test environment hands out the same callback URLs.
        const cb = this.deps.callbacks.create(this.executionName, upper, this.ids.uuid().replaceAll('-', ''));
        return new Map<string, Value>([['url', cb.url]]);
      }
      case 'events.await_callback':
        return this.awaitCallback(a[0] as Value, a[1] as Value, signal);
      // The legacy child-execution functions go through the Workflow Executions connector, which
      // the emulator answers by running the child (or a stub answers).
      case 'experimental.executions.run':
        return this.runChild(frame, step, a[0] as Value, a[1] ?? null);
      case 'experimental.executions.map': {
        const list = a[1] as Value[];
        return Promise.all(list.map((arg) => this.runChild(frame, step, a[0] as Value, arg)));
      }
      default:
        throw platformError('SystemError', `${name} is not supported by the emulator`);
    }
  }

  private runChild(frame: Frame, step: Step, workflowId: Value, argument: Value): Promise<Value> {
    const args = new Map<string, Value>([
      ['workflow_id', workflowId],
      ['argument', argument],
    ]);
    return this.deps.connectors.call(
      EXECUTIONS_RUN_CONNECTOR,
      args,
      this.origin(frame, step),
      this.abort.signal,
    );
  }

  private async sleep(ms: number): Promise<void> {
    await this.clock.sleep(ms, this.abort.signal);
  }

  /** `args`: every parameter of the function by name, already checked and defaulted by the registry. */
  private httpCall(frame: Frame, step: Step, name: string, args: WfMap): Promise<Value> {
    const method = name === 'http.request' ? args.get('method') : name.slice(5).toUpperCase();
    if (typeof method !== 'string') throw typeError(`http.request: argument 'method' must be a string`);
    return performHttpCall(
      {
        method,
        url: args.get('url') ?? null,
        timeout: args.get('timeout') ?? null,
        body: args.get('body') ?? null,
        hasBody: (args.get('body') ?? null) !== null,
        headers: args.get('headers') ?? null,
        query: args.get('query') ?? null,
        auth: args.get('auth') ?? null,
        privateServiceName: args.get('private_service_name') ?? null,
        caCertificate: args.get('ca_certificate') ?? null,
      },
      this.deps.transport,
      this.origin(frame, step),
      this.abort.signal,
      this.limits.maxHttpResponseBytes,
    );
  }

  private sysLog(a: Value[]): void {
    const [data, severity, text, json] = a as [Value, Value, Value, Value];
    const given = [data, text, json].filter((v) => v !== null);
    if (given.length !== 1) throw typeError('sys.log: exactly one of data, text or json must be given');
    const sev = (typeof severity === 'string' ? severity.toUpperCase() : 'DEFAULT') as LogSeverity;
    if (!LOG_SEVERITIES.has(sev))
      throw valueError(
        `sys.log: unknown severity '${typeof severity === 'string' ? severity : typeName(severity)}'`,
      );
    let payload: Value = given[0] as Value;
    if (text !== null && typeof text !== 'string') payload = toDisplayString(text);
    this.deps.logger.log({
      severity: sev,
      payload,
      executionId: this.options.identity.executionId,
      workflowId: this.options.identity.workflowId,
      timestamp: new Date(this.clock.now()),
    });
  }

  private async awaitCallback(callback: Value, timeout: Value, signal: AbortSignal): Promise<Value> {
    if (!isMap(callback) || typeof callback.get('url') !== 'string') {
      throw typeError(
        'events.await_callback: callback must be the map returned by events.create_callback_endpoint',
      );
    }
    const url = callback.get('url') as string;
    const info = this.deps.callbacks.findByUrl(url);
    if (!info || !info.name.startsWith(`${this.executionName}/`)) {
      throw valueError('events.await_callback: the callback does not belong to this execution');
    }
    let seconds = CALLBACK_DEFAULT_TIMEOUT_S;
    if (timeout !== null) {
      if (!isNumber(timeout)) throw typeError('events.await_callback: timeout must be a number');
      seconds = toJsNumber(timeout);
    }
    const req = await this.deps.callbacks.await(this.executionName, info.id, seconds * 1000, signal);
    if (!req) throw timeoutError(`Timeout waiting for callback ${url}`);
    const headers: WfMap = new Map(Object.entries(req.headers));
    const query: WfMap = new Map(Object.entries(req.query).map(([k, v]) => [k, v as Value]));
    return new Map<string, Value>([
      [
        'http_request',
        new Map<string, Value>([
          ['body', req.body],
          ['headers', headers],
          ['method', req.method],
          ['query', query],
          ['url', req.url],
        ]),
      ],
      ['received_time', req.receivedAt.toISOString()],
      ['type', 'HTTP'],
    ]);
  }

  // ---------------------------------------------------------------- switch, for, try

  private async runSwitch(
    frame: Frame,
    step: Step,
    conditions: readonly SwitchCondition[],
    scope: Scope,
  ): Promise<Signal | undefined> {
    for (const c of conditions) {
      const v = await this.evalTemplate(frame, c.condition, scope);
      if (typeof v !== 'boolean') throw typeError(`switch condition must be a boolean, got ${typeName(v)}`);
      if (!v) continue;
      let signal: Signal | undefined;
      if (c.body) signal = await this.runBody(frame, step, c.body, scope);
      if (!signal && c.next) signal = nextSignal(c.next);
      return signal;
    }
    return undefined;
  }

  private async loopItems(frame: Frame, spec: ForSpec, scope: Scope): Promise<Value[]> {
    if (spec.in) {
      const v = await this.evalTemplate(frame, spec.in, scope);
      if (!Array.isArray(v)) throw typeError(`for: 'in' must be a list, got ${typeName(v)}`);
      return v.slice();
    }
    const r = spec.range ? await this.evalTemplate(frame, spec.range, scope) : null;
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

  private async runFor(frame: Frame, spec: ForSpec, scope: Scope): Promise<Signal | undefined> {
    const items = await this.loopItems(frame, spec, scope);
    for (let i = 0; i < items.length; i++) {
      this.checkpoint(); // each iteration counts as a step
      const iterScope = new Scope(scope);
      iterScope.vars.set(spec.value, cloneValue(items[i] as Value));
      if (spec.index) iterScope.vars.set(spec.index, i);
      let signal: Signal | undefined;
      try {
        signal = await this.runSteps(frame, spec.steps, iterScope, 0);
      } finally {
        this.releaseScope(iterScope);
      }
      if (!signal || signal.kind === 'continue') continue;
      if (signal.kind === 'break') break;
      return signal;
    }
    return undefined;
  }

  private async runTry(
    frame: Frame,
    step: Step,
    action: Extract<StepAction, { kind: 'try' }>,
    scope: Scope,
  ): Promise<Signal | undefined> {
    let retries = 0;
    let policy: RetryPolicy | null | undefined;
    let delay = 0;
    for (;;) {
      try {
        return await this.runBody(frame, step, action.try, scope);
      } catch (err) {
        if (!(err instanceof WorkflowError) || err.uncatchable) throw err;
        if (action.retry) {
          policy ??= await this.resolveRetry(frame, action.retry, scope);
          if (policy && retries < policy.maxRetries && (await this.shouldRetry(frame, policy, err))) {
            this.checkpoint();
            delay =
              retries === 0 ? policy.initialDelay : Math.min(delay * policy.multiplier, policy.maxDelay);
            retries++;
            await this.sleep(delay * 1000);
            continue;
          }
        }
        if (!action.except) throw err;
        this.checkpoint();
        const exceptScope = new Scope(scope);
        if (action.except.as) exceptScope.vars.set(action.except.as, err.value);
        try {
          return await this.runSteps(frame, action.except.steps, exceptScope, 0);
        } finally {
          this.releaseScope(exceptScope);
        }
      }
    }
  }

  private async resolveRetry(frame: Frame, spec: RetrySpec, scope: Scope): Promise<RetryPolicy | null> {
    let predicate: string | undefined;
    let maxRetries: Value = null;
    let initialDelay: Value = null;
    let maxDelay: Value = null;
    let multiplier: Value = null;
    if (spec.policy) {
      const v = await this.evalTemplate(frame, spec.policy, scope);
      if (!isMap(v)) throw typeError(`retry policy must be a map, got ${typeName(v)}`);
      const p = v.get('predicate');
      if (typeof p === 'string') predicate = p;
      maxRetries = v.get('max_retries') ?? null;
      const backoff = v.get('backoff') ?? null;
      if (isMap(backoff)) {
        initialDelay = backoff.get('initial_delay') ?? null;
        maxDelay = backoff.get('max_delay') ?? null;
        multiplier = backoff.get('multiplier') ?? null;
      }
    } else {
      if (spec.predicate) predicate = functionName(spec.predicate.expr) ?? undefined;
      if (spec.predicate && !predicate) {
        const v = await this.evalTemplate(frame, spec.predicate, scope);
        if (typeof v === 'string') predicate = v;
      }
      if (spec.maxRetries) maxRetries = await this.evalTemplate(frame, spec.maxRetries, scope);
      if (spec.backoff?.initialDelay)
        initialDelay = await this.evalTemplate(frame, spec.backoff.initialDelay, scope);
      if (spec.backoff?.maxDelay) maxDelay = await this.evalTemplate(frame, spec.backoff.maxDelay, scope);
      if (spec.backoff?.multiplier)
        multiplier = await this.evalTemplate(frame, spec.backoff.multiplier, scope);
      if (spec.backoffExpr) {
        const b = await this.evalTemplate(frame, spec.backoffExpr, scope);
        if (!isMap(b)) throw typeError(`retry backoff must be a map, got ${typeName(b)}`);
        initialDelay = b.get('initial_delay') ?? null;
        maxDelay = b.get('max_delay') ?? null;
        multiplier = b.get('multiplier') ?? null;
      }
    }
    const num = (v: Value, name: string, dflt: number): number => {
      if (v === null) return dflt;
      if (typeof v === 'number') return v;
      if (v instanceof Double) return v.value;
      throw typeError(`retry: ${name} must be a number, got ${typeName(v)}`);
    };
    return {
      predicate: predicate ?? 'retry.always',
      maxRetries: num(maxRetries, 'max_retries', 0),
      initialDelay: num(initialDelay, 'initial_delay', 1),
      maxDelay: num(maxDelay, 'max_delay', 60),
      multiplier: num(multiplier, 'multiplier', 1.25),
    };
  }

  private async shouldRetry(frame: Frame, policy: RetryPolicy, err: WorkflowError): Promise<boolean> {
    const routine = this.options.definition.routines.get(policy.predicate);
    let result: Value;
    if (routine) {
      const param = routine.params[0];
      const args = new Map<string, Value>(param ? [[param.name, err.value]] : []);
      result = await this.callRoutine(frame, routine, args);
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

  // ---------------------------------------------------------------- parallel

  private async runParallel(frame: Frame, spec: ParallelSpec, scope: Scope): Promise<void> {
    const depth = frame.thread.parallelDepth + 1;
    if (depth > this.limits.maxParallelNesting) {
      throw platformError(
        'ParallelNestingError',
        `parallel steps are nested deeper than the maximum depth of ${this.limits.maxParallelNesting}`,
      );
    }
    let limit = Infinity;
    if (spec.concurrencyLimit) {
      const v = await this.evalTemplate(frame, spec.concurrencyLimit, scope);
      if (typeof v !== 'number' || v < 1) throw valueError('concurrency_limit must be a positive integer');
      limit = v;
    }
    const shared = new Set(spec.shared);
    const tasks: { id: string; run: (thread: Thread) => Promise<void> }[] = [];
    if (spec.branches) {
      for (const b of spec.branches) {
        tasks.push({
          id: b.name,
          run: async (thread) => {
            const branchScope = new Scope(scope, shared);
            try {
              await this.runSteps({ ...frame, thread }, b.steps, branchScope, 0);
            } finally {
              this.releaseScope(branchScope);
            }
          },
        });
      }
    } else if (spec.for) {
      const loop = spec.for;
      const items = await this.loopItems(frame, loop, scope);
      items.forEach((item, i) => {
        tasks.push({
          id: String(i),
          run: async (thread) => {
            this.checkpoint();
            const iterScope = new Scope(scope, shared);
            iterScope.vars.set(loop.value, cloneValue(item));
            if (loop.index) iterScope.vars.set(loop.index, i);
            try {
              await this.runSteps({ ...frame, thread }, loop.steps, iterScope, 0);
            } finally {
              this.releaseScope(iterScope);
            }
          },
        });
      });
    }
    const errors: { id: string; error: WorkflowError }[] = [];
    let fatal: unknown;
    let next = 0;
    const worker = async () => {
      while (next < tasks.length && fatal === undefined) {
        const task = tasks[next++]!;
        await this.branchSlots.acquire();
        const thread = this.newThread(depth);
        try {
          await task.run(thread);
        } catch (err) {
          // A nesting violation is a property of the workflow, not of one branch: it propagates as is.
          if (
            err instanceof WorkflowError &&
            !err.uncatchable &&
            !err.tags.includes('ParallelNestingError')
          ) {
            errors.push({ id: task.id, error: err });
          } else fatal ??= err;
        } finally {
          this.threads.delete(thread.id);
          this.branchSlots.release();
        }
      }
    };
    const workers = Math.min(limit, tasks.length);
    // A branch that waits for its own nested parallel step is not running: it gives its slot
    // back meanwhile, so nested parallel steps cannot deadlock on the execution-wide limit.
    const holdsSlot = frame.thread.parallelDepth > 0;
    if (holdsSlot) this.branchSlots.release();
    try {
      await Promise.all(Array.from({ length: workers }, worker));
    } finally {
      if (holdsSlot) await this.branchSlots.acquire();
    }
    if (fatal !== undefined) throw fatal instanceof Error ? fatal : new Error('parallel branch failed');
    if (errors.length > 0) {
      const kept = errors.slice(0, this.limits.maxUnhandledBranchErrors);
      throw platformError(
        'UnhandledBranchError',
        `UnhandledBranchError: ${errors.length} branch${errors.length === 1 ? '' : 'es'} or iteration${errors.length === 1 ? '' : 's'} ended with an unhandled error`,
        [
          [
            'branches',
            kept.map(
              (e) =>
                new Map<string, Value>([
                  ['id', e.id],
                  ['error', e.error.value],
                ]),
            ),
          ],
          ['truncated', errors.length > kept.length],
        ],
      );
    }
  }

  // ---------------------------------------------------------------- expressions

  /** Evaluates a value template, suspending for subworkflow calls inside expressions. */
  private async evalTemplate(frame: Frame, t: ValueTemplate, scope: Scope): Promise<Value> {
    switch (t.kind) {
      case 'literal':
        return t.value;
      case 'expr':
        return this.evalExpr(frame, t.expr, scope, t.pos, t.text.length + 3);
      case 'list': {
        const out: Value[] = [];
        for (const item of t.items) out.push(await this.evalTemplate(frame, item, scope));
        return out;
      }
      case 'map': {
        const out: WfMap = new Map();
        for (const e of t.entries) {
          let key: Value = e.key as Value;
          if (typeof e.key !== 'string') {
            key = await this.evalExpr(frame, e.key.expr, scope, e.key.pos, e.key.text.length + 3);
            if (typeof key !== 'string') throw typeError(`map keys must be strings, got ${typeName(key)}`);
          }
          out.set(key as string, await this.evalTemplate(frame, e.value, scope));
        }
        return out;
      }
    }
  }

  /** Synchronous evaluation; throws SuspendForSubworkflow when an expression calls a subworkflow. */
  private evalTemplateSync(t: ValueTemplate, scope: Scope): Value {
    switch (t.kind) {
      case 'literal':
        return t.value;
      case 'expr':
        return this.evalExprSync(t.expr, scope, t.pos, t.text.length + 3);
      case 'list':
        return t.items.map((item) => this.evalTemplateSync(item, scope));
      case 'map': {
        const out: WfMap = new Map();
        for (const e of t.entries) {
          let key: Value = e.key as Value;
          if (typeof e.key !== 'string') {
            key = this.evalExprSync(e.key.expr, scope, e.key.pos, e.key.text.length + 3);
            if (typeof key !== 'string') throw typeError(`map keys must be strings, got ${typeName(key)}`);
          }
          out.set(key as string, this.evalTemplateSync(e.value, scope));
        }
        return out;
      }
    }
  }

  private evalExprSync(expr: Expr, scope: Scope, pos: Pos, length: number): Value {
    this.lastExprPos = pos;
    this.lastExprLength = length;
    const savedScope = this.evalScope;
    const savedLog = this.evalCallLog;
    this.evalScope = scope;
    this.evalCallLog = null;
    try {
      return checkStringLength(evaluate(expr, this));
    } finally {
      this.evalScope = savedScope;
      this.evalCallLog = savedLog;
    }
  }

  private async evalExpr(frame: Frame, expr: Expr, scope: Scope, pos: Pos, length: number): Promise<Value> {
    this.lastExprPos = pos;
    this.lastExprLength = length;
    const log: Value[] = [];
    for (;;) {
      const savedScope = this.evalScope;
      const savedLog = this.evalCallLog;
      const savedPos = this.evalCallPos;
      this.evalScope = scope;
      this.evalCallLog = log;
      this.evalCallPos = 0;
      try {
        return checkStringLength(evaluate(expr, this));
      } catch (err) {
        if (!(err instanceof SuspendForSubworkflow)) throw err;
        const callee = err.routine;
        if (!callee) {
          this.checkpoint();
          const origin = { ...this.origin(frame, null), step: frame.thread.step ?? '' };
          log.push(await this.deps.connectors.call(err.connector ?? '', err.args, origin, this.abort.signal));
          this.lastExprPos = pos;
          this.lastExprLength = length;
          continue;
        }
        const args = new Map<string, Value>();
        if (err.args.length > callee.params.length) {
          throw typeError(
            `subworkflow '${callee.name}' takes ${callee.params.length} arguments, got ${err.args.length}`,
          );
        }
        err.args.forEach((a, i) => args.set(callee.params[i]!.name, a));
        this.checkpoint();
        log.push(await this.callRoutine(frame, callee, args));
        this.lastExprPos = pos;
        this.lastExprLength = length;
      } finally {
        this.evalScope = savedScope;
        this.evalCallLog = savedLog;
        this.evalCallPos = savedPos;
      }
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
    const log = this.evalCallLog;
    if (log !== null && this.evalCallPos < log.length) return log[this.evalCallPos++] as Value;
    const routine = this.options.definition.routines.get(name);
    if (routine) throw new SuspendForSubworkflow(routine, args.map(cloneValue));
    if (EXPRESSION_CONNECTORS.has(name)) throw new SuspendForSubworkflow(null, args.map(cloneValue), name);
    const member = this.stdlib.get(name);
    if (!member) throw platformError('SystemError', `unknown function '${name}'`);
    if (member.kind === 'constant') throw typeError(`'${name}' is not a function`);
    if (member.kind === 'blocking') {
      throw typeError(
        `${name} is a blocking function and cannot be called inside an expression; use a call step`,
      );
    }
    const result = member.impl(this.stdlib.bindPositional(member, args), this);
    if (log !== null) {
      log.push(result);
      this.evalCallPos++;
    }
    return result;
  }

  // FunctionContext
  env(name: string): string | undefined {
    return this.envVars.get(name);
  }
}

class Semaphore {
  private readonly waiting: (() => void)[] = [];
  constructor(private available: number) {}

  acquire(): Promise<void> | void {
    if (this.available > 0) {
      this.available--;
      return;
    }
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.available++;
  }
}

/** A step-history entry; times are kept as numbers and turned into Dates only when read. */
class HistoryEntry implements StepEntry {
  state: StepEntry['state'] = 'STATE_IN_PROGRESS';
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

interface RetryPolicy {
  predicate: string;
  maxRetries: number;
  initialDelay: number;
  maxDelay: number;
  multiplier: number;
}

/** The dotted function name an expression like `${http.default_retry_predicate}` refers to. */
function functionName(expr: Expr): string | null {
  if (expr.kind === 'variable') return expr.name;
  if (expr.kind === 'member') {
    const inner = functionName(expr.object);
    return inner === null ? null : `${inner}.${expr.property}`;
  }
  return null;
}

/** Strings are limited to 256 KB (reference §6.1). */
const MAX_STRING_BYTES = 256 * 1024;
function checkStringLength(v: Value): Value {
  // UTF-8 is at most 3 bytes per UTF-16 unit: only long strings need measuring.
  if (typeof v === 'string' && v.length * 3 > MAX_STRING_BYTES && Buffer.byteLength(v) > MAX_STRING_BYTES) {
    throw resourceLimitError(`string of ${Buffer.byteLength(v)} bytes exceeds the 256 KB limit on strings`);
  }
  return v;
}

function findStep(steps: readonly Step[], name: string): Step | undefined {
  for (const s of steps) {
    if (s.name === name) return s;
    if (s.action.kind === 'steps') {
      const inner = findStep(s.action.steps, name);
      if (inner) return inner;
    }
  }
  return undefined;
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

function stepTypeOf(action: StepAction, routines: ReadonlyMap<string, Routine>, stdlib: Stdlib): StepType {
  switch (action.kind) {
    case 'assign':
      return 'STEP_ASSIGN';
    case 'call':
      if (routines.has(action.call)) return 'STEP_SUBWORKFLOW_CALL';
      if (isConnector(action.call)) return 'STEP_CONNECTOR_CALL';
      return stdlib.has(action.call) ? 'STEP_STD_LIB_CALL' : 'STEP_CALL';
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
