/**
 * The one JSON error shape of the example apps (process-order and data-pipeline carry the same
 * file): `{"error": {"code": "ORDER_NOT_FOUND", "message": "Order 9 does not exist"}}`, with
 * the HTTP status on the response. `code` is a stable upper-case word a client can switch on;
 * `message` is for people.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import {
  InvalidWorkflowArgumentsError,
  WorkflowConfigurationError,
  WorkflowError,
  WorkflowNotFoundError,
} from '@workflows-kit/client';

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

/** An error with the HTTP answer it deserves; everything else is mapped in `errorHandler`. */
export class HttpProblem extends Error {
  override readonly name = 'HttpProblem';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The last route: anything no route matched. */
export const notFoundHandler: RequestHandler = (req) => {
  throw new HttpProblem(404, 'NOT_FOUND', `No route for ${req.method} ${req.path}`);
};

/**
 * Maps domain and client errors to the error shape. Express 5 forwards rejected promises from
 * async handlers here, so the routes just throw.
 */
export const errorHandler: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
  let status = 500;
  let code = 'INTERNAL';
  let message = 'Internal error';
  if (error instanceof HttpProblem) {
    ({ status, code, message } = error);
  } else if (error instanceof InvalidWorkflowArgumentsError) {
    // What the app would send does not satisfy the workflow's argument schema.
    [status, code, message] = [422, error.code, error.message];
  } else if (error instanceof WorkflowNotFoundError) {
    [status, code, message] = [503, error.code, error.message];
  } else if (error instanceof WorkflowConfigurationError) {
    [status, code, message] = [500, error.code, error.message];
  } else if (error instanceof WorkflowError) {
    // The Workflows API failed us: a gateway problem, not the caller's.
    [status, code, message] = [502, error.code, error.message];
  } else if (isBodyParserError(error)) {
    // express.json() / express.urlencoded(): malformed or oversized bodies.
    [status, code, message] = [error.status, 'INVALID_REQUEST', error.message];
  }
  if (status >= 500 && !(error instanceof WorkflowError)) console.error(error);
  const body: ErrorBody = { error: { code, message } };
  res.status(status).json(body);
};

function isBodyParserError(error: unknown): error is { status: number; message: string } {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}
