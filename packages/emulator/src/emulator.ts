/**
 * The supported in-process API: `startEmulator` starts the emulator on a socket (resolving once
 * it listens, with the real port: port 0 picks a free one) and returns a `RunningEmulator` that
 * deploys, executes and reads executions without HTTP, in the REST API's JSON shapes. Used by
 * the CLI, the tests and the testing package.
 */
import type { WorkflowLogEntry } from './runtime/logging.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createApp, createServices, type Services } from './server/app.js';
import { resetEmulator } from './server/admin.js';
import { answerClientError } from './server/client-error.js';
import type { EventStreamOptions } from './server/event-stream.js';
import { createAppDeps, DEFAULT_PORT, type AppDeps, type CreateAppDepsOptions } from './server/deps.js';
import { notFound } from './server/api-error.js';
import { executionName } from './server/names.js';
import { executionJson, stepEntryJson, workflowJson } from './server/serialize.js';
import { projectRef } from './server/workflows-service.js';
import type { WorkflowCoverageData } from './runtime/coverage.js';
import type { CallLogLevel, ExecutionHistoryLevel, ExecutionRecord, ExecutionState } from './store/types.js';
import type { StepMocks } from './runtime/step-mocks.js';
import type { StepRunResult } from './runtime/step-run.js';
import { startStepRun, startSubworkflowRun } from './server/direct-runs.js';
import type { StubRegistry } from './stubs/index.js';

/** An Execution in the REST API's JSON (`projects.locations.workflows.executions`, FULL view). */
export interface ExecutionJson {
  /** `projects/{project}/locations/{location}/workflows/{workflow}/executions/{id}` */
  name: string;
  /** RFC 3339 timestamps; `duration` as `"1.5s"`. */
  startTime: string;
  endTime?: string;
  duration?: string;
  state: ExecutionState;
  /** JSON text. */
  argument?: string;
  /** JSON text, once SUCCEEDED. */
  result?: string;
  error?: {
    /** JSON text of the error value. */
    payload: string;
    context: string;
    stackTrace: {
      elements: {
        step: string;
        routine: string;
        /** int64 fields are strings in the proto3 JSON mapping. */
        position: { line: string; column: string; length: string };
      }[];
    };
  };
  workflowRevisionId: string;
  callLogLevel?: CallLogLevel;
  status?: { currentSteps: { routine: string; step: string }[] };
  labels?: Record<string, string>;
  createTime?: string;
  disableConcurrencyQuotaOverflowBuffering?: boolean;
  executionHistoryLevel?: ExecutionHistoryLevel;
}

/** A StepEntry in the REST API's JSON (`executions.stepEntries`). */
export interface StepEntryJson {
  name: string;
  /** int64, so a string. */
  entryId: string;
  createTime: string;
  updateTime: string;
  routine: string;
  step: string;
  /** `STEP_ASSIGN`, `STEP_CALL`, `STEP_SWITCH`, ... */
  stepType: string;
  /** `STATE_IN_PROGRESS`, `STATE_SUCCEEDED`, `STATE_FAILED`, ... */
  state: string;
  /** The error value (JSON text), when the step failed. */
  exception?: { payload: string };
  /** Entry numbers (int64, so strings) of the parent, the children and the siblings before and after. */
  navigationInfo?: { children?: string[]; parent?: string; next?: string; previous?: string };
  /**
   * The thread of a parallel branch or iteration (absent on the main thread); the progress of an
   * iteration, matched condition, retry or branch; `expectedIteration` at the detailed level.
   */
  stepEntryMetadata?: {
    threadId?: string;
    progressType?: string;
    progressNumber?: string;
    expectedIteration?: string;
  };
  /**
   * Emulator extension (Google's StepEntry has no such field): the step mock that answered the
   * step's call, and the attempt (0-based) it answered.
   */
  emulatorStepMock?: { id: string; attempt: number };
  /** At the detailed level: every variable in scope when the entry ended. */
  variableData?: { variables: Record<string, unknown> };
}

/** A Workflow in the REST API's JSON (`projects.locations.workflows`). */
export interface WorkflowJson {
  name: string;
  state: string;
  revisionId: string;
  sourceContents: string;
  labels: Record<string, string>;
  [field: string]: unknown;
}

/** A callback endpoint an execution created (`events.create_callback_endpoint`). */
export interface CallbackEndpoint {
  /** The URL the workflow handed out; requests to it reach `events.await_callback`. */
  readonly url: string;
  readonly method: string;
  /** Waits on it now (`events.await_callback` in progress). */
  readonly waiters: number;
  /** Requests received and not yet awaited. */
  readonly availablePayloads: number;
}

export interface DeliverCallbackOptions {
  /** Which callback, when the execution created several: its URL. Default: the one awaited, else the newest. */
  url?: string;
  /** Default: the callback's own method. */
  method?: string;
  headers?: Record<string, string>;
  /** A string is sent as is when `headers` has a content type; anything else is sent as JSON. */
  body?: unknown;
}

/** Where a workflow is: default the emulator's project and location. */
export interface WorkflowPlace {
  project?: string;
  location?: string;
}

/**
 * An execution, by its full resource name or by its ID alone (the last segment of the name):
 * IDs are unique within an emulator.
 */
export type ExecutionRef = string | { readonly name: string } | { readonly id: string };

export interface StartEmulatorOptions extends CreateAppDepsOptions {
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Port; 0 picks a free one. Default 8787. */
  port?: number;
  /** Prebuilt deps (the options above are then ignored except host and port). */
  deps?: AppDeps;
  onInternalError?: (err: unknown) => void;
  /** Limits of the live event stream (`GET /emulator/v1/events`). */
  eventStream?: EventStreamOptions;
}

export interface RunningEmulator {
  /** `http://host:port` */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The default project ID and location (`projectId` and `location` options). */
  readonly projectId: string;
  readonly location: string;
  /** The stubs that answer outbound HTTP and connector calls, and the log of those calls. */
  readonly stubs: StubRegistry;
  /** The step mocks: calls of named steps answered without calling (see the README's Step mocks). */
  readonly stepMocks: StepMocks;
  /** @internal The wiring, for the CLI and the emulator's own tests; not a supported API. */
  readonly deps: AppDeps;
  /** @internal */
  readonly services: Services;
  /**
   * Creates the workflow, or redeploys it (a new revision when the source changed). Returns the
   * revision ID. `sourceFile`: the file the source was read from (the developer UI names it,
   * coverage is reported under it). Throws an ApiError (INVALID_ARGUMENT, with line and column)
   * when the source does not deploy.
   */
  deploy(workflowId: string, source: string, options?: WorkflowPlace & { sourceFile?: string }): string;
  /** The workflow as `workflows.get` answers it, or undefined when it is not deployed there. */
  getWorkflow(workflowId: string, where?: WorkflowPlace): WorkflowJson | undefined;
  /**
   * Starts an execution (as `executions.create` does, without HTTP) and returns it. `argument`
   * is sent as JSON; undefined sends none. Throws an ApiError as the REST API would answer.
   */
  execute(
    workflowId: string,
    argument?: unknown,
    options?: WorkflowPlace & {
      labels?: Record<string, string>;
      /** The execution's call log level (it wins over the workflow's unless unspecified). */
      callLogLevel?: CallLogLevel;
      /**
       * The execution's history level (it wins over the workflow's unless unspecified):
       * `EXECUTION_HISTORY_DETAILED` gives step entries their variables.
       */
      executionHistoryLevel?: ExecutionHistoryLevel;
    },
  ): ExecutionJson;
  /**
   * Runs one subworkflow of a deployed workflow directly, with its parameters by name, as an
   * execution of its own (`POST /emulator/v1/subworkflowRuns`). Throws an ApiError for an unknown
   * workflow, routine or parameter.
   */
  runSubworkflow(
    workflowId: string,
    routine: string,
    args?: Record<string, unknown>,
    where?: WorkflowPlace,
  ): ExecutionJson;
  /**
   * Runs one step of a deployed workflow with given variables (`POST /emulator/v1/stepRuns`):
   * `result()` says what it did once `whenSettled(execution)` has resolved.
   */
  runStep(
    workflowId: string,
    step: string,
    options?: WorkflowPlace & { routine?: string; variables?: Record<string, unknown> },
  ): { execution: ExecutionJson; result(): StepRunResult };
  /** The execution now, as `executions.get` answers it. Throws an ApiError NOT_FOUND when there is none. */
  get(execution: ExecutionRef): ExecutionJson;
  /** Resolves once the execution has ended and its outcome is stored (at once if it has). */
  whenSettled(execution: ExecutionRef): Promise<void>;
  /**
   * The log entries written so far, oldest first, as Cloud Logging `LogEntry` JSON (what
   * `GET /emulator/v1/logs` answers): of one execution, or of all (within `--retain-logs`).
   */
  logs(execution?: ExecutionRef): WorkflowLogEntry[];
  /** The execution's step entries so far, in start order (`stepEntries.list`, every page). */
  stepEntries(execution: ExecutionRef): StepEntryJson[];
  /** The callback endpoints the execution created, oldest first. */
  callbacks(execution: ExecutionRef): CallbackEndpoint[];
  /**
   * Sends a request to one of the execution's callback endpoints, over HTTP as a caller would,
   * and returns the emulator's answer (status and parsed JSON body). Throws an ApiError
   * NOT_FOUND when the execution has no callback endpoint (or none with `options.url`).
   */
  deliverCallback(
    execution: ExecutionRef,
    options?: DeliverCallbackOptions,
  ): Promise<{ status: number; body: unknown }>;
  /** Workflow coverage collected so far (Istanbul's format, by file), when the `coverage` option is on. */
  coverage(): WorkflowCoverageData | undefined;
  /** Clears workflows, executions, stubs and recorded requests (like `POST /emulator/v1/reset`). */
  reset(): void;
  /** Cancels running executions and closes the socket, including kept-alive connections. */
  stop(): Promise<void>;
}

/** The host part of a URL: IPv6 literals need brackets; a wildcard address is reached through loopback. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startEmulator(options: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const deps = options.deps ?? createAppDeps(options);
  const services = createServices(deps);
  const app = createApp(deps, {
    services,
    ...(options.onInternalError ? { onInternalError: options.onInternalError } : {}),
    ...(options.eventStream ? { eventStream: options.eventStream } : {}),
  });
  const server: Server = createServer(app);
  server.on('clientError', answerClientError);
  // Long polls from clients must not be cut by Node's default timeouts.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(options.port ?? DEFAULT_PORT, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${urlHost(host)}:${port}`;
  deps.config.baseUrl = url;

  const record = (execution: ExecutionRef): ExecutionRecord => {
    const raw = typeof execution === 'string' ? execution : 'id' in execution ? execution.id : execution.name;
    const id = raw.slice(raw.lastIndexOf('/') + 1);
    for (const rec of deps.store.executions.all()) if (rec.executionId === id) return rec;
    throw notFound(`Resource '${raw}' was not found`);
  };
  const nameOf = (rec: ExecutionRecord) =>
    executionName(rec.projectAlias, rec.workflow.location, rec.workflow.workflowId, rec.executionId);
  const callbacksOf = (rec: ExecutionRecord): CallbackEndpoint[] =>
    deps.runtime.callbacks
      .list(
        executionName(rec.workflow.project, rec.workflow.location, rec.workflow.workflowId, rec.executionId),
      )
      .map((c) => ({
        url: c.url,
        method: c.method,
        waiters: c.waiters,
        availablePayloads: c.availablePayloads,
      }));

  let stopped: Promise<void> | undefined;
  return {
    url,
    host,
    port,
    projectId: deps.config.projectId,
    location: deps.config.location,
    stubs: deps.stubs,
    stepMocks: deps.stepMocks,
    deps,
    services,
    getWorkflow(workflowId, where = {}) {
      const ref = projectRef(deps, where.project ?? deps.config.projectId);
      const key = { project: ref.project, location: where.location ?? deps.config.location, workflowId };
      const rec = deps.store.workflows.get(key);
      return rec && (workflowJson(rec, ref.alias) as unknown as WorkflowJson);
    },
    execute(workflowId, argument, where = {}) {
      const ref = projectRef(deps, where.project ?? deps.config.projectId);
      const body = {
        ...(argument !== undefined && { argument: JSON.stringify(argument) }),
        ...(where.labels && { labels: where.labels }),
        ...(where.callLogLevel !== undefined && { callLogLevel: where.callLogLevel }),
        ...(where.executionHistoryLevel !== undefined && {
          executionHistoryLevel: where.executionHistoryLevel,
        }),
      };
      const rec = services.executions.create(ref, where.location ?? deps.config.location, workflowId, body);
      return executionJson(rec, ref.alias, 'FULL') as unknown as ExecutionJson;
    },
    runSubworkflow(workflowId, routine, args = {}, where = {}) {
      const rec = startSubworkflowRun(deps, services, { workflow: workflowId, routine, args, ...where });
      return executionJson(rec, rec.projectAlias, 'FULL') as unknown as ExecutionJson;
    },
    runStep(workflowId, step, options = {}) {
      const run = startStepRun(deps, services, { workflow: workflowId, step, ...options });
      const rec = run.execution;
      return {
        execution: executionJson(rec, rec.projectAlias, 'FULL') as unknown as ExecutionJson,
        result: run.result,
      };
    },
    get(execution) {
      const rec = record(execution);
      return executionJson(rec, rec.projectAlias, 'FULL') as unknown as ExecutionJson;
    },
    whenSettled(execution) {
      return services.executions.whenSettled(record(execution));
    },
    logs(execution) {
      if (execution === undefined) return deps.logs.list({}, Infinity).entries;
      const raw =
        typeof execution === 'string' ? execution : 'id' in execution ? execution.id : execution.name;
      return deps.logs.list({ executionId: raw.slice(raw.lastIndexOf('/') + 1) }, Infinity).entries;
    },
    stepEntries(execution) {
      const rec = record(execution);
      const name = nameOf(rec);
      const fine = deps.config.fineCallStepTypes;
      return [...rec.history].map(
        (e) => stepEntryJson(e, name, rec.history, true, fine) as unknown as StepEntryJson,
      );
    },
    callbacks(execution) {
      return callbacksOf(record(execution));
    },
    async deliverCallback(execution, options = {}) {
      const all = callbacksOf(record(execution));
      const callback =
        options.url !== undefined
          ? all.find((c) => c.url === options.url)
          : (all.find((c) => c.waiters > 0) ?? all[all.length - 1]);
      if (callback === undefined) {
        const which = options.url !== undefined ? ` at ${options.url}` : '';
        throw notFound(`Execution '${nameOf(record(execution))}' has no callback endpoint${which}`);
      }
      const headers: Record<string, string> = { ...options.headers };
      let payload: string | undefined;
      if (options.body !== undefined) {
        const hasType = Object.keys(headers).some((k) => k.toLowerCase() === 'content-type');
        if (typeof options.body === 'string' && hasType) payload = options.body;
        else {
          payload = JSON.stringify(options.body);
          if (!hasType) headers['Content-Type'] = 'application/json';
        }
      }
      const res = await fetch(callback.url, {
        method: options.method ?? callback.method,
        headers,
        ...(payload !== undefined && { body: payload }),
      });
      const text = await res.text();
      let body: unknown = null;
      if (text !== '') {
        try {
          body = JSON.parse(text) as unknown;
        } catch {
          body = text;
        }
      }
      return { status: res.status, body };
    },
    coverage() {
      return deps.coverage?.toJSON();
    },
    deploy(workflowId, source, where = {}) {
      const ref = projectRef(deps, where.project ?? deps.config.projectId);
      const location = where.location ?? deps.config.location;
      const revisionId = services.workflows.deploy(ref, location, workflowId, source);
      if (where.sourceFile !== undefined)
        deps.files.deployed(where.sourceFile, { project: ref.project, location, workflowId }, revisionId);
      return revisionId;
    },
    reset() {
      resetEmulator(deps, services.executions);
    },
    stop() {
      stopped ??= new Promise<void>((resolve, reject) => {
        services.executions.cancelAll();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
        for (const s of sockets) s.destroy();
      });
      return stopped;
    },
  };
}
