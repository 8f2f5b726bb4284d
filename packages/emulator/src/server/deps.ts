/** Everything the REST app needs, injected so tests can swap any part. */
import { CallbackHub } from '../runtime/callbacks.js';
import { startExecution as defaultStartExecution } from '../runtime/executor.js';
import { randomIds, realClock, silentLogger } from '../runtime/default-seams.js';
import {
  TransportError,
  type Clock,
  type IdSource,
  type Logger,
  type HttpTransport,
  type ConnectorHandler,
  type BuiltinConnector,
} from '../values/seams.js';
import type { RunningExecution, RuntimeDeps, RuntimeLimits, StartExecutionOptions } from '../runtime/api.js';
import {
  WorkflowCoverage,
  type DeployedWorkflow,
  type WorkflowCoverageOptions,
} from '../runtime/coverage.js';
import type { ExecutionTracer } from '../runtime/tracer.js';
import { StepMocks } from '../runtime/step-mocks.js';
import type { WorkflowDefinition } from '../source/types.js';
import { logMockedCall } from '../stubs/step-mock-log.js';
import { EXECUTION_ID_LABEL, type LogWriter, type WorkflowLogEntry } from '../runtime/logging.js';
import { loadWorkflow as defaultLoadWorkflow, type LoadResult } from '../source/index.js';
import {
  createConnectorHandler,
  createOutboundTransport,
  StubRegistry,
  type OutboundRecording,
  type StubRequest,
} from '../stubs/index.js';
import { platformError } from '../values/raised-error.js';
import { createMemoryStore, LogStore, type Store } from '../store/index.js';
import { EventBus } from './events.js';
import { connectEventSources } from './live-events.js';
import { checkRetention } from './retention.js';
import { DEFAULT_UI_DIR } from './ui-static.js';
import { VERSION } from './version.js';
import { WorkflowFiles } from './workflow-files.js';

/**
 * How much the emulator keeps of what piles up during a day of use (`--retain-*`). Running and
 * queued executions, every workflow and each workflow's current revision are always kept; beyond
 * these bounds the oldest go first, and `/emulator/v1/info` counts them.
 */
export interface RetentionLimits {
  /** Finished executions, all workflows together; the executions that finished first are evicted first. */
  executions: number;
  /**
   * About how much memory finished executions may take (their arguments, results, errors and step
   * histories), in bytes; the executions that finished first are evicted first, never the most
   * recent one. Bounds memory where a count cannot: one long loop keeps megabytes of history.
   */
  executionBytes: number;
  /** Long-running operations (every deploy, update and delete makes one), oldest first. */
  operations: number;
  /** Revisions per workflow, oldest first; the current one and those of running executions stay. */
  revisions: number;
  /** Records in the outbound request log (`/emulator/v1/requests`), oldest first. */
  requests: number;
  /** Log entries (`/emulator/v1/logs`: `sys.log`, execution and call logs), oldest first. */
  logs: number;
}

/**
 * Defaults sized for a whole working day beside a browser and a test suite: far more than anyone
 * pages through in the UI or than a client polls after the fact, small enough that the process
 * stays within a few hundred MB. Executions have two bounds because their size varies a
 * thousandfold: 10,000 small ones take about 20 MB, while 64 MB holds about 2,000 with 30 KB
 * arguments or a few with loops of 100,000 steps (the soak benchmark measures the process). The
 * other records are small and only useful briefly: operations are polled just after a deploy,
 * revisions past the hundredth are rarely compared, and the request log is for the last calls.
 */
export const DEFAULT_RETENTION: Readonly<RetentionLimits> = {
  executions: 10_000,
  executionBytes: 64 * 1024 * 1024,
  operations: 1_000,
  revisions: 100,
  requests: 1_000,
  logs: 10_000,
};

export interface AppConfig {
  projectId: string;
  projectNumber: string;
  location: string;
  version: string;
  /**
   * The URL clients reach the emulator at; callback URLs handed to workflows start with it.
   * Mutable: `startEmulator` sets it once the socket listens and the port is known.
   */
  baseUrl: string;
  /** Largest request body accepted; larger bodies get 413. */
  maxBodyBytes: number;
  /** Active executions per project and location before new ones queue (https://cloud.google.com/workflows/quotas). */
  maxActiveExecutions: number;
  /** `--accept-host` entries: names besides loopback, IPs and the base URL's host that requests may address. */
  acceptHosts: string[];
  /** The directory of the developer UI's built bundle (`index.html` and `assets/`). */
  uiDir: string;
  retention: RetentionLimits;
  /**
   * Step entries of call steps as `STEP_STD_LIB_CALL`, `STEP_CONNECTOR_CALL` or
   * `STEP_SUBWORKFLOW_CALL` instead of `STEP_CALL` (`--fine-call-step-types`).
   */
  fineCallStepTypes: boolean;
}

export interface AppDeps {
  config: AppConfig;
  store: Store;
  runtime: RuntimeDeps;
  stubs: StubRegistry;
  /** Step mocks (`POST /emulator/v1/stepMocks`, the `steps:` of a stubs file); also `runtime.stepMocks`. */
  stepMocks: StepMocks;
  /** Connectors answered by the emulator itself when no stub matches; the services fill it. */
  connectorBuiltins: Map<string, BuiltinConnector>;
  /** Which file each revision deployed from a watched directory came from, and files that failed. */
  files: WorkflowFiles;
  /** What changed (executions, workflows, deploy problems, outbound calls, logs), for the live event stream. */
  events: EventBus;
  /** The log entries executions wrote (`GET /emulator/v1/logs`). */
  logs: LogStore;
  /** Epoch milliseconds when the emulator started (for `/emulator/v1/info`). */
  startedAt: number;
  /** Workflow coverage of every execution, when it was asked for (`coverage` option, `--coverage`). */
  coverage?: WorkflowCoverage;
  /** Observers each execution gets, one new set per execution (coverage's among them). */
  executionObservers: (() => ExecutionTracer)[];
  /** The executor; injectable so route tests can use a fake. */
  startExecution?: (deps: RuntimeDeps, options: StartExecutionOptions) => RunningExecution;
  /** The loader; injectable for the same reason. */
  loadWorkflow?: (source: string) => LoadResult;
}

/**
 * What happens to a call no stub answers: `bypass` lets an HTTP call go on to the host policy
 * (loopback and `allowHosts` reach the network, the rest fail); `fail` fails it with a
 * ConnectionFailedError carrying `message`. A connector call that is not failed fails with the
 * emulator's own message (connectors never reach the network).
 */
export type UnhandledRequestVerdict = { action: 'bypass' } | { action: 'fail'; message: string };

/** Asked about every HTTP and connector call that no stub answers (and no recording replays). */
export type UnhandledRequestPolicy = (
  request: StubRequest,
) => UnhandledRequestVerdict | Promise<UnhandledRequestVerdict>;

export interface CreateAppDepsOptions {
  projectId?: string;
  projectNumber?: string;
  location?: string;
  baseUrl?: string;
  maxBodyBytes?: number;
  maxActiveExecutions?: number;
  clock?: Clock;
  /**
   * Times callback time-outs (`events.await_callback`); default `clock`. The testing package
   * passes a view of its virtual clock whose timers do not let time run by themselves.
   */
  callbackClock?: Clock;
  ids?: IdSource;
  /** Receives `sys.log` entries as `sys.log` gives them (see also `onLog`). */
  logger?: Logger;
  /**
   * Receives every log entry as Cloud Logging `LogEntry` JSON, as it is written (`sys.log`,
   * execution logs, call logs): the CLI prints them. They also go to `GET /emulator/v1/logs` and
   * the `log` events of the event stream.
   */
  onLog?: (entry: WorkflowLogEntry) => void;
  stubs?: StubRegistry;
  /** What to do with calls no stub answers (ignored for HTTP when `transport` is given). Default: bypass. */
  onUnhandledRequest?: UnhandledRequestPolicy;
  /** Record and replay calls no stub answers (ignored when `transport` is given). */
  recording?: OutboundRecording;
  /** Shared with a custom `connectors` handler that should also run child workflows. */
  connectorBuiltins?: Map<string, BuiltinConnector>;
  /** Replaces the stub-aware outbound transport. */
  transport?: HttpTransport;
  connectors?: ConnectorHandler;
  /** `--allow-host` entries for calls that no stub answers. */
  allowHosts?: readonly string[];
  /** `--accept-host` entries: host names clients may address the emulator by (see request-guard.ts). */
  acceptHosts?: readonly string[];
  limits?: Partial<RuntimeLimits>;
  /** Where the developer UI's bundle is; default the package's `dist/ui` (built by `pnpm build`). */
  uiDir?: string;
  /**
   * Record call steps with the finer step types of the API's discovery document
   * (`STEP_STD_LIB_CALL`, `STEP_CONNECTOR_CALL`, `STEP_SUBWORKFLOW_CALL`) instead of `STEP_CALL`,
   * the one type the REST reference documents for calls. Default false.
   */
  fineCallStepTypes?: boolean;
  /** What to keep of finished executions, operations, revisions and the request log (default DEFAULT_RETENTION). */
  retention?: Partial<RetentionLimits>;
  store?: Store;
  /** The event bus (e.g. to listen before the emulator starts); default a new one. */
  events?: EventBus;
  startExecution?: AppDeps['startExecution'];
  loadWorkflow?: AppDeps['loadWorkflow'];
  /**
   * Collect workflow coverage of every execution (`GET /emulator/v1/coverage`); with options,
   * e.g. the name of the test running now. Default off.
   */
  coverage?: boolean | Omit<WorkflowCoverageOptions, 'deployed'>;
}

export const DEFAULT_PROJECT_ID = 'my-project';
export const DEFAULT_PROJECT_NUMBER = '123456789012';
export const DEFAULT_LOCATION = 'us-central1';
export const DEFAULT_PORT = 8787;
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

export function createAppDeps(options: CreateAppDepsOptions = {}): AppDeps {
  const clock = options.clock ?? realClock;
  const retention = { ...DEFAULT_RETENTION, ...options.retention };
  checkRetention(retention);
  const stubs =
    options.stubs ??
    new StubRegistry({ now: () => new Date(clock.now()), maxRecordedRequests: retention.requests });
  const connectorBuiltins = options.connectorBuiltins ?? new Map<string, BuiltinConnector>();
  const config: AppConfig = {
    projectId: options.projectId ?? DEFAULT_PROJECT_ID,
    projectNumber: options.projectNumber ?? DEFAULT_PROJECT_NUMBER,
    location: options.location ?? DEFAULT_LOCATION,
    version: VERSION,
    baseUrl: options.baseUrl ?? `http://127.0.0.1:${DEFAULT_PORT}`,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    maxActiveExecutions: options.maxActiveExecutions ?? 10_000,
    acceptHosts: [...(options.acceptHosts ?? [])],
    uiDir: options.uiDir ?? DEFAULT_UI_DIR,
    retention,
    fineCallStepTypes: options.fineCallStepTypes === true,
  };
  const policy = options.onUnhandledRequest;
  const logs = new LogStore(retention.logs);
  const events = options.events ?? new EventBus();
  const runtime: RuntimeDeps = {
    transport:
      options.transport ??
      createOutboundTransport({
        stubs,
        allowHosts: options.allowHosts ?? [],
        clock,
        ...(options.recording && { recording: options.recording }),
        ...(policy && {
          onUnhandled: async (request) => {
            const verdict = await policy(request);
            if (verdict.action === 'fail') throw new TransportError('ConnectionFailedError', verdict.message);
          },
        }),
      }),
    connectors:
      options.connectors ??
      createConnectorHandler(stubs, {
        clock,
        builtins: connectorBuiltins,
        ...(policy && {
          onUnhandled: async (request) => {
            const verdict = await policy(request);
            if (verdict.action === 'fail') throw platformError('ConnectionFailedError', verdict.message);
          },
        }),
      }),
    clock,
    ids: options.ids ?? randomIds,
    logger: options.logger ?? silentLogger,
    logs: logWriter(logs, events, options.onLog),
    callbacks: new CallbackHub(() => config.baseUrl, options.callbackClock ?? clock),
  };
  if (options.limits) runtime.limits = options.limits;
  const store = options.store ?? createMemoryStore();
  const stepMocks = new StepMocks({
    deployed: (workflowId, location) => deployedDefinitions(store, workflowId, location),
    onMocked: (call) => logMockedCall(stubs, call),
  });
  runtime.stepMocks = stepMocks;
  const files = new WorkflowFiles();
  connectEventSources(events, files, stubs);
  const coverage =
    options.coverage === undefined || options.coverage === false
      ? undefined
      : new WorkflowCoverage({
          ...(options.coverage === true ? {} : options.coverage),
          deployed: () => deployedWorkflows(store, files),
        });
  return {
    config,
    store,
    runtime,
    stubs,
    stepMocks,
    connectorBuiltins,
    files,
    events,
    logs,
    // Wall time, not the injected clock: uptime is about the process, even under a virtual clock.
    startedAt: Date.now(),
    ...(coverage && { coverage }),
    executionObservers: coverage ? [() => coverage.observer()] : [],
    startExecution: options.startExecution ?? defaultStartExecution,
    loadWorkflow: options.loadWorkflow ?? ((source) => defaultLoadWorkflow(source)),
  };
}

/**
 * The current definition of a workflow, in one location or in every one it is deployed to (step
 * mocks name no project: the emulator's projects are one namespace for them).
 */
function deployedDefinitions(
  store: Store,
  workflowId: string,
  location: string | undefined,
): { location: string; definition: WorkflowDefinition }[] {
  const out: { location: string; definition: WorkflowDefinition }[] = [];
  for (const w of store.workflows.all()) {
    if (w.key.workflowId !== workflowId) continue;
    if (location !== undefined && w.key.location !== location) continue;
    const rev = w.revisions[w.revisions.length - 1];
    if (rev) out.push({ location: w.key.location, definition: rev.definition });
  }
  return out;
}

/** Each entry goes to the log store, to `onLog`, and to the event stream's `log` subscribers. */
function logWriter(store: LogStore, events: EventBus, onLog?: (entry: WorkflowLogEntry) => void): LogWriter {
  return {
    write(entry) {
      store.append(entry);
      onLog?.(entry);
      if (!events.listening) return;
      const r = entry.resource.labels;
      events.publish(
        'log',
        {
          project: r.project_id,
          location: r.location,
          workflowId: r.workflow_id,
          ...(entry.labels[EXECUTION_ID_LABEL] !== undefined && {
            executionId: entry.labels[EXECUTION_ID_LABEL],
          }),
        },
        () => entry,
      );
    },
  };
}

/** The current revision of every workflow, with the file it came from (for coverage's zeros). */
function* deployedWorkflows(store: Store, files: WorkflowFiles): Generator<DeployedWorkflow> {
  for (const w of store.workflows.all()) {
    const rev = w.revisions[w.revisions.length - 1];
    if (!rev) continue;
    const sourceFile = files.sourceFile(w.key, rev.revisionId);
    yield {
      definition: rev.definition,
      location: w.key.location,
      workflowId: w.key.workflowId,
      ...(sourceFile !== undefined && { sourceFile }),
    };
  }
}
