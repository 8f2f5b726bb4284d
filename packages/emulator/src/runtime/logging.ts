/**
 * What an execution writes to Cloud Logging, as Cloud Logging `LogEntry` JSON
 * (https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry): three writers over one
 * `LogWriter` per emulator.
 *
 * - `sys.log` (https://cloud.google.com/workflows/docs/reference/stdlib/sys/log): the log named
 *   `Workflows`; a map goes to `jsonPayload`, anything else to `textPayload`; the severity given.
 * - Execution logs (https://cloud.google.com/workflows/docs/log-workflow#execution-logs): always,
 *   one at the start and one at the end, in `workflows.googleapis.com/executions_system`
 *   (`ExecutionsSystemLog` payload, INFO, or ERROR when the execution failed).
 * - Call logs (https://cloud.google.com/workflows/docs/log-workflow#call-logging): only when the
 *   execution's call log level (the execution's own, else the workflow's) asks for them, only for
 *   explicit call steps, in `workflows.googleapis.com/engine_call` (`EngineCallLog` payload,
 *   DEBUG), with `Authorization` headers redacted and entries cut to Cloud Logging's size limit.
 *
 * The log names, resource type, labels and severities are those of
 * https://cloud.google.com/logging/docs/api/platform-logs#workflows. Execution and call logs
 * are observers of the executor (tracer.ts): an execution without call logging has no call
 * observer at all, so the executor's hot path does not change.
 */
import { stringifyJson } from '../values/json.js';
import { toDisplayString } from '../values/format.js';
import { isMap, type Value } from '../values/types.js';
import type { CallOrigin, LogEntry, LogSeverity, Logger } from '../values/seams.js';
import { LOG_SEVERITIES } from '../values/seams.js';
import { RaisedError } from '../values/raised-error.js';
import type { ExecutionIdentity } from './api.js';
import type {
  CallStartedEvent,
  ExceptTakenEvent,
  ExecutionEndedEvent,
  ExecutionStartedEvent,
  ExecutionTracer,
  FunctionCalledEvent,
  TracedStep,
} from './tracer.js';

import type { CallLogLevel } from './enums.js';
export type { CallLogLevel };

/**
 * The level an execution logs calls at: its own, unless unspecified, then the workflow's
 * ("If both the workflow and the execution specify a logging level, the execution level takes
 * precedence", https://cloud.google.com/workflows/docs/log-workflow#call-logging).
 */
export function effectiveCallLogLevel(
  execution: CallLogLevel | undefined,
  workflow: CallLogLevel | undefined,
): CallLogLevel {
  if (execution && execution !== 'CALL_LOG_LEVEL_UNSPECIFIED') return execution;
  return workflow ?? 'CALL_LOG_LEVEL_UNSPECIFIED';
}

/** The log IDs Workflows writes (https://cloud.google.com/logging/docs/api/platform-logs#workflows). */
export const LOG_IDS = {
  /** `sys.log` (https://cloud.google.com/workflows/docs/reference/stdlib/sys/log). */
  sysLog: 'Workflows',
  engineCall: 'workflows.googleapis.com/engine_call',
  executionsSystem: 'workflows.googleapis.com/executions_system',
} as const;

/** `projects/P/logs/LOG_ID`, the log ID URL-encoded (`workflows.googleapis.com%2Fengine_call`). */
export function logName(projectId: string, logId: string): string {
  return `projects/${projectId}/logs/${encodeURIComponent(logId)}`;
}

/** The monitored resource of every Workflows log entry. */
export const WORKFLOW_RESOURCE_TYPE = 'workflows.googleapis.com/Workflow';
export const EXECUTION_ID_LABEL = 'workflows.googleapis.com/execution_id';
export const REVISION_ID_LABEL = 'workflows.googleapis.com/revision_id';

/**
 * Cloud Logging's limit on one LogEntry (https://cloud.google.com/logging/quotas): call log
 * fields "may be truncated" to stay within it (https://cloud.google.com/workflows/docs/log-workflow).
 */
export const LOG_ENTRY_MAX_BYTES = 256 * 1024;

/** What replaces an `Authorization` header's value in call logs (shared with the request log). */
export const REDACTED = '<redacted>';

/** A Cloud Logging `LogEntry` as Workflows writes it (JSON, as the Logging API returns it). */
export interface WorkflowLogEntry {
  /** `projects/P/logs/Workflows`, `.../workflows.googleapis.com%2Fengine_call`, `...%2Fexecutions_system`. */
  logName: string;
  resource: {
    type: typeof WORKFLOW_RESOURCE_TYPE;
    labels: { project_id: string; location: string; workflow_id: string };
  };
  /** `workflows.googleapis.com/execution_id` and `workflows.googleapis.com/revision_id`. */
  labels: Record<string, string>;
  severity: LogSeverity;
  /** RFC 3339, UTC. */
  timestamp: string;
  /** Unique in the emulator. */
  insertId: string;
  textPayload?: string;
  jsonPayload?: Record<string, unknown>;
  /**
   * Where the entry was written from (an emulator addition for `sys.log` and call logs, so that
   * consoles and tests can point at the step; Google leaves it out): `function` is
   * `routine.step`, `line` the step's line (int64 as a string, as in Cloud Logging's JSON).
   */
  sourceLocation?: { file?: string; line: string; function: string };
}

/** Where an emulator's log entries go (its log store, the console, the event stream). */
export interface LogWriter {
  write(entry: WorkflowLogEntry): void;
}

const SEVERITY_RANK: ReadonlyMap<string, number> = new Map(LOG_SEVERITIES.map((s, i) => [s, i]));

/** Orders severities as Cloud Logging does (DEFAULT lowest, EMERGENCY highest). */
export function severityRank(severity: string): number {
  return SEVERITY_RANK.get(severity) ?? -1;
}

const ENGINE_CALL_TYPE = 'type.googleapis.com/google.cloud.workflows.type.EngineCallLog';
const EXECUTIONS_SYSTEM_TYPE = 'type.googleapis.com/google.cloud.workflows.type.ExecutionsSystemLog';

/** `ExecutionsSystemLog` field limits (googleapis executions_system.proto): message 5 kB, exception and source 1 kB. */
const MESSAGE_MAX_BYTES = 5 * 1024;
const FAILURE_FIELD_MAX_BYTES = 1024;

type LogNames = { sysLog: string; engineCall: string; executionsSystem: string };
const logNamesByProject = new Map<string, LogNames>();

/** The three log names of a project, made once per project and shared by its executions. */
function logNamesOf(projectId: string): LogNames {
  let names = logNamesByProject.get(projectId);
  if (!names) {
    names = Object.freeze({
      sysLog: logName(projectId, LOG_IDS.sysLog),
      engineCall: logName(projectId, LOG_IDS.engineCall),
      executionsSystem: logName(projectId, LOG_IDS.executionsSystem),
    });
    // Projects are few (one per emulator, a handful in tests); the cap only guards a long run.
    if (logNamesByProject.size >= 1000) logNamesByProject.clear();
    logNamesByProject.set(projectId, names);
  }
  return names;
}

/**
 * The logs of one execution: the observers that write its execution and call logs, and the
 * logger `sys.log` writes through.
 */
export class ExecutionLogs {
  private readonly resource: WorkflowLogEntry['resource'];
  private readonly labels: Record<string, string>;
  private readonly names: LogNames;
  private seq = 0;

  constructor(
    private readonly writer: LogWriter,
    /** The emulator's `Logger` seam, which keeps receiving `sys.log` entries as before. */
    private readonly seam: Logger,
    private readonly identity: ExecutionIdentity,
    private readonly now: () => number,
    /** The effective level (see effectiveCallLogLevel). */
    private readonly callLogLevel: CallLogLevel,
    private readonly sourceFile?: string,
  ) {
    this.resource = {
      type: WORKFLOW_RESOURCE_TYPE,
      labels: {
        project_id: identity.projectId,
        location: identity.location,
        workflow_id: identity.workflowId,
      },
    };
    this.labels = { [EXECUTION_ID_LABEL]: identity.executionId, [REVISION_ID_LABEL]: identity.revisionId };
    this.names = logNamesOf(identity.projectId);
  }

  /** The observers to attach to the execution: execution logs always, call logs when enabled. */
  tracers(): ExecutionTracer[] {
    const out: ExecutionTracer[] = [new ExecutionSystemLogger(this)];
    const level = this.callLogLevel;
    if (level === 'LOG_ALL_CALLS' || level === 'LOG_ERRORS_ONLY')
      out.push(new CallLogger(this, level === 'LOG_ALL_CALLS'));
    return out;
  }

  /** The logger `sys.log` gets in a call step at `origin` (line: the step's line). */
  sysLogger(origin: CallOrigin, line: number): Logger {
    return {
      log: (entry: LogEntry) => {
        this.seam.log(entry);
        this.write(
          this.names.sysLog,
          entry.severity,
          entry.timestamp.getTime(),
          sysLogPayload(entry.payload),
          {
            routine: origin.routine,
            step: origin.step,
            line,
          },
        );
      },
    };
  }

  /** @internal */
  write(
    name: string,
    severity: LogSeverity,
    time: number,
    payload: { textPayload: string } | { jsonPayload: Record<string, unknown> },
    at?: { routine: string; step: string; line: number },
  ): void {
    const entry: WorkflowLogEntry = {
      logName: name,
      resource: this.resource,
      labels: this.labels,
      severity,
      timestamp: new Date(time).toISOString(),
      insertId: `${this.identity.executionId}-${++this.seq}`,
      ...payload,
    };
    if (at)
      entry.sourceLocation = {
        ...(this.sourceFile !== undefined && { file: this.sourceFile }),
        line: String(at.line),
        function: `${at.routine}.${at.step}`,
      };
    this.writer.write(entry);
  }

  /** @internal */
  get logNames() {
    return this.names;
  }

  /** @internal */
  get executionId(): string {
    return this.identity.executionId;
  }

  /** @internal */
  time(): number {
    return this.now();
  }
}

/**
 * `sys.log`'s payload: "data: maps are logged as jsonPayload, other types as textPayload"; `text`
 * always as textPayload; `json` (a map) as jsonPayload
 * (https://cloud.google.com/workflows/docs/reference/stdlib/sys/log). Non-string text is shown
 * as compact JSON (Google is silent; see the README's choices).
 */
function sysLogPayload(payload: Value): { textPayload: string } | { jsonPayload: Record<string, unknown> } {
  if (typeof payload === 'string') return { textPayload: payload };
  if (isMap(payload)) {
    const json = toJson(payload);
    if (json !== undefined) return { jsonPayload: json as Record<string, unknown> };
    return { textPayload: toDisplayString(payload) };
  }
  return { textPayload: jsonText(payload) };
}

/** The value as plain JSON, or undefined when it cannot be encoded (bytes, NaN). */
function toJson(v: Value): unknown {
  try {
    return JSON.parse(stringifyJson(v)) as unknown;
  } catch {
    return undefined;
  }
}

function jsonText(v: Value): string {
  try {
    return stringifyJson(v);
  } catch {
    return toDisplayString(v);
  }
}

function cutBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  let s = text.slice(0, maxBytes);
  while (Buffer.byteLength(s, 'utf8') > maxBytes - 3) s = s.slice(0, Math.max(0, s.length - 16));
  return `${s}…`;
}

/** `executions_system`: one entry when the execution starts, one when it ends. */
class ExecutionSystemLogger implements ExecutionTracer {
  constructor(private readonly logs: ExecutionLogs) {}

  executionStarted(e: ExecutionStartedEvent): void {
    this.system('INFO', e.time, 'Execution started.', 'ACTIVE', {
      start: { argument: jsonText(e.argument) },
    });
  }

  executionEnded(e: ExecutionEndedEvent): void {
    const o = e.outcome;
    switch (o.state) {
      case 'SUCCEEDED':
        this.system('INFO', e.time, 'Execution succeeded.', 'SUCCEEDED', { success: { result: o.result } });
        return;
      case 'FAILED': {
        const exception = o.error.context.split('\n')[0] ?? '';
        const frame = o.error.stackTrace.elements[0];
        const failure: Record<string, string> = { exception: cutBytes(exception, FAILURE_FIELD_MAX_BYTES) };
        if (frame) failure.source = cutBytes(`${frame.routine}.${frame.step}`, FAILURE_FIELD_MAX_BYTES);
        this.system(
          'ERROR',
          e.time,
          cutBytes(`Execution failed: ${exception}`, MESSAGE_MAX_BYTES),
          'FAILED',
          {
            failure,
          },
        );
        return;
      }
      case 'CANCELLED':
        this.system('INFO', e.time, 'Execution cancelled.', 'CANCELLED', {});
    }
  }

  private system(
    severity: LogSeverity,
    time: number,
    message: string,
    state: string,
    details: Record<string, unknown>,
  ): void {
    const payload: Record<string, unknown> = {
      '@type': EXECUTIONS_SYSTEM_TYPE,
      message,
      activityTime: new Date(time).toISOString(),
      state,
      ...details,
    };
    fitToLimit(payload, ENTRY_OVERHEAD_BYTES);
    this.logs.write(this.logs.logNames.executionsSystem, severity, time, { jsonPayload: payload });
  }
}

/** What a failed call step left behind, until an `except` handles the error or it fails the execution. */
interface RaisedCall {
  step: TracedStep;
  callee: string;
  callStartTime: number;
  exception: string;
  origin: string;
}

/**
 * `engine_call`: BEGUN before each call step's function runs, SUCCEEDED or EXCEPTION_RAISED when
 * it settles, EXCEPTION_HANDLED when an `except` catches what a call step raised
 * (https://cloud.google.com/workflows/docs/log-workflow#call-logging); with LOG_ERRORS_ONLY only
 * the last two. Calls inside expressions are not call steps and are not logged.
 */
class CallLogger implements ExecutionTracer {
  /** When each running call step's call began (a step runs one call at a time). */
  private readonly started = new Map<TracedStep, number>();
  /** Errors raised by call steps, by error object (the same object reaches the `except`). */
  private readonly raised = new WeakMap<RaisedError, RaisedCall>();

  constructor(
    private readonly logs: ExecutionLogs,
    private readonly all: boolean,
  ) {}

  callStarted(e: CallStartedEvent): void {
    const step = e.step;
    if (e.inExpression || !step) return;
    const now = this.logs.time();
    this.started.set(step, now);
    if (!this.all) return;
    const begun: Record<string, unknown> = {};
    const args = e.args;
    if (isMap(args)) {
      const named: Record<string, unknown> = {};
      for (const [k, v] of args)
        named[k] = k === 'headers' && isMap(v) ? redactHeaders(v) : (toJson(v) ?? null);
      begun.namedArgs = named;
    } else if (Array.isArray(args)) {
      begun.args = args.map((a) => ({ argument: jsonText(a) }));
    }
    this.call(step, e.name, now, 'BEGUN', { begun });
  }

  functionCalled(e: FunctionCalledEvent): void {
    const step = e.step;
    if (e.inExpression || !step) return;
    const now = this.logs.time();
    const callStartTime = this.started.get(step) ?? now;
    this.started.delete(step);
    if (!('error' in e)) {
      if (this.all)
        this.call(step, e.name, now, 'SUCCEEDED', {
          succeeded: { callStartTime: iso(callStartTime), response: jsonText(e.result ?? null) },
        });
      return;
    }
    const err = e.error;
    // Cancellation and internal failures are no exceptions of the workflow.
    if (!(err instanceof RaisedError)) return;
    const previous = this.raised.get(err);
    const exception = errorText(err);
    // The step the failure comes from: the innermost frame once it unwound through a subworkflow.
    const origin = previous?.origin ?? err.frames[0]?.step ?? step.name;
    this.raised.set(err, { step, callee: e.name, callStartTime, exception, origin });
    this.call(step, e.name, now, 'EXCEPTION_RAISED', {
      exceptionRaised: { callStartTime: iso(callStartTime), exception, origin },
    });
  }

  exceptTaken(e: ExceptTakenEvent): void {
    const raised = this.raised.get(e.error);
    if (!raised) return;
    this.raised.delete(e.error);
    this.call(raised.step, raised.callee, this.logs.time(), 'EXCEPTION_HANDLED', {
      exceptionHandled: {
        callStartTime: iso(raised.callStartTime),
        exception: raised.exception,
        origin: raised.origin,
      },
    });
  }

  private call(
    step: TracedStep,
    callee: string,
    time: number,
    state: string,
    details: Record<string, unknown>,
  ) {
    const payload: Record<string, unknown> = {
      '@type': ENGINE_CALL_TYPE,
      executionId: this.logs.executionId,
      activityTime: iso(time),
      state,
      step: step.name,
      callee,
      ...details,
    };
    fitToLimit(payload, ENTRY_OVERHEAD_BYTES);
    this.logs.write(
      this.logs.logNames.engineCall,
      'DEBUG',
      time,
      { jsonPayload: payload },
      {
        routine: step.routine,
        step: step.name,
        line: step.pos.line,
      },
    );
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

function errorText(err: RaisedError): string {
  try {
    return stringifyJson(err.value, { sortKeys: true });
  } catch {
    return err.message;
  }
}

/**
 * `Authorization` request headers are redacted in HTTP call logs
 * (https://cloud.google.com/workflows/docs/log-workflow#call-logging); header names match in
 * any case, as HTTP's do.
 */
function redactHeaders(headers: Map<string, Value>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of headers) out[k] = k.toLowerCase() === 'authorization' ? REDACTED : (toJson(v) ?? null);
  return out;
}

/** Room kept for the entry around the payload (names, resource, labels, timestamps). */
const ENTRY_OVERHEAD_BYTES = 1024;

/**
 * Cuts the payload's longest strings (arguments, response, exception) until the entry fits
 * Cloud Logging's limit, each cut string ending in `…`. Named arguments that are not strings are
 * first replaced by their JSON text, as the `EngineCallLog` proto allows ("may be truncated
 * serialized strings"). Costs one measurement when the entry is small.
 */
export function fitToLimit(
  payload: Record<string, unknown>,
  overhead: number,
  limit = LOG_ENTRY_MAX_BYTES,
): void {
  const budget = limit - overhead;
  let size = Buffer.byteLength(JSON.stringify(payload), 'utf8');
  if (size <= budget) return;
  for (const details of Object.values(payload)) {
    if (typeof details !== 'object' || details === null) continue;
    const named = (details as Record<string, unknown>).namedArgs;
    if (typeof named === 'object' && named !== null) {
      const args = named as Record<string, unknown>;
      for (const k of Object.keys(args)) if (typeof args[k] !== 'string') args[k] = JSON.stringify(args[k]);
    }
  }
  // Slots holding strings, longest first; each one is cut by what is still over.
  for (let round = 0; round < 8 && size > budget; round++) {
    const slots = stringSlots(payload).sort((a, b) => b.length - a.length);
    for (const slot of slots) {
      if (size <= budget) break;
      const over = size - budget;
      const keep = Math.max(0, slot.length - over - 16);
      const text = slot.holder[slot.key] as string;
      slot.holder[slot.key] = `${text.slice(0, keep)}…`;
      size = Buffer.byteLength(JSON.stringify(payload), 'utf8');
    }
  }
}

function stringSlots(
  v: unknown,
  out: { holder: Record<string, unknown>; key: string; length: number }[] = [],
) {
  if (typeof v !== 'object' || v === null) return out;
  const holder = v as Record<string, unknown>;
  for (const key of Object.keys(holder)) {
    const x = holder[key];
    if (typeof x === 'string') {
      if (x.length > 64) out.push({ holder, key, length: x.length });
    } else stringSlots(x, out);
  }
  return out;
}
