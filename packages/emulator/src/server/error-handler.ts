/** The one place that writes Google's error envelope `{"error":{"code","message","status"}}`. */
import type { NextFunction, Request, Response } from 'express';
import { StoreError } from '../store/errors.js';
import { StubValidationError } from '../stubs/index.js';
import { ApiError, HTTP_STATUS_OF } from './api-error.js';
import { renderErrorPage } from './console-page.js';

/** Errors raised by express's body parsers carry `type` and `status`. */
interface BodyParserError {
  type?: unknown;
  status?: unknown;
  expected?: unknown;
  limit?: unknown;
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof StoreError)
    return new ApiError(HTTP_STATUS_OF[err.code] ?? 400, err.code, err.message, { cause: err });
  if (err instanceof StubValidationError)
    return new ApiError(400, 'INVALID_ARGUMENT', err.message, { cause: err });
  const bp = (err ?? {}) as BodyParserError;
  switch (bp.type) {
    case 'entity.too.large':
      // Google answers oversized requests with 413; INVALID_ARGUMENT (not RESOURCE_EXHAUSTED)
      // because retrying the same request cannot succeed.
      return new ApiError(
        413,
        'INVALID_ARGUMENT',
        `Request payload size exceeds the limit: ${String(bp.limit)} bytes.`,
        { cause: err },
      );
    case 'entity.parse.failed':
      return new ApiError(
        400,
        'INVALID_ARGUMENT',
        `Invalid JSON payload received. ${(err as Error).message}`,
        { cause: err },
      );
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError(400, 'INVALID_ARGUMENT', (err as Error).message, { cause: err });
    case 'request.aborted':
    case 'request.size.invalid':
      return new ApiError(400, 'INVALID_ARGUMENT', (err as Error).message, { cause: err });
    default:
      break;
  }
  if (typeof bp.status === 'number' && bp.status >= 400 && bp.status < 500) {
    return new ApiError(bp.status, 'INVALID_ARGUMENT', err instanceof Error ? err.message : String(err), {
      cause: err,
    });
  }
  return new ApiError(
    500,
    'INTERNAL',
    `Internal error: ${err instanceof Error ? err.message : String(err)}`,
    { cause: err },
  );
}

/**
 * Messages quote the caller's input where it helps; the places that quote cut it to an
 * excerpt, and this cap catches the rest so no error answer grows with the input.
 */
const MAX_MESSAGE_CHARS = 4000;

function readable(message: string): string {
  if (message.length <= MAX_MESSAGE_CHARS) return message;
  return `${message.slice(0, MAX_MESSAGE_CHARS)}… (message cut; ${message.length} characters)`;
}

export function createErrorHandler(onInternalError?: (err: unknown) => void) {
  return (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const e = toApiError(err);
    if (e.code >= 500) onInternalError?.(err);
    if (req.path.startsWith('/console/')) {
      res
        .status(e.code)
        .type('html')
        .send(renderErrorPage(e.code, e.status, readable(e.message)));
      return;
    }
    res.status(e.code).json({ error: { code: e.code, message: readable(e.message), status: e.status } });
  };
}
