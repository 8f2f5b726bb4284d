import type { protos } from '@google-cloud/workflows';

type ProtoExecution = protos.google.cloud.workflows.executions.v1.IExecution;

/**
 * An Execution as the official client decodes it (proto object) or as REST JSON: timestamps and
 * durations may be text, the state a name or a number.
 */
export type ExecutionInput = Omit<ProtoExecution, 'startTime' | 'endTime' | 'duration' | 'state'> & {
  readonly startTime?: TimestampInput;
  readonly endTime?: TimestampInput;
  readonly duration?: TimestampInput;
  readonly state?: unknown;
};

export const EXECUTION_STATES = [
  'STATE_UNSPECIFIED',
  'ACTIVE',
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
  'UNAVAILABLE',
  'QUEUED',
] as const;

/** Execution states, by the names of the v1 enum (its numbers are the array indices). */
export type ExecutionState = (typeof EXECUTION_STATES)[number];

/** States an execution never leaves. UNAVAILABLE is included: it needs an operator, not more polling. */
export const TERMINAL_STATES: ReadonlySet<ExecutionState> = new Set([
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
  'UNAVAILABLE',
]);

export function isTerminalState(state: ExecutionState): boolean {
  return TERMINAL_STATES.has(state);
}

/** What `invoke()` returns: the execution just created. */
export interface WorkflowExecution {
  /** The execution ID: the last segment of `name`. */
  readonly id: string;
  /** Full resource name: `projects/{project}/locations/{location}/workflows/{workflow}/executions/{id}`. */
  readonly name: string;
  /** The workflow revision the execution runs (django-gcp's `workflow`; the same as `workflowRevisionId`). */
  readonly workflow: string;
  /** The workflow revision the execution runs, e.g. `000001-a4d`; empty when the service did not say. */
  readonly workflowRevisionId: string;
  readonly state: ExecutionState;
  /** Absent only while an execution is QUEUED. */
  readonly startTime: Date | undefined;
  /** The arguments as the service stored them, parsed from JSON; `undefined` when none were sent or not returned (BASIC view). */
  readonly argument: unknown;
  readonly labels: Readonly<Record<string, string>>;
}

export interface StackTraceElement {
  readonly step: string;
  readonly routine: string;
  readonly position: { readonly line: number; readonly column: number; readonly length: number } | undefined;
}

/** The error of a FAILED (or CANCELLED) execution. */
export interface ExecutionErrorInfo {
  /** The error value, parsed from the service's JSON text: usually a map `{message, tags, ...}`. */
  readonly payload: unknown;
  /** `payload.message` when it is a map with a string message, a raised string itself, else the first line of `context`. */
  readonly message: string;
  /** `payload.tags`, e.g. `['HttpError']`; empty when the payload has none. */
  readonly tags: readonly string[];
  /** Human-readable text: the message, then one `in step "...", routine "...", line: N` per frame. */
  readonly context: string;
  readonly stackTrace: readonly StackTraceElement[];
}

export interface StepRef {
  readonly routine: string;
  readonly step: string;
}

/** What `getExecutionStatus()` returns. */
export interface ExecutionStatus<TResult = unknown> extends WorkflowExecution {
  /** Set once the execution reached a terminal state. */
  readonly endTime: Date | undefined;
  /** Milliseconds (possibly fractional) the execution ran, or has run so far. */
  readonly duration: number | undefined;
  /** The workflow's return value, parsed from JSON; only when SUCCEEDED. */
  readonly result: TResult | undefined;
  readonly error: ExecutionErrorInfo | undefined;
  /** The step(s) running now, or running when the execution ended. */
  readonly currentSteps: readonly StepRef[];
  /** Why the state is UNAVAILABLE, when it is. */
  readonly stateError: { readonly type: string; readonly details: string } | undefined;
}

interface LongLike {
  toString(): string;
}

type TimestampInput =
  string | { seconds?: number | string | LongLike | null; nanos?: number | null } | null | undefined;

function toNumber(value: number | string | LongLike | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : Number(value.toString());
}

/** A proto Timestamp (`{seconds, nanos}`, as gax decodes it) or RFC 3339 text (REST JSON). */
export function toDate(value: TimestampInput): Date | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (typeof value === 'string') {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  if ((value.seconds === null || value.seconds === undefined) && !value.nanos) return undefined;
  return new Date(toNumber(value.seconds) * 1000 + Math.floor((value.nanos ?? 0) / 1e6));
}

/** A proto Duration (`{seconds, nanos}`) or its JSON text (`"1.5s"`), in milliseconds. */
export function toDurationMs(value: TimestampInput): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (typeof value === 'string') {
    const match = /^(-?\d+(?:\.\d+)?)s$/.exec(value);
    return match ? Number(match[1]) * 1000 : undefined;
  }
  if (
    (value.seconds === null || value.seconds === undefined) &&
    (value.nanos === null || value.nanos === undefined)
  ) {
    return undefined;
  }
  return toNumber(value.seconds) * 1000 + (value.nanos ?? 0) / 1e6;
}

export function toState(value: unknown): ExecutionState {
  if (typeof value === 'number') return EXECUTION_STATES[value] ?? 'STATE_UNSPECIFIED';
  if (typeof value === 'string' && (EXECUTION_STATES as readonly string[]).includes(value)) {
    return value as ExecutionState;
  }
  return 'STATE_UNSPECIFIED';
}

/** JSON text from the service → value; the raw text if it somehow is not JSON. Empty → undefined. */
export function parseJsonText(text: string | null | undefined): unknown {
  if (text === null || text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function executionIdFromName(name: string): string {
  const index = name.lastIndexOf('/');
  return index === -1 ? name : name.slice(index + 1);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toErrorInfo(error: ExecutionInput['error']): ExecutionErrorInfo | undefined {
  if (!error) return undefined;
  const payloadText = error.payload ?? '';
  const context = error.context ?? '';
  const elements = error.stackTrace?.elements ?? [];
  // gax fills absent message fields with defaults, so an "error" of empty strings means none.
  if (payloadText === '' && context === '' && elements.length === 0) return undefined;
  const payload = parseJsonText(payloadText);
  let message: string;
  if (isRecord(payload) && typeof payload['message'] === 'string') message = payload['message'];
  else if (typeof payload === 'string') message = payload;
  else message = context.split('\n', 1)[0] ?? '';
  const rawTags = isRecord(payload) ? payload['tags'] : undefined;
  const tags = Array.isArray(rawTags) ? rawTags.filter((tag): tag is string => typeof tag === 'string') : [];
  return {
    payload,
    message,
    tags,
    context,
    stackTrace: elements.map((element) => ({
      step: element.step ?? '',
      routine: element.routine ?? '',
      position: element.position
        ? {
            line: toNumber(element.position.line),
            column: toNumber(element.position.column),
            length: toNumber(element.position.length),
          }
        : undefined,
    })),
  };
}

const STATE_ERROR_TYPES = ['TYPE_UNSPECIFIED', 'KMS_ERROR'] as const;

/**
 * An Execution as the official client returns it (proto object, enums as names or numbers, int64
 * as strings or Longs, unset fields as defaults) or as REST JSON → `ExecutionStatus`.
 */
export function toExecutionStatus<TResult = unknown>(execution: ExecutionInput): ExecutionStatus<TResult> {
  const name = execution.name ?? '';
  const revision = execution.workflowRevisionId ?? '';
  const stateError = execution.stateError;
  return {
    id: executionIdFromName(name),
    name,
    workflow: revision,
    workflowRevisionId: revision,
    state: toState(execution.state),
    startTime: toDate(execution.startTime),
    argument: parseJsonText(execution.argument),
    labels: { ...(execution.labels ?? {}) },
    endTime: toDate(execution.endTime),
    duration: toDurationMs(execution.duration),
    result: parseJsonText(execution.result) as TResult | undefined,
    error: toErrorInfo(execution.error),
    currentSteps: (execution.status?.currentSteps ?? []).map((step) => ({
      routine: step.routine ?? '',
      step: step.step ?? '',
    })),
    stateError:
      stateError && (stateError.details || (stateError.type && stateError.type !== 'TYPE_UNSPECIFIED'))
        ? {
            type:
              typeof stateError.type === 'number'
                ? (STATE_ERROR_TYPES[stateError.type] ?? String(stateError.type))
                : (stateError.type ?? 'TYPE_UNSPECIFIED'),
            details: stateError.details ?? '',
          }
        : undefined,
  };
}

/** The subset `invoke()` returns (django-gcp's `WorkflowExecution`). */
export function toWorkflowExecution(execution: ExecutionInput): WorkflowExecution {
  const { id, name, workflow, workflowRevisionId, state, startTime, argument, labels } =
    toExecutionStatus(execution);
  return { id, name, workflow, workflowRevisionId, state, startTime, argument, labels };
}
