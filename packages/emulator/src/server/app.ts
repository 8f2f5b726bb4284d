/**
 * `createApp(deps)` builds the express app and never listens (supertest drives it directly;
 * `startEmulator` adds the socket).
 */
import express from 'express';
import { createStubsRouter } from './stubs-routes.js';
import { createAdminRouter } from './admin.js';
import { createDirectRunsRouter } from './direct-runs.js';
import { notFound } from './api-error.js';
import { createAppDeps, type AppDeps, type CreateAppDepsOptions } from './deps.js';
import { createErrorHandler } from './error-handler.js';
import { createEventStreamRouter, type EventStreamOptions } from './event-stream.js';
import { createLogsRouter } from './logs-routes.js';
import { ExecutionsService } from './executions-service.js';
import { createRequestGuard } from './request-guard.js';
import { dispatch } from './router.js';
import { registerChildExecutions } from './child-executions.js';
import { v1Routes } from './routes/v1.js';
import { createUiApiRouter } from './ui-api.js';
import { createUiRouter } from './ui-static.js';
import { WorkflowsService } from './workflows-service.js';

export interface Services {
  workflows: WorkflowsService;
  executions: ExecutionsService;
}

export function createServices(deps: AppDeps): Services {
  const workflows = new WorkflowsService(deps);
  const executions = new ExecutionsService(deps, workflows);
  registerChildExecutions(deps, executions);
  return { workflows, executions };
}

export interface CreateAppOptions {
  /** Called with unexpected errors (500s), e.g. to print them in the CLI. */
  onInternalError?: (err: unknown) => void;
  /** The services the routes use; `startEmulator` shares its own so there is one scheduler. */
  services?: Services;
  /** Limits of the live event stream (`GET /emulator/v1/events`). */
  eventStream?: EventStreamOptions;
}

/** Accepts ready-made deps, or options for `createAppDeps` (so a test is one line: `createApp()`). */
export function createApp(
  deps: AppDeps | CreateAppDepsOptions = {},
  options: CreateAppOptions = {},
): express.Express {
  const d = isAppDeps(deps) ? deps : createAppDeps(deps);
  const svc = options.services ?? createServices(d);
  const app = express();
  app.disable('x-powered-by');
  // ETags cost a hash per response and the official clients never send If-None-Match.
  app.set('etag', false);
  app.set('query parser', 'simple');

  // Before everything else: foreign origins and unknown Host names drive nothing.
  app.use(createRequestGuard({ baseUrl: () => d.config.baseUrl, acceptHosts: () => d.config.acceptHosts }));
  // Mounted before the raw-body parser: the stubs router parses its own JSON bodies.
  app.use(createStubsRouter(d.stubs, d.stepMocks));
  app.use(createAdminRouter(d, svc.executions));
  app.use(createDirectRunsRouter(d, svc));
  app.use(createLogsRouter(d));

  app.use(createUiApiRouter(d));
  app.use(createEventStreamRouter(d, options.eventStream));
  app.use(createUiRouter(d, svc.executions));

  // Raw bytes for every /v1 route: routes parse JSON themselves (so a malformed body is a
  // Google-style INVALID_ARGUMENT), and callback requests need the body as sent.
  app.use('/v1', express.raw({ type: () => true, limit: d.config.maxBodyBytes }));
  app.use('/v1', dispatch(v1Routes(d, svc)));

  app.use((req, _res, next) => {
    next(notFound(`The requested URL ${req.originalUrl.split('?')[0]} was not found on this server.`));
  });
  app.use(createErrorHandler(options.onInternalError));
  return app;
}

function isAppDeps(x: AppDeps | CreateAppDepsOptions): x is AppDeps {
  return 'config' in x && 'runtime' in x && 'store' in x;
}
