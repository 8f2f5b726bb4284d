/**
 * The one error family the REST surface speaks. `code` is the HTTP status, `status` the
 * canonical Google status name (`NOT_FOUND`...); the error handler turns it into
 * `{"error":{"code","message","status"}}`.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: number,
    readonly status: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** HTTP status for each canonical status name (https://cloud.google.com/apis/design/errors). */
export const HTTP_STATUS_OF: Readonly<Record<string, number>> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ABORTED: 409,
  ALREADY_EXISTS: 409,
  RESOURCE_EXHAUSTED: 429,
  CANCELLED: 499,
  INTERNAL: 500,
  UNIMPLEMENTED: 501,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

/** gRPC code for each canonical status name (used in failed long-running operations). */
export const GRPC_CODE_OF: Readonly<Record<string, number>> = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
};

const make =
  (status: string) =>
  (message: string, options?: { cause?: unknown }): ApiError =>
    new ApiError(HTTP_STATUS_OF[status] ?? 500, status, message, options);

export const invalidArgument = make('INVALID_ARGUMENT');
export const failedPrecondition = make('FAILED_PRECONDITION');
export const notFound = make('NOT_FOUND');
export const alreadyExists = make('ALREADY_EXISTS');
export const resourceExhausted = make('RESOURCE_EXHAUSTED');
export const unimplemented = make('UNIMPLEMENTED');
export const internalError = make('INTERNAL');

/** Characters of a caller's input quoted in an error message. */
export const MAX_QUOTED_CHARS = 100;

/**
 * A caller's input as quoted in an error message, cut to a readable length: a 1 MB label
 * value must not come back as a 1 MB error.
 */
export function excerpt(text: string, max = MAX_QUOTED_CHARS): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length} characters)`;
}
