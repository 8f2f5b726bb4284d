/**
 * The stub admin API, mounted by the server at its root:
 *
 *   POST   /emulator/v1/stubs         one stub or an array -> the created stub(s)
 *   GET    /emulator/v1/stubs         {stubs: [...]}
 *   GET    /emulator/v1/stubs/:id     one stub
 *   DELETE /emulator/v1/stubs         all stubs
 *   DELETE /emulator/v1/stubs/:id     one stub (404 if unknown)
 *   GET    /emulator/v1/requests      {requests: [...]}, filterable by executionId, workflowId, stubId, kind, outcome;
 *                                      credentials redacted unless ?raw=true
 *   DELETE /emulator/v1/requests      clears the log
 *
 *   POST   /emulator/v1/stepMocks     one step mock or an array -> the registered mock(s)
 *   GET    /emulator/v1/stepMocks     {stepMocks: [...]}
 *   GET    /emulator/v1/stepMocks/:id one step mock
 *   DELETE /emulator/v1/stepMocks     all step mocks
 *   DELETE /emulator/v1/stepMocks/:id one step mock (404 if unknown)
 *
 * Errors are thrown as ApiError for the server's one error handler.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { ApiError, invalidArgument, notFound } from './api-error.js';
import { StubValidationError } from '../stubs/schema.js';
import type { RecordedRequest, StubRegistry } from '../stubs/registry.js';
import { StepMockError, type StepMocks } from '../runtime/step-mocks.js';

/** Largest stub registration body. */
export const MAX_STUB_REQUEST_BYTES = 10 * 1024 * 1024;

// `type: () => true`: `curl -d` sends application/x-www-form-urlencoded; the admin API only speaks JSON.
const jsonBody = express.json({ limit: MAX_STUB_REQUEST_BYTES, type: () => true });

export function parseBodyIfNeeded(req: Request, res: Response, next: NextFunction): void {
  if (req.body !== undefined) {
    next();
    return;
  }
  jsonBody(req, res, (err?: unknown) => {
    if (!err) next();
    else if ((err as { type?: unknown }).type === 'entity.too.large')
      // As the /v1 routes answer an oversized request: 413, not "not valid JSON".
      next(
        new ApiError(
          413,
          'INVALID_ARGUMENT',
          `Request payload size exceeds the limit: ${MAX_STUB_REQUEST_BYTES} bytes.`,
          {
            cause: err,
          },
        ),
      );
    else next(invalidArgument(`request body is not valid JSON: ${(err as Error).message}`, { cause: err }));
  });
}

const REQUEST_FILTERS = ['executionId', 'workflowId', 'stubId', 'stepMockId', 'kind', 'outcome'] as const;

export function createStubsRouter(stubs: StubRegistry, stepMocks?: StepMocks): express.Router {
  const router = express.Router();
  if (stepMocks) addStepMockRoutes(router, stepMocks);

  router.post('/emulator/v1/stubs', parseBodyIfNeeded, (req, res) => {
    const body: unknown = req.body;
    if (body === undefined || body === null || typeof body !== 'object') {
      throw invalidArgument('expected a stub object or an array of stubs as the JSON body');
    }
    try {
      if (Array.isArray(body)) res.json(stubs.addAll(body));
      else res.json(stubs.add(body));
    } catch (err) {
      if (err instanceof StubValidationError) throw invalidArgument(err.message, { cause: err });
      throw err;
    }
  });

  router.get('/emulator/v1/stubs', (_req, res) => {
    res.json({ stubs: stubs.list() });
  });

  router.get('/emulator/v1/stubs/:id', (req, res) => {
    const stub = stubs.list().find((s) => s.id === req.params.id);
    if (!stub) throw notFound(`stub ${req.params.id} not found`);
    res.json(stub);
  });

  router.delete('/emulator/v1/stubs', (_req, res) => {
    stubs.clear();
    res.json({});
  });

  router.delete('/emulator/v1/stubs/:id', (req, res) => {
    if (!stubs.remove(req.params.id)) throw notFound(`stub ${req.params.id} not found`);
    res.json({});
  });

  router.get('/emulator/v1/requests', (req, res) => {
    // `?raw=true` shows credentials as sent; by default they are redacted, as Google's call logs do.
    let requests: RecordedRequest[] = stubs.requests({ redact: req.query.raw !== 'true' });
    for (const f of REQUEST_FILTERS) {
      const want = req.query[f];
      if (typeof want === 'string') requests = requests.filter((r) => r[f] === want);
    }
    res.json({ requests });
  });

  router.delete('/emulator/v1/requests', (_req, res) => {
    stubs.clearRequests();
    res.json({});
  });

  return router;
}

/** The step mock routes (runtime/step-mocks.ts has the definition format). */
function addStepMockRoutes(router: express.Router, stepMocks: StepMocks): void {
  router.post('/emulator/v1/stepMocks', parseBodyIfNeeded, (req, res) => {
    const body: unknown = req.body;
    if (body === undefined || body === null || typeof body !== 'object') {
      throw invalidArgument('expected a step mock object or an array of step mocks as the JSON body');
    }
    try {
      if (Array.isArray(body)) res.json(stepMocks.addAll(body));
      else res.json(stepMocks.add(body));
    } catch (err) {
      if (err instanceof StepMockError) throw invalidArgument(err.message, { cause: err });
      throw err;
    }
  });

  router.get('/emulator/v1/stepMocks', (_req, res) => {
    res.json({ stepMocks: stepMocks.list() });
  });

  router.get('/emulator/v1/stepMocks/:id', (req, res) => {
    const mock = stepMocks.list().find((m) => m.id === req.params.id);
    if (!mock) throw notFound(`step mock ${req.params.id} not found`);
    res.json(mock);
  });

  router.delete('/emulator/v1/stepMocks', (_req, res) => {
    stepMocks.clear();
    res.json({});
  });

  router.delete('/emulator/v1/stepMocks/:id', (req, res) => {
    if (!stepMocks.remove(req.params.id)) throw notFound(`step mock ${req.params.id} not found`);
    res.json({});
  });
}
