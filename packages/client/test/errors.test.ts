import './setup.js';
import { GoogleError, googleAuthLibrary, Status } from 'google-gax';
import { describe, expect, it } from 'vitest';
import {
  apiStatusOf,
  ExecutionNotFoundError,
  mapApiError,
  statusFromHttp,
  WorkflowError,
  WorkflowExecutionError,
  WorkflowNotFoundError,
} from '../src/errors.js';

// The gaxios copy google-auth-library uses, which is the one that throws through PassThroughClient.
const { GaxiosError } = googleAuthLibrary.gaxios;

/** A GaxiosError exactly as gaxios builds it for a non-2xx streamed response (PassThroughClient path). */
function gaxiosHttpError(status: number, body: unknown): Error {
  const config = {
    url: new URL('http://127.0.0.1:1/v1/x?'),
    method: 'GET',
    responseType: 'stream' as const,
    headers: new Headers(),
  };
  const response = {
    status,
    statusText: 'Error',
    ok: false,
    // As observed against the emulator: gaxios reads the stream into `data`, builds the message from
    // it, then the GaxiosError constructor drops `data` (bodyUsed is false on the fetch Response).
    bodyUsed: false,
    headers: new Headers({ 'content-type': 'application/json' }),
    data: typeof body === 'string' ? body : JSON.stringify(body),
    config,
  };
  // @internal in gaxios's typings, but it is what gaxios calls to build the error.
  const extract = (
    GaxiosError as unknown as { extractAPIErrorFromResponse: (res: unknown, fallback: string) => unknown }
  ).extractAPIErrorFromResponse;
  const info = extract(response, `Request failed with status code ${status}`) as
    { message?: string } | undefined;
  return new GaxiosError(info?.message ?? 'failed', config, response as never, info);
}

/** A GaxiosError for a transport failure (no response). */
function gaxiosConnectionError(): Error {
  const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
  return new GaxiosError(cause.message, { url: new URL('http://127.0.0.1:1/') } as never, undefined, cause);
}

const context = { workflowName: 'wf', projectId: 'proj', location: 'us-central1' };

describe('apiStatusOf', () => {
  it('reads a GaxiosError by its HTTP status, refined by the status name in the body', () => {
    const notFound = gaxiosHttpError(404, { error: { code: 404, message: 'gone', status: 'NOT_FOUND' } });
    expect((notFound as { code?: unknown }).code).toBe(404); // what gaxios sets: the HTTP status, not a gRPC code
    expect((notFound as { response?: { data?: unknown } }).response?.data).toBeUndefined();
    expect(notFound.message).toBe('{"error":{"code":404,"message":"gone","status":"NOT_FOUND"}}');
    expect(apiStatusOf(notFound)).toBe('NOT_FOUND');
    expect(
      apiStatusOf(
        gaxiosHttpError(400, { error: { code: 400, message: 'x', status: 'FAILED_PRECONDITION' } }),
      ),
    ).toBe('FAILED_PRECONDITION');
    expect(apiStatusOf(gaxiosHttpError(404, 'not json'))).toBe('NOT_FOUND');
    expect(apiStatusOf(gaxiosHttpError(503, ''))).toBe('UNAVAILABLE');
  });

  it('reads a GoogleError by its gRPC code', () => {
    const decoded = GoogleError.parseHttpError({
      error: { code: 404, message: 'gone', status: 'NOT_FOUND' },
    });
    expect(decoded.code).toBe(Status.NOT_FOUND);
    expect(apiStatusOf(decoded)).toBe('NOT_FOUND');
    const grpc = Object.assign(new GoogleError('3 INVALID_ARGUMENT: bad'), { code: Status.INVALID_ARGUMENT });
    expect(apiStatusOf(grpc)).toBe('INVALID_ARGUMENT');
    // Without a status name, gax maps the HTTP code: 429 → RESOURCE_EXHAUSTED (8).
    expect(apiStatusOf(GoogleError.parseHttpError({ error: { code: 429, message: 'slow down' } }))).toBe(
      'RESOURCE_EXHAUSTED',
    );
  });

  it('gives nothing for errors that did not come from the API', () => {
    expect(apiStatusOf(gaxiosConnectionError())).toBeUndefined();
    expect(apiStatusOf(new Error('404 NOT_FOUND'))).toBeUndefined(); // message text is never read
    expect(apiStatusOf('NOT_FOUND')).toBeUndefined();
  });

  it('maps HTTP statuses as google.rpc.Code documents', () => {
    expect([400, 401, 403, 404, 409, 429, 499, 500, 501, 503, 504].map(statusFromHttp)).toEqual([
      'INVALID_ARGUMENT',
      'UNAUTHENTICATED',
      'PERMISSION_DENIED',
      'NOT_FOUND',
      'ABORTED',
      'RESOURCE_EXHAUSTED',
      'CANCELLED',
      'INTERNAL',
      'UNIMPLEMENTED',
      'UNAVAILABLE',
      'DEADLINE_EXCEEDED',
    ]);
  });
});

describe('mapApiError', () => {
  it.each([
    [
      'GaxiosError',
      () =>
        gaxiosHttpError(404, { error: { code: 404, message: 'Resource not found', status: 'NOT_FOUND' } }),
    ],
    [
      'GoogleError',
      () =>
        GoogleError.parseHttpError({
          error: { code: 404, message: 'Resource not found', status: 'NOT_FOUND' },
        }),
    ],
  ])(
    'NOT_FOUND on invoke (%s) is WorkflowNotFoundError naming workflow, project and location',
    (_kind, make) => {
      const original = make();
      const error = mapApiError(original, { ...context, operation: 'invoke' });
      expect(error).toBeInstanceOf(WorkflowNotFoundError);
      expect(error).toBeInstanceOf(WorkflowError);
      expect(error.message).toContain("'wf'");
      expect(error.message).toContain("'proj'");
      expect(error.message).toContain("'us-central1'");
      expect(error.cause).toBe(original);
      expect(error).toMatchObject({ workflowName: 'wf', projectId: 'proj', location: 'us-central1' });
    },
  );

  it('NOT_FOUND on get or cancel is ExecutionNotFoundError, a WorkflowExecutionError', () => {
    for (const operation of ['get', 'cancel'] as const) {
      const original = gaxiosHttpError(404, {
        error: { code: 404, message: 'no such execution', status: 'NOT_FOUND' },
      });
      const error = mapApiError(original, { ...context, operation, executionId: 'e-1' });
      expect(error).toBeInstanceOf(ExecutionNotFoundError);
      expect(error).toBeInstanceOf(WorkflowExecutionError);
      expect(error).toMatchObject({ executionId: 'e-1', status: 'NOT_FOUND', cause: original });
      expect(error.message).toContain("'e-1'");
    }
  });

  it('anything else is WorkflowExecutionError with the original as cause and its status', () => {
    const original = gaxiosHttpError(400, {
      error: { code: 400, message: 'argument too large', status: 'INVALID_ARGUMENT' },
    });
    const error = mapApiError(original, { ...context, operation: 'invoke' });
    expect(error.constructor).toBe(WorkflowExecutionError);
    expect(error).toMatchObject({ status: 'INVALID_ARGUMENT', cause: original });
    // The service's own message, not gaxios's raw JSON body.
    expect(error.message).toBe("Failed to invoke workflow 'wf': [INVALID_ARGUMENT] argument too large");
  });

  it('a transport failure is WorkflowExecutionError without a status', () => {
    const original = gaxiosConnectionError();
    const error = mapApiError(original, { ...context, operation: 'get', executionId: 'e' });
    expect(error.constructor).toBe(WorkflowExecutionError);
    expect((error as WorkflowExecutionError).status).toBeUndefined();
    expect(error.cause).toBe(original);
  });

  it('never maps by message text: a 500 whose message says NOT_FOUND stays an execution error', () => {
    const original = GoogleError.parseHttpError({
      error: { code: 500, message: '404 NOT_FOUND', status: 'INTERNAL' },
    });
    expect(mapApiError(original, { ...context, operation: 'invoke' }).constructor).toBe(
      WorkflowExecutionError,
    );
  });
});
