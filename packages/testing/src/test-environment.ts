/**
 * `createTestEnvironment()`: an emulator started in-process on 127.0.0.1 (port 0), with
 * stub-only outbound HTTP, a virtual clock and optionally seeded IDs. Each environment has
 * its own server, store, stubs and clock, so test files (and tests) can run in parallel.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ApiError,
  startEmulator,
  type Clock,
  type ExecutionHistoryLevel,
  type ExecutionJson,
  type Logger,
  type RunningEmulator,
  type StepMockDefinition,
  type StepRunResult,
  type StubRequest,
  type UnhandledRequestVerdict,
} from '@workflows-kit/emulator';
import {
  isLoopbackHost,
  loadStubsFileParts,
  PART_STEP_TYPES,
  pausedExecutions,
  realClock,
  type CallLogLevel,
  type StepMockInfo,
  type StepType,
  type StubInfo,
  type WorkflowLogEntry,
} from '@workflows-kit/emulator/seams';
import {
  isTerminalState,
  toExecutionStatus,
  Workflow,
  type ExecutionStatus,
  type WaitOptions,
  type WorkflowOptions,
} from '@workflows-kit/client';
import type { WorkflowCoverageData } from '@workflows-kit/emulator/coverage';
import { coverageSession, writeCoverageFragment, type CoverageSetup } from './coverage.js';
import { DEFAULT_COVERAGE_DIR } from './coverage-dir.js';
import { EnvironmentStubs } from './env-stubs.js';
import type { Stub } from './http-stubs.js';
import { createSeededIds } from './seeded-ids.js';
import {
  openEnvironmentRecording,
  type EnvironmentRecording,
  type RecordingSetup,
  type TestRecording,
} from './recording.js';
import {
  UnhandledRequestError,
  unhandledMessage,
  type UnhandledRequest,
  type UnhandledRequestStrategy,
} from './unhandled.js';
import { RealTestClock, VirtualClock, type TestClock } from './virtual-clock.js';

export interface TestEnvironmentOptions {
  /**
   * Directories of workflows to deploy: every `*.yaml`, `*.yml` and `*.json` file, named after
   * the file (`process-order.yaml` -> `process-order`). Relative paths start at `process.cwd()`;
   * pass `new URL('./workflows', import.meta.url)` to start at the test file.
   */
  workflowsDir?: string | URL | readonly (string | URL)[];
  /** More workflows: `{ id: source }`, where the source is YAML/JSON text or the path of a file. */
  workflows?: Readonly<Record<string, string>>;
  /** Default `my-project`. */
  projectId?: string;
  /** Where workflows are deployed. Default `us-central1`. */
  location?: string;
  /** What a call no stub answers does. Default `'error'` (see UnhandledRequestStrategy). */
  onUnhandledRequest?: UnhandledRequestStrategy;
  /**
   * `'virtual'` (default): virtual time that skips ahead whenever executions sleep;
   * `'manual'`: virtual time that moves only with `env.clock.advance()`; `'real'`: wall time.
   */
  clock?: 'virtual' | 'manual' | 'real';
  /** Virtual time at start. Default: the real time when the environment is created. */
  startTime?: Date | number | string;
  /** Makes execution IDs, revision IDs and `uuid.generate` deterministic. Default: random. */
  seed?: number | string;
  /** Stubs present from the start and restored by `env.stubs.reset()` (msw's `setupServer(...handlers)`). */
  handlers?: readonly Stub[];
  /** Receives `sys.log` entries. Default: dropped. */
  logger?: Logger;
  /**
   * Record real calls into a stubs file and replay them (calls no stub answers only); `true`
   * takes every default. See RecordingSetup.
   */
  recording?: boolean | RecordingSetup;
  /**
   * Collect workflow coverage: which steps and branches of the workflows the executions ran.
   * On teardown it goes to `<dir>/.tmp` (default dir `coverage/workflows`), where the end of the
   * run merges it into one report (`workflowsCoverage()` in `@workflows-kit/testing/vitest`, or
   * `workflows-emulator coverage report coverage/workflows/.tmp`). Default: on when the test
   * runner's coverage integration is on, else off; `false` turns it off for this environment.
   */
  coverage?: boolean | CoverageSetup;
}

export interface InvokeOptions {
  location?: string;
  /** The execution's call log level (it wins over the workflow's unless unspecified). */
  callLogLevel?: CallLogLevel;
  /**
   * The execution's history level (it wins over the workflow's unless unspecified):
   * `EXECUTION_HISTORY_DETAILED` records each step's variables (`executionHistory()`'s `variables`).
   */
  executionHistoryLevel?: ExecutionHistoryLevel;
}

/** One entry of an execution's step history. */
export interface HistoryStep {
  /** 1-based, in start order. */
  readonly entryId: number;
  readonly routine: string;
  readonly step: string;
  /** `STEP_ASSIGN`, `STEP_CALL`, `STEP_SWITCH`, ... */
  readonly type: string;
  /** `STATE_SUCCEEDED`, `STATE_FAILED`, `STATE_IN_PROGRESS`, `STATE_CANCELLED` */
  readonly state: string;
  /** Thread of a parallel branch or iteration; '' for the main thread. */
  readonly threadId: string;
  /** The error value, when the step failed. */
  readonly error?: unknown;
  /** Set when a step mock answered the step's call: the mock and the attempt (0-based) it answered. */
  readonly mocked?: { readonly id: string; readonly attempt: number };
  /**
   * At the detailed history level (`executionHistoryLevel: 'EXECUTION_HISTORY_DETAILED'`), once the
   * step has ended: every variable in scope then.
   */
  readonly variables?: Record<string, unknown>;
}

/** A registered step mock (see `env.mockStep`). */
export interface StepMockHandle {
  readonly id: string;
  /** Times the mock has answered. */
  calls(): number;
  /** Removes the mock; false when it was already gone. */
  remove(): boolean;
}

export interface WaitForExecutionOptions {
  /** Real milliseconds to wait before giving up. Default 10000. */
  timeoutMs?: number;
}

export interface SendCallbackOptions {
  /** Default: the callback's own method (POST unless the workflow chose another). */
  method?: string;
  headers?: Record<string, string>;
  /** Which callback, when the execution created several: its URL. Default: the one awaited, else the newest. */
  url?: string;
  /** Real milliseconds to wait for the execution to create the callback endpoint. Default 10000. */
  timeoutMs?: number;
}

export interface CallbackResponse {
  readonly status: number;
  readonly body: unknown;
}

/** A workflow that failed to deploy (the message has the problems with line and column). */
export class WorkflowDeployError extends Error {
  override readonly name = 'WorkflowDeployError';
  readonly code = 'WORKFLOW_DEPLOY_FAILED';
  constructor(
    readonly workflowId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The execution does not exist in this environment. */
export class ExecutionNotFoundInEnvironmentError extends Error {
  override readonly name = 'ExecutionNotFoundInEnvironmentError';
  readonly code = 'EXECUTION_NOT_FOUND';
}

/** `waitForExecution` / `sendCallback` gave up. */
export class TestEnvironmentTimeoutError extends Error {
  override readonly name = 'TestEnvironmentTimeoutError';
  readonly code = 'TEST_ENVIRONMENT_TIMEOUT';
}

const WORKFLOW_FILE = /\.(ya?ml|json)$/i;
const DEFAULT_WAIT_MS = 10_000;
/** setTimeout's upper bound: a larger delay would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

const macrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function parseJsonText(text: string | undefined): unknown {
  if (text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function toDirPath(dir: string | URL): string {
  return dir instanceof URL ? fileURLToPath(dir) : path.resolve(dir);
}

/**
 * The execution as the client's `getExecutionStatus` describes it: the REST JSON through the
 * client's own mapping. A QUEUED execution has not started, so it has no start time yet.
 */
function toStatus(json: ExecutionJson): ExecutionStatus {
  const status = toExecutionStatus(json);
  return json.state === 'QUEUED' ? { ...status, startTime: undefined } : status;
}

type WorkflowCtor<W> = new (options?: WorkflowOptions) => W;

export class TestEnvironment {
  /** The emulator's URL (`http://127.0.0.1:PORT`): the `endpoint` option of a client `Workflow`. */
  readonly endpoint: string;
  readonly projectId: string;
  readonly location: string;
  readonly clock: TestClock;
  readonly stubs: EnvironmentStubs;
  /** The running emulator, for what this API does not cover (its REST API is at `endpoint`). */
  readonly emulator: RunningEmulator;

  /** Where calls no stub answers are recorded or replayed from, when `recording` was given. */
  readonly recording: TestRecording | undefined;

  readonly #virtual: VirtualClock | undefined;
  readonly #recording: EnvironmentRecording | undefined;
  /** Each workflow's source, and the file it was read from (coverage is reported under it). */
  readonly #sources = new Map<string, { source: string; file?: string }>();
  /** Where the coverage goes on teardown, when it is collected. */
  readonly #coverageDir: string | undefined;
  #torndown: Promise<void> | undefined;

  /** @internal Use `createTestEnvironment()`. */
  constructor(internals: {
    emulator: RunningEmulator;
    clock: TestClock;
    virtual: VirtualClock | undefined;
    stubs: EnvironmentStubs;
    recording?: EnvironmentRecording | undefined;
    coverageDir?: string | undefined;
  }) {
    this.#coverageDir = internals.coverageDir;
    this.#recording = internals.recording;
    this.recording = internals.recording?.view;
    this.emulator = internals.emulator;
    this.endpoint = internals.emulator.url;
    this.projectId = internals.emulator.projectId;
    this.location = internals.emulator.location;
    this.clock = internals.clock;
    this.#virtual = internals.virtual;
    this.stubs = internals.stubs;
  }

  /**
   * Deploys (or redeploys, as a new revision) a workflow from YAML/JSON text, in the
   * environment's location and in every other location it was already used from. Returns the
   * revision ID.
   */
  deploy(
    workflowId: string,
    source: string,
    options: { location?: string; sourceFile?: string } = {},
  ): string {
    const location = options.location ?? this.location;
    const entry = {
      source,
      ...(options.sourceFile !== undefined && { file: path.resolve(options.sourceFile) }),
    };
    this.#sources.set(workflowId, entry);
    const revision = this.#deployAt(workflowId, entry, location);
    for (const other of this.#deployedLocations(workflowId)) {
      if (other !== location) this.#deployAt(workflowId, entry, other);
    }
    return revision;
  }

  /**
   * The workflow coverage collected so far (Istanbul's coverage object, by workflow file), or
   * undefined when the environment does not collect it (see the `coverage` option).
   */
  coverage(): WorkflowCoverageData | undefined {
    return this.emulator.coverage();
  }

  /**
   * A client `Workflow` bound to this environment: an instance of `workflowClass` (or of
   * `Workflow` for `{ workflowName, location }` or a workflow ID) with `endpoint` and
   * `projectId` set. The workflow is looked up by ID: a class may declare any location, and
   * the workflow is deployed there too on first use. Its `waitForCompletion` (and so `run`)
   * waits in-process, with the virtual clock running, instead of polling every second.
   */
  workflow<W extends object>(workflowClass: WorkflowCtor<W>, options?: WorkflowOptions): W;
  workflow(ref: string | { workflowName: string; location?: string }, options?: WorkflowOptions): Workflow;
  workflow(
    target: WorkflowCtor<object> | string | { workflowName: string; location?: string },
    options: WorkflowOptions = {},
  ): object {
    const bound = { ...options, endpoint: this.endpoint, projectId: this.projectId };
    const instance =
      typeof target === 'function'
        ? (new target(bound) as Workflow<never, never>)
        : new Workflow<never, never>({
            ...bound,
            workflowName: typeof target === 'string' ? target : target.workflowName,
            location:
              options.location ?? (typeof target === 'string' ? undefined : target.location) ?? this.location,
          });
    if (!(instance instanceof Workflow)) {
      throw new TypeError('env.workflow() takes a subclass of Workflow from @workflows-kit/client');
    }
    this.#ensureDeployed(instance.workflowName, instance.location);
    this.#bindWaiting(instance);
    return instance;
  }

  /**
   * Starts an execution in-process (no HTTP) and returns its ID and resource name. `callLogLevel`
   * is the execution's call log level (`LOG_ALL_CALLS` logs every call step: see `env.logs()`).
   */
  async invoke(
    workflowId: string,
    args?: unknown,
    options: InvokeOptions = {},
  ): Promise<{ id: string; name: string }> {
    const location = options.location ?? this.location;
    this.#ensureDeployed(workflowId, location);
    const { name } = this.emulator.execute(workflowId, args, {
      location,
      ...(options.callLogLevel !== undefined && { callLogLevel: options.callLogLevel }),
      ...(options.executionHistoryLevel !== undefined && {
        executionHistoryLevel: options.executionHistoryLevel,
      }),
    });
    return { id: name.slice(name.lastIndexOf('/') + 1), name };
  }

  /** `invoke` then `waitForExecution`. */
  async execute(
    workflowId: string,
    args?: unknown,
    options: InvokeOptions & WaitForExecutionOptions = {},
  ): Promise<ExecutionStatus> {
    const { id } = await this.invoke(workflowId, args, options);
    return this.waitForExecution(id, options);
  }

  /**
   * Waits until the execution ends and returns its status (as the client's
   * `getExecutionStatus` would). Virtual time runs meanwhile, callback time-outs included.
   * Throws UnhandledRequestError when the execution made calls no stub answered (with
   * `onUnhandledRequest: 'error'`), even if the workflow caught the resulting error.
   */
  async waitForExecution(
    execution: string | { id: string },
    options: WaitForExecutionOptions = {},
  ): Promise<ExecutionStatus> {
    const id = this.#find(execution).id;
    await this.#settle(id, options.timeoutMs ?? DEFAULT_WAIT_MS);
    const status = toStatus(this.emulator.get(id));
    const unhandled = this.stubs.takeUnreported(id);
    if (unhandled.length > 0) throw new UnhandledRequestError(unhandled, status);
    return status;
  }

  /** The execution's status now, without waiting. */
  getExecution(execution: string | { id: string }): ExecutionStatus {
    return this.#find(execution);
  }

  /**
   * The log entries written so far, oldest first, as Cloud Logging `LogEntry` JSON: `sys.log`
   * lines (log `Workflows`), the execution's start and end (`executions_system`) and, when the
   * call log level asks for them, its call steps (`engine_call`). Of one execution, or of all.
   * Read them with `toHaveLogged` and `toHaveMadeCall`.
   */
  logs(execution?: string | { id: string }): WorkflowLogEntry[] {
    return this.emulator.logs(execution);
  }

  /** The steps the execution took so far, in start order: assert the path, not only the result. */
  executionHistory(execution: string | { id: string }): HistoryStep[] {
    // The steps themselves: the entries of their parts (iterations, conditions, try attempts,
    // branches) are left out, as they are not steps of the workflow.
    const entries = this.emulator.stepEntries(this.#find(execution).id);
    return entries
      .filter((e) => !PART_STEP_TYPES.has(e.stepType as StepType))
      .map((e) => ({
        entryId: Number(e.entryId),
        routine: e.routine,
        step: e.step,
        type: e.stepType,
        state: e.state,
        threadId: e.stepEntryMetadata?.threadId ?? '',
        ...(e.exception !== undefined && { error: parseJsonText(e.exception.payload) }),
        ...(e.emulatorStepMock !== undefined && { mocked: { ...e.emulatorStepMock } }),
        ...(e.variableData !== undefined && { variables: e.variableData.variables }),
      }));
  }

  /**
   * Delivers a callback request to an execution (what `curl -X POST <callback url>` would do),
   * waiting first, if needed, for the execution to create the callback endpoint. A body that
   * is not a string is sent as JSON. Throws if the emulator refuses the callback.
   */
  async sendCallback(
    execution: string | { id: string },
    body?: unknown,
    options: SendCallbackOptions = {},
  ): Promise<CallbackResponse> {
    const { id } = this.#find(execution);
    const pick = () => {
      const all = this.emulator.callbacks(id);
      if (options.url !== undefined) return all.find((c) => c.url === options.url);
      return all.find((c) => c.waiters > 0) ?? all[all.length - 1];
    };
    // Time must not run past the callback's time-out while the request is on its way.
    const hold = this.#virtual?.hold(() => pick() !== undefined);
    try {
      const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_WAIT_MS);
      let callback = pick();
      while (callback === undefined) {
        const { state } = this.emulator.get(id);
        if (isTerminalState(state)) {
          throw new Error(
            `sendCallback: execution ${id} ended (${state}) without creating a callback endpoint`,
          );
        }
        if (Date.now() > deadline) {
          throw new TestEnvironmentTimeoutError(
            `sendCallback: execution ${id} created no callback endpoint within ${options.timeoutMs ?? DEFAULT_WAIT_MS} ms` +
              (options.url !== undefined ? ` (looking for ${options.url})` : ''),
          );
        }
        await macrotask();
        callback = pick();
      }
      const answer = await this.emulator.deliverCallback(id, {
        url: callback.url,
        ...(options.method !== undefined && { method: options.method }),
        ...(options.headers !== undefined && { headers: options.headers }),
        ...(body !== undefined && { body }),
      });
      if (answer.status < 200 || answer.status > 299) {
        const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
        throw new Error(`sendCallback: the emulator answered ${answer.status}: ${text}`);
      }
      return answer;
    } finally {
      hold?.release();
    }
  }

  /**
   * Mocks a call step: its call is not made, and the step ends as if the call had returned the
   * given value or raised the given error. Same definition as a stubs file's `steps:` entries and
   * `POST /emulator/v1/stepMocks`:
   *
   *     env.mockStep('process-order', 'charge', { return: { code: 200, body: { ok: true } } });
   *     env.mockStep('process-order', 'charge', {
   *       answers: { '0': { httpError: { code: 503 } }, '1-2': { fault: 'ConnectionError' }, default: { return: 'ok' } },
   *     });
   *     env.mockStep({ workflow: 'process-order', routine: 'pay', step: 'charge', raise: 'declined' });
   *
   * Throws StepMockError when the definition is invalid or names a step the deployed workflow
   * lacks (the message lists the routine's steps). The newest mock of a step answers.
   */
  mockStep(definition: StepMockDefinition): StepMockHandle;
  mockStep(
    workflowId: string,
    step: string,
    answer: Omit<StepMockDefinition, 'workflow' | 'step'>,
  ): StepMockHandle;
  mockStep(
    target: StepMockDefinition | string,
    step?: string,
    answer?: Omit<StepMockDefinition, 'workflow' | 'step'>,
  ): StepMockHandle {
    const definition = typeof target === 'string' ? { ...answer, workflow: target, step } : target;
    const mocks = this.emulator.stepMocks;
    const { id } = mocks.add(definition);
    return {
      id,
      calls: () => mocks.list().find((m) => m.id === id)?.calls ?? 0,
      remove: () => mocks.remove(id),
    };
  }

  /** The step mocks registered now, with how often each answered. */
  stepMocks(): StepMockInfo[] {
    return this.emulator.stepMocks.list();
  }

  /** Removes every step mock. */
  clearStepMocks(): void {
    this.emulator.stepMocks.clear();
  }

  /**
   * Loads a stubs file (what `--stubs FILE` loads): its URL and connector stubs and its step
   * mocks, with the named test case's (`{ case: 'payment-fails' }`) layered over them. Throws
   * when the case is not in the file (the message lists its cases) or a definition is invalid.
   */
  async useStubsFile(
    file: string | URL,
    options: { case?: string } = {},
  ): Promise<{ stubs: StubInfo[]; steps: StepMockInfo[] }> {
    const filePath = toDirPath(file);
    const parts = await loadStubsFileParts(filePath, options.case);
    if (options.case !== undefined && !parts.hasCase) {
      const known = parts.cases.length > 0 ? `its cases: ${parts.cases.join(', ')}` : 'it has none';
      throw new Error(`stubs file ${filePath} has no case "${options.case}" (${known})`);
    }
    const registry = this.emulator.stubs;
    // All or nothing: the step mocks are checked before any stub is registered.
    for (const [i, d] of parts.steps.entries()) this.emulator.stepMocks.check(d, `step mock at index ${i}`);
    const stubs = registry.addAll(parts.stubs);
    const steps = this.emulator.stepMocks.addAll(parts.steps, `step mock of ${filePath}`);
    return { stubs, steps };
  }

  /**
   * Runs one subworkflow of a deployed workflow directly, with its parameters by name, and waits
   * for it: a normal execution (its status, `executionHistory`, logs) whose result is what the
   * subworkflow returned, or its error. Unknown routines and parameters are refused at once.
   */
  async runSubworkflow(
    workflowId: string,
    routine: string,
    args: Record<string, unknown> = {},
    options: { location?: string } & WaitForExecutionOptions = {},
  ): Promise<ExecutionStatus> {
    const location = options.location ?? this.location;
    this.#ensureDeployed(workflowId, location);
    const { name } = this.emulator.runSubworkflow(workflowId, routine, args, { location });
    return this.waitForExecution(name, options);
  }

  /**
   * Runs one step of a deployed workflow alone, in a scope holding `variables` (the idea of AWS
   * Step Functions' TestState): the variables after it, where it went next, the error nothing
   * caught, and for a step with `retry` / `except` the attempts and the handler that acted. The
   * step runs as an execution of its own (`executionId`: its history and logs).
   */
  async runStep(
    workflowId: string,
    step: string,
    options: {
      routine?: string;
      variables?: Record<string, unknown>;
      location?: string;
    } & WaitForExecutionOptions = {},
  ): Promise<StepRunResult & { executionId: string }> {
    const location = options.location ?? this.location;
    this.#ensureDeployed(workflowId, location);
    const run = this.emulator.runStep(workflowId, step, {
      location,
      ...(options.routine !== undefined && { routine: options.routine }),
      ...(options.variables !== undefined && { variables: options.variables }),
    });
    const { id } = await this.waitForExecution(run.execution.name, options);
    return { executionId: id, ...run.result() };
  }

  /** Same as `env.stubs.unhandled()`. */
  unhandledRequests(): UnhandledRequest[] {
    return this.stubs.unhandled();
  }

  /**
   * Stops the emulator (cancelling running executions). Throws UnhandledRequestError when
   * calls matched no stub and the test never looked at them. Safe to call twice.
   */
  async teardown(): Promise<void> {
    if (!this.#torndown) {
      this.#torndown = this.emulator
        .stop()
        .finally(() => this.#virtual?.dispose())
        .then(() => this.#recording?.save())
        .then(async () => {
          const coverage = this.emulator.coverage();
          if (coverage && this.#coverageDir !== undefined)
            await writeCoverageFragment(this.#coverageDir, coverage);
        });
      await this.#torndown;
      const unhandled = this.stubs.takeUnreported();
      if (unhandled.length > 0) throw new UnhandledRequestError(unhandled);
      return;
    }
    await this.#torndown;
  }

  #deployAt(workflowId: string, entry: { source: string; file?: string }, location: string): string {
    try {
      return this.emulator.deploy(workflowId, entry.source, {
        location,
        ...(entry.file !== undefined && { sourceFile: entry.file }),
      });
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new WorkflowDeployError(workflowId, `workflow '${workflowId}' failed to deploy: ${why}`, {
        cause: err,
      });
    }
  }

  #deployedLocations(workflowId: string): string[] {
    const out: string[] = [];
    // The locations used are the few the environment deployed to.
    for (const loc of this.#usedLocations) {
      if (this.emulator.getWorkflow(workflowId, { location: loc })) out.push(loc);
    }
    return out;
  }

  readonly #usedLocations = new Set<string>();

  #ensureDeployed(workflowId: string, location: string): void {
    this.#usedLocations.add(location);
    if (this.emulator.getWorkflow(workflowId, { location })) return;
    const entry = this.#sources.get(workflowId);
    if (entry !== undefined) this.#deployAt(workflowId, entry, location);
  }

  /** The execution's status now; ExecutionNotFoundInEnvironmentError when there is none. */
  #find(execution: string | { id: string }): ExecutionStatus {
    const raw = typeof execution === 'string' ? execution : execution.id;
    try {
      return toStatus(this.emulator.get(raw));
    } catch (err) {
      if (err instanceof ApiError && err.code === 404)
        throw new ExecutionNotFoundInEnvironmentError(`no execution '${raw}' in this test environment`);
      throw err;
    }
  }

  async #settle(id: string, timeoutMs: number): Promise<void> {
    if (isTerminalState(this.emulator.get(id).state)) return;
    const release = this.#virtual?.acquireLease();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.min(timeoutMs, MAX_TIMER_MS));
    });
    try {
      const settled = this.emulator.whenSettled(id);
      if ((await Promise.race([settled, timedOut])) === 'timeout') {
        throw new TestEnvironmentTimeoutError(this.#timeoutMessage(this.#find(id), timeoutMs));
      }
    } finally {
      clearTimeout(timer);
      release?.();
    }
  }

  #timeoutMessage(status: ExecutionStatus, timeoutMs: number): string {
    const at = status.currentSteps.map((s) => `"${s.step}" (routine "${s.routine}")`).join(', ') || 'no step';
    let hint: string;
    if (this.clock.mode === 'manual') {
      const next = this.clock.pendingTimers()[0];
      hint = next
        ? ` The clock is manual: the next timer is at ${next.toISOString()}; move time with env.clock.advance().`
        : ' The clock is manual: move time with env.clock.advance().';
    } else {
      hint = ' Is it waiting for a callback (env.sendCallback) or for a stub that never answers?';
    }
    return `execution ${status.id} did not finish within ${timeoutMs} ms: ${status.state} at ${at}.${hint}`;
  }

  #bindWaiting(instance: Workflow<never, never>): void {
    const original = instance.waitForCompletion.bind(instance);
    const waitForCompletion = async (executionId: string, options: WaitOptions = {}) => {
      let id: string;
      try {
        id = this.#find(executionId).id;
      } catch {
        return original(executionId, options); // let the client report the missing execution
      }
      try {
        await this.#settle(id, options.timeoutMs ?? MAX_TIMER_MS);
      } catch (err) {
        if (!(err instanceof TestEnvironmentTimeoutError)) throw err;
        // The client's own error for a wait that timed out.
        return original(executionId, { ...options, timeoutMs: 0 });
      }
      const status = await original(executionId, options);
      const unhandled = this.stubs.takeUnreported(id);
      if (unhandled.length > 0) throw new UnhandledRequestError(unhandled, status);
      return status;
    };
    Object.defineProperty(instance, 'waitForCompletion', {
      value: waitForCompletion,
      configurable: true,
      writable: true,
    });
  }
}

async function workflowFiles(dir: string): Promise<[string, string][]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw new Error(`workflowsDir '${dir}' cannot be read: ${(err as Error).message}`, { cause: err });
  }
  return names
    .filter((n) => WORKFLOW_FILE.test(n))
    .sort()
    .map((n) => [n.replace(WORKFLOW_FILE, ''), path.join(dir, n)]);
}

async function collectWorkflows(
  options: TestEnvironmentOptions,
): Promise<Map<string, { source: string; file?: string }>> {
  const out = new Map<string, { source: string; file?: string }>();
  const dirs =
    options.workflowsDir === undefined
      ? []
      : Array.isArray(options.workflowsDir)
        ? options.workflowsDir
        : [options.workflowsDir];
  for (const dir of dirs as (string | URL)[]) {
    for (const [id, file] of await workflowFiles(toDirPath(dir)))
      out.set(id, { source: await readFile(file, 'utf8'), file });
  }
  for (const [id, sourceOrPath] of Object.entries(options.workflows ?? {})) {
    const isPath = !sourceOrPath.includes('\n') && WORKFLOW_FILE.test(sourceOrPath.trim());
    if (isPath) {
      const file = path.resolve(sourceOrPath.trim());
      out.set(id, { source: await readFile(file, 'utf8'), file });
    } else {
      out.set(id, { source: sourceOrPath });
    }
  }
  return out;
}

function startTimeMs(value: TestEnvironmentOptions['startTime']): number | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (Number.isNaN(ms)) throw new TypeError(`startTime: cannot read '${String(value)}'`);
  return ms;
}

/** Creates an isolated environment: its own emulator (127.0.0.1, free port), stubs and clock. */
export async function createTestEnvironment(options: TestEnvironmentOptions = {}): Promise<TestEnvironment> {
  const mode = options.clock ?? 'virtual';
  if (mode !== 'virtual' && mode !== 'manual' && mode !== 'real') {
    throw new TypeError(`clock must be 'virtual', 'manual' or 'real', got ${String(mode)}`);
  }
  const start = startTimeMs(options.startTime);
  const virtual =
    mode === 'real'
      ? undefined
      : new VirtualClock({
          mode: mode === 'manual' ? 'manual' : 'auto',
          ...(start !== undefined && { start }),
          running: () => pausedExecutions() > 0,
        });
  const clock: Clock = virtual ?? realClock;
  const testClock: TestClock = virtual ?? new RealTestClock(realClock);

  const strategy = options.onUnhandledRequest ?? 'error';

  const sources = await collectWorkflows(options);

  // The emulator's stubs, and the environment's view of them, once it has started (no call can
  // happen before).
  const late: { registry?: RunningEmulator['stubs']; stubs?: EnvironmentStubs } = {};
  const unhandled = (request: UnhandledRequest, reported: boolean) =>
    late.stubs?.addUnhandled(request, reported);

  /** Applies the strategy; returns true when the call may go to the network. */
  async function decide(
    request: Omit<UnhandledRequest, 'message'>,
  ): Promise<{ bypass: boolean; message: string }> {
    let message = unhandledMessage(request, late.registry?.list() ?? []);
    let verdict: 'error' | 'warn' | 'bypass';
    if (typeof strategy === 'function') {
      let chosen: 'error' | 'warn' | undefined;
      try {
        await strategy(
          { ...request, message },
          { error: () => void (chosen = 'error'), warning: () => void (chosen ??= 'warn') },
        );
      } catch (err) {
        chosen = 'error';
        message += `\n(onUnhandledRequest threw: ${err instanceof Error ? err.message : String(err)})`;
      }
      verdict = chosen ?? 'bypass';
    } else {
      verdict = strategy;
    }
    const loopback = request.kind === 'http' && request.url !== null && isLoopbackUrl(request.url);
    if (verdict === 'bypass' && loopback) {
      unhandled({ ...request, message: `${message}\n(bypassed to the network)` }, true);
      return { bypass: true, message };
    }
    if (verdict === 'bypass') {
      message += `\n(onUnhandledRequest 'bypass' lets only loopback calls through: this one fails)`;
    }
    if (verdict === 'warn') console.warn(`[workflows-kit/testing] ${message}`);
    unhandled({ ...request, message }, verdict !== 'error');
    return { bypass: false, message };
  }

  function describe(request: StubRequest): Omit<UnhandledRequest, 'message'> {
    return request.kind === 'http'
      ? {
          kind: 'http',
          method: request.method,
          url: request.url,
          connector: null,
          headers: request.headers,
          body: request.body,
          origin: request.origin,
        }
      : {
          kind: 'connector',
          method: null,
          url: null,
          connector: request.name,
          headers: {},
          body: request.args,
          origin: request.origin,
        };
  }

  const recording =
    options.recording === undefined || options.recording === false
      ? undefined
      : await openEnvironmentRecording(
          options.recording === true ? {} : options.recording,
          (request, message) => unhandled({ ...describe(request), message }, false),
        );

  const session = coverageSession();
  const coverageOn = options.coverage === undefined ? session !== undefined : options.coverage !== false;
  const coverageDir = !coverageOn
    ? undefined
    : typeof options.coverage === 'object' && options.coverage.dir !== undefined
      ? path.resolve(options.coverage.dir)
      : (session?.dir ?? path.resolve(DEFAULT_COVERAGE_DIR));

  /** The emulator's unhandled-request policy: recorded calls go on, the rest as the strategy says. */
  async function policy(request: StubRequest): Promise<UnhandledRequestVerdict> {
    if (request.kind === 'http' && recording?.lets(request)) return { action: 'bypass' };
    const { bypass, message } = await decide(describe(request));
    return bypass ? { action: 'bypass' } : { action: 'fail', message };
  }

  const emulator = await startEmulator({
    host: '127.0.0.1',
    port: 0,
    ...(options.projectId !== undefined && { projectId: options.projectId }),
    ...(options.location !== undefined && { location: options.location }),
    clock,
    // Callback time-outs get the lazy view of the clock (see virtual-clock.ts).
    ...(virtual && { callbackClock: virtual.lazy }),
    ...(options.seed !== undefined && { ids: createSeededIds(options.seed) }),
    onUnhandledRequest: policy,
    // Call steps keep their finer step types (STEP_SUBWORKFLOW_CALL...) in tests, as before.
    fineCallStepTypes: true,
    allowHosts: recording?.allowHosts ?? [],
    ...(recording && { recording: recording.outbound }),
    ...(options.logger && { logger: options.logger }),
    ...(coverageOn && { coverage: { ...(session?.currentTest && { currentTest: session.currentTest }) } }),
  });
  const stubs = new EnvironmentStubs(emulator.stubs, options.handlers ?? []);
  Object.assign(late, { registry: emulator.stubs, stubs });
  const env = new TestEnvironment({ emulator, clock: testClock, virtual, stubs, recording, coverageDir });
  try {
    for (const [id, { source, file }] of sources)
      env.deploy(id, source, file !== undefined ? { sourceFile: file } : {});
  } catch (err) {
    await emulator.stop();
    virtual?.dispose();
    throw err;
  }
  return env;
}

function isLoopbackUrl(url: string): boolean {
  try {
    // The emulator's own rule, so 'bypass' lets through exactly what its transport calls loopback.
    return isLoopbackHost(new URL(url).hostname);
  } catch {
    return false;
  }
}
