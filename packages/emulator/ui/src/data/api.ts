/**
 * The REST shapes the UI reads: Google's Workflows and Executions APIs (v1) and the emulator's
 * documented `/emulator/v1` endpoints. The UI uses nothing a user's own tools could not.
 */

import {
  CALL_LOG_LEVELS as API_CALL_LOG_LEVELS,
  EXECUTION_HISTORY_LEVELS,
  LIFECYCLE_STATES,
} from '../../../src/runtime/enums.js';

export type ExecutionState = (typeof LIFECYCLE_STATES)[number];
/** The states in the order an execution reaches them. */
export const EXECUTION_STATES = LIFECYCLE_STATES;

/** The levels a user can choose (every one but the unspecified value). */
export const HISTORY_LEVELS = EXECUTION_HISTORY_LEVELS.slice(1) as Exclude<
  (typeof EXECUTION_HISTORY_LEVELS)[number],
  'EXECUTION_HISTORY_LEVEL_UNSPECIFIED'
>[];
export const CALL_LOG_LEVELS = API_CALL_LOG_LEVELS.slice(1) as Exclude<
  (typeof API_CALL_LOG_LEVELS)[number],
  'CALL_LOG_LEVEL_UNSPECIFIED'
>[];

export interface EmulatorInfo {
  version: string;
  project: string;
  location: string;
  url: string;
}

/** One workflow as `GET /emulator/v1/workflows` lists it. */
export interface WorkflowSummary {
  name: string;
  location: string;
  workflowId: string;
  state: string;
  revisionId: string;
  revisionCount: number;
  createTime: string;
  updateTime: string;
  revisionCreateTime: string;
  executionCounts: Record<ExecutionState, number>;
  sourceFile?: string;
}

export interface FileProblem {
  line?: number;
  column?: number;
  message: string;
}

export interface DeployProblem {
  file: string;
  location: string;
  workflowId: string;
  time: string;
  problems: FileProblem[];
}

/** Google's Workflow resource (the fields the UI shows). */
export interface Workflow {
  name: string;
  description?: string;
  state?: string;
  revisionId: string;
  createTime?: string;
  updateTime?: string;
  revisionCreateTime?: string;
  sourceContents?: string;
  callLogLevel?: string;
  executionHistoryLevel?: string;
  labels?: Record<string, string>;
}

export interface ExecutionError {
  payload?: string;
  context?: string;
  stackTrace?: {
    elements?: { step?: string; routine?: string; position?: { line?: string; column?: string } }[];
  };
}

/** Google's Execution resource. */
export interface Execution {
  name: string;
  state: ExecutionState;
  startTime?: string;
  endTime?: string;
  duration?: string;
  createTime?: string;
  argument?: string;
  result?: string;
  error?: ExecutionError;
  workflowRevisionId?: string;
  callLogLevel?: string;
  executionHistoryLevel?: string;
  labels?: Record<string, string>;
  status?: { currentSteps?: { routine: string; step: string }[] };
}

export interface Callback {
  name: string;
  method: string;
  availablePayloads?: string[];
  waiters?: string;
}

/**
 * A step entry as the Executions API gives it
 * (https://cloud.google.com/workflows/docs/reference/executions/rest/v1/projects.locations.workflows.executions.stepEntries#StepEntry):
 * int64 fields as strings. Iterations, parallel branches, try/retry/except blocks and the steps
 * of a called subworkflow are entries of their own, nested by `navigationInfo.parent`.
 */
export interface StepEntry {
  name: string;
  entryId: string;
  routine?: string;
  step?: string;
  stepType?: string;
  state?: string;
  createTime?: string;
  updateTime?: string;
  exception?: { payload?: string };
  navigationInfo?: { children?: string[]; parent?: string; next?: string; previous?: string };
  stepEntryMetadata?: {
    progressType?: string;
    progressNumber?: string;
    threadId?: string;
    expectedIteration?: string;
  };
  /** At the detailed history level: the variables after the step. */
  variableData?: { variables?: Record<string, unknown> };
}

export { LOG_SEVERITIES } from '../../../src/values/seams.js';

/**
 * A Cloud Logging LogEntry as `GET /emulator/v1/logs` lists it
 * (https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry): `sys.log`, execution and
 * call logs.
 */
export interface LogEntry {
  logName: string;
  resource?: { type: string; labels: Record<string, string> };
  labels?: Record<string, string>;
  severity?: string;
  timestamp: string;
  insertId: string;
  textPayload?: string;
  jsonPayload?: Record<string, unknown>;
  /** Where it was written from: `function` is `routine.step`. */
  sourceLocation?: { file?: string; line?: string; function?: string };
}

export interface Stub {
  id: string;
  kind: 'http' | 'connector';
  calls: number;
  programmatic: boolean;
  method?: string;
  url?: string;
  connector?: string;
  times?: number;
  description?: string;
  status?: number;
  [field: string]: unknown;
}

export interface RecordedRequest {
  id: string;
  time: string;
  kind: 'http' | 'connector';
  method: string | null;
  url: string | null;
  connector: string | null;
  headers: Record<string, string>;
  body: unknown;
  stubId: string | null;
  /** The step mock that answered instead of the call (outcome 'mocked'). */
  stepMockId?: string;
  outcome: 'stub' | 'network' | 'blocked' | 'fault' | 'emulated' | 'replay' | 'mocked';
  status: number | null;
  error: string | null;
  executionId: string;
  workflowId: string;
  /** Location of the calling execution, when known. */
  location?: string;
  routine: string;
  step: string;
  /** The start of the response the workflow got, once the call has ended with one. */
  response?: string;
  notes?: string[];
}

export type NextNode =
  | { kind: 'step'; step: string; line: number; column: number }
  | { kind: 'end' | 'break' | 'continue'; line: number; column: number };

export interface LoopNode {
  value: string;
  index?: string;
  in?: string;
  range?: string;
  line: number;
  column: number;
  steps: StepNode[];
}

/** One step of `GET /emulator/v1/.../stepTree`. */
export interface StepNode {
  name: string | null;
  kind: 'assign' | 'call' | 'switch' | 'for' | 'parallel' | 'raise' | 'return' | 'steps' | 'try' | 'next';
  line: number;
  column: number;
  next?: NextNode;
  call?: string;
  result?: string;
  assign?: string[];
  value?: string;
  steps?: StepNode[];
  conditions?: { condition: string; line: number; column: number; next?: NextNode; body?: StepNode }[];
  for?: LoopNode;
  parallel?: {
    shared: string[];
    branches?: { name: string; line: number; column: number; steps: StepNode[] }[];
    for?: LoopNode;
  };
  try?: StepNode;
  retry?: { line: number; column: number; policy?: string };
  except?: { as?: string; line: number; column: number; steps: StepNode[] };
}

export interface RoutineNode {
  name: string;
  params: { name: string; default?: string }[];
  line: number;
  column: number;
  steps: StepNode[];
}

export interface StepTree {
  name: string;
  revisionId: string;
  sourceFile?: string;
  routines: RoutineNode[];
}

/** An error answer in Google's envelope `{"error":{"code","message","status"}}`, or a network failure. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    message: string,
    readonly code: number,
    readonly status: string,
  ) {
    super(message);
  }
}

async function errorOf(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: number; message?: string; status?: string } };
    if (body.error?.message)
      return new ApiError(body.error.message, body.error.code ?? res.status, body.error.status ?? '');
  } catch {
    // not JSON: fall through
  }
  return new ApiError(text || `${res.status} ${res.statusText}`, res.status, '');
}

/** GET/POST/DELETE a same-origin JSON endpoint; throws ApiError with the server's message. */
export async function request<T>(method: string, url: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
      // Same-origin only: the emulator's request guard refuses other origins anyway.
      credentials: 'same-origin',
    });
  } catch (err) {
    throw new ApiError(`The emulator did not answer (${(err as Error).message})`, 0, 'UNAVAILABLE');
  }
  if (!res.ok) throw await errorOf(res);
  return (await res.json()) as T;
}

export const get = <T>(url: string) => request<T>('GET', url);

/** `projects/p/locations/l/workflows/w` → its parts. */
export function parseWorkflowName(name: string): { project: string; location: string; workflowId: string } {
  const p = name.split('/');
  return { project: p[1] ?? '', location: p[3] ?? '', workflowId: p[5] ?? '' };
}

/** `projects/p/locations/l/workflows/w/executions/e` → its parts. */
export function parseExecutionName(name: string): {
  project: string;
  location: string;
  workflowId: string;
  executionId: string;
} {
  const p = name.split('/');
  return { project: p[1] ?? '', location: p[3] ?? '', workflowId: p[5] ?? '', executionId: p[7] ?? '' };
}

export const enc = encodeURIComponent;

export const workflowPath = (project: string, location: string, workflowId: string) =>
  `projects/${enc(project)}/locations/${enc(location)}/workflows/${enc(workflowId)}`;

/** The documented Callback name has `/callback/ID`; requests are delivered to `/callbacks/ID`. */
export const callbackUrl = (callbackName: string) =>
  `/v1/${callbackName.replace(/\/callback\/([^/]+)$/, '/callbacks/$1')}`;
