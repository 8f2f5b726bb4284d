import type { ExecutionStatus } from './execution.js';

/**
 * Canonical Google API status names (google.rpc.Code). Errors from the official client arrive
 * either as a `GaxiosError` carrying an HTTP status (REST transport with a pass-through auth
 * client) or as a `GoogleError` carrying a gRPC code; both are reduced to one of these names.
 */
export type ApiStatus =
  | 'OK'
  | 'CANCELLED'
  | 'UNKNOWN'
  | 'INVALID_ARGUMENT'
  | 'DEADLINE_EXCEEDED'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'PERMISSION_DENIED'
  | 'RESOURCE_EXHAUSTED'
  | 'FAILED_PRECONDITION'
  | 'ABORTED'
  | 'OUT_OF_RANGE'
  | 'UNIMPLEMENTED'
  | 'INTERNAL'
  | 'UNAVAILABLE'
  | 'DATA_LOSS'
  | 'UNAUTHENTICATED';

/** Base class of every error this package throws. */
export class WorkflowError extends Error {
  override name = 'WorkflowError';
  /** A stable, machine-readable code (the class name in SCREAMING_SNAKE_CASE). */
  readonly code: string = 'WORKFLOW_ERROR';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The workflow name, location or project could not be determined, or an option is malformed. */
export class WorkflowConfigurationError extends WorkflowError {
  override name = 'WorkflowConfigurationError';
  override readonly code = 'WORKFLOW_CONFIGURATION_ERROR';
}

/** The arguments cannot be sent: not JSON-serialisable, too large, or rejected by `argsSchema`. */
export class InvalidWorkflowArgumentsError extends WorkflowError {
  override name = 'InvalidWorkflowArgumentsError';
  override readonly code = 'INVALID_WORKFLOW_ARGUMENTS';
  /** Where in the arguments the problem is, as a path of keys and indices (empty: the top level). */
  readonly path: readonly (string | number)[];

  constructor(message: string, options?: { cause?: unknown; path?: readonly (string | number)[] }) {
    super(message, options);
    this.path = options?.path ?? [];
  }
}

interface WorkflowRef {
  readonly workflowName: string;
  readonly projectId: string;
  readonly location: string;
}

/** The workflow does not exist in that project and location (the service answered NOT_FOUND). */
export class WorkflowNotFoundError extends WorkflowError {
  override name = 'WorkflowNotFoundError';
  override readonly code = 'WORKFLOW_NOT_FOUND';
  readonly workflowName: string;
  readonly projectId: string;
  readonly location: string;

  constructor(ref: WorkflowRef, options?: { cause?: unknown }) {
    super(
      `Workflow '${ref.workflowName}' was not found in project '${ref.projectId}', location '${ref.location}'. ` +
        'Check that it is deployed there (the name and region must match exactly).',
      options,
    );
    this.workflowName = ref.workflowName;
    this.projectId = ref.projectId;
    this.location = ref.location;
  }
}

/** A call to the Executions API failed; the original error is `cause`. */
export class WorkflowExecutionError extends WorkflowError {
  override name = 'WorkflowExecutionError';
  override readonly code: string = 'WORKFLOW_EXECUTION_ERROR';
  /** The canonical status of the failed call, when the failure came from the API. */
  readonly status: ApiStatus | undefined;
  /** The execution concerned, when there is one. */
  readonly executionId: string | undefined;

  constructor(message: string, options?: { cause?: unknown; status?: ApiStatus; executionId?: string }) {
    super(message, options);
    this.status = options?.status;
    this.executionId = options?.executionId;
  }
}

/** No execution with that ID exists for the workflow (the service answered NOT_FOUND). */
export class ExecutionNotFoundError extends WorkflowExecutionError {
  override name = 'ExecutionNotFoundError';
  override readonly code = 'EXECUTION_NOT_FOUND';
}

/** `run()` or a caller of `waitForCompletion()` found the execution FAILED, CANCELLED or UNAVAILABLE. */
export class WorkflowExecutionFailedError extends WorkflowError {
  override name = 'WorkflowExecutionFailedError';
  override readonly code = 'WORKFLOW_EXECUTION_FAILED';
  readonly status: ExecutionStatus;

  constructor(status: ExecutionStatus, options?: { cause?: unknown }) {
    const detail = status.error?.message ? `: ${status.error.message}` : '';
    super(`Execution '${status.id}' ended in state ${status.state}${detail}`, options);
    this.status = status;
  }
}

/** `waitForCompletion()` gave up before the execution finished. */
export class WorkflowWaitTimeoutError extends WorkflowError {
  override name = 'WorkflowWaitTimeoutError';
  override readonly code = 'WORKFLOW_WAIT_TIMEOUT';
  /** The last status seen (still running). */
  readonly status: ExecutionStatus;
  readonly timeoutMs: number;

  constructor(status: ExecutionStatus, timeoutMs: number) {
    super(`Execution '${status.id}' was still ${status.state} after ${timeoutMs} ms`);
    this.status = status;
    this.timeoutMs = timeoutMs;
  }
}

/** The execution succeeded but its result does not match `resultSchema`. */
export class InvalidWorkflowResultError extends WorkflowError {
  override name = 'InvalidWorkflowResultError';
  override readonly code = 'INVALID_WORKFLOW_RESULT';
  readonly executionId: string;

  constructor(executionId: string, options: { cause: unknown }) {
    const detail = options.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(`The result of execution '${executionId}' does not match resultSchema${detail}`, options);
    this.executionId = executionId;
  }
}

const GRPC_CODE_TO_STATUS: readonly ApiStatus[] = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];

const STATUS_NAMES: ReadonlySet<string> = new Set(GRPC_CODE_TO_STATUS);

/** HTTP status → canonical status, as in google.rpc.Code's documented HTTP mapping. */
export function statusFromHttp(httpStatus: number): ApiStatus {
  switch (httpStatus) {
    case 400:
      return 'INVALID_ARGUMENT';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'ABORTED';
    case 416:
      return 'OUT_OF_RANGE';
    case 429:
      return 'RESOURCE_EXHAUSTED';
    case 499:
      return 'CANCELLED';
    case 501:
      return 'UNIMPLEMENTED';
    case 503:
      return 'UNAVAILABLE';
    case 504:
      return 'DEADLINE_EXCEEDED';
    default:
      if (httpStatus >= 200 && httpStatus < 300) return 'OK';
      if (httpStatus >= 400 && httpStatus < 500) return 'FAILED_PRECONDITION';
      if (httpStatus >= 500 && httpStatus < 600) return 'INTERNAL';
      return 'UNKNOWN';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** The status name carried in a Google error envelope (`{"error":{"status":"NOT_FOUND"}}`), if any. */
function errorEnvelope(data: unknown): Record<string, unknown> | undefined {
  let body = data;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  return isRecord(body) && isRecord(body['error']) ? body['error'] : undefined;
}

function statusFromBody(data: unknown): ApiStatus | undefined {
  const status = errorEnvelope(data)?.['status'];
  return typeof status === 'string' && STATUS_NAMES.has(status) ? (status as ApiStatus) : undefined;
}

/**
 * The response body of a GaxiosError. gax asks gaxios for a stream; on an error gaxios reads the
 * stream into text, makes that text the error's `message` and leaves `response.data` undefined.
 * The text is the service's JSON error envelope, so it is parsed as data, never matched as words.
 */
function bodyOf(error: Record<string, unknown>): unknown {
  const response = error['response'];
  if (isRecord(response) && response['data'] !== undefined && response['data'] !== null)
    return response['data'];
  return error['message'];
}

/** The service's own message, out of the envelope when there is one. */
function messageOf(error: unknown): string {
  if (isRecord(error) && isRecord(error['response'])) {
    const message = errorEnvelope(bodyOf(error))?.['message'];
    if (typeof message === 'string') return message;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * The canonical status of an error thrown by the official client, or `undefined` when the error
 * did not come from the API (connection refused, a bug, ...). Only codes are read, never message text.
 *
 * - `GaxiosError` (REST with a pass-through auth client): `response.status` is the HTTP status, and
 *   the body may carry the precise status name (400 can be INVALID_ARGUMENT or FAILED_PRECONDITION).
 *   Its `code` is the HTTP status too, or a string such as `ECONNREFUSED` for transport failures.
 * - `GoogleError` (gRPC, or REST decoded by gax): `code` is the gRPC code (0–16).
 */
export function apiStatusOf(error: unknown): ApiStatus | undefined {
  if (!isRecord(error)) return undefined;
  const response = error['response'];
  if (isRecord(response) && typeof response['status'] === 'number') {
    return statusFromBody(bodyOf(error)) ?? statusFromHttp(response['status']);
  }
  // A GaxiosError without a response is a transport failure; its `status` is then undefined.
  if (typeof error['status'] === 'number' && 'config' in error) {
    return statusFromHttp(error['status']);
  }
  const code = error['code'];
  if (typeof code === 'number' && Number.isInteger(code) && !('config' in error)) {
    return GRPC_CODE_TO_STATUS[code];
  }
  return undefined;
}

export type ApiOperation = 'invoke' | 'get' | 'cancel' | 'list';

export interface ApiErrorContext extends WorkflowRef {
  readonly operation: ApiOperation;
  readonly executionId?: string;
}

/** Turns an error from the official client into this package's error classes (never by message text). */
export function mapApiError(error: unknown, context: ApiErrorContext): WorkflowError {
  if (error instanceof WorkflowError) return error;
  const status = apiStatusOf(error);
  const original = messageOf(error);
  const { operation, executionId, workflowName } = context;
  if (status === 'NOT_FOUND') {
    if (operation === 'invoke' || operation === 'list') {
      return new WorkflowNotFoundError(context, { cause: error });
    }
    return new ExecutionNotFoundError(
      `Execution '${executionId ?? ''}' of workflow '${workflowName}' was not found ` +
        `(project '${context.projectId}', location '${context.location}')`,
      { cause: error, status, ...(executionId !== undefined && { executionId }) },
    );
  }
  const what =
    operation === 'invoke'
      ? `Failed to invoke workflow '${workflowName}'`
      : operation === 'list'
        ? `Failed to list executions of workflow '${workflowName}'`
        : operation === 'cancel'
          ? `Failed to cancel execution '${executionId ?? ''}' of workflow '${workflowName}'`
          : `Failed to get execution '${executionId ?? ''}' of workflow '${workflowName}'`;
  return new WorkflowExecutionError(`${what}: ${status ? `[${status}] ` : ''}${original}`, {
    cause: error,
    ...(status !== undefined && { status }),
    ...(executionId !== undefined && { executionId }),
  });
}
