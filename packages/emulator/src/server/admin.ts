/** The emulator's own API under `/emulator/v1` (the stubs router adds `/stubs` and `/requests`). */
import express from 'express';
import type { AppDeps } from './deps.js';
import { failedPrecondition } from './api-error.js';
import type { ExecutionsService } from './executions-service.js';
import { publishWorkflow } from './live-events.js';
import { retentionInfo } from './retention.js';
import { formatDuration, formatTimestamp } from './wire.js';

/** Clears workflows, executions (cancelling running ones), operations, callbacks, stubs, step mocks, the request log and the logs. */
export function resetEmulator(deps: AppDeps, executions: ExecutionsService): void {
  executions.cancelAll();
  // Watchers of the live event stream learn that every workflow (and so its executions) is gone.
  for (const w of deps.store.workflows.all())
    publishWorkflow(deps.events, deps.files, w.key.project, w, 'deleted');
  deps.store.executions.clear();
  deps.store.workflows.clear();
  deps.store.operations.clear();
  deps.runtime.callbacks.clear();
  deps.stubs.reset();
  deps.stepMocks.clear();
  deps.files.clear();
  deps.logs.clear();
}

function coverageOf(deps: AppDeps): NonNullable<AppDeps['coverage']> {
  if (!deps.coverage) {
    throw failedPrecondition(
      'workflow coverage is off: start the emulator with --coverage DIR (or the coverage option) to collect it',
    );
  }
  return deps.coverage;
}

export function emulatorInfo(deps: AppDeps): Record<string, unknown> {
  const uptimeMs = Date.now() - deps.startedAt;
  const { rss, heapUsed } = process.memoryUsage();
  return {
    version: deps.config.version,
    project: deps.config.projectId,
    projectNumber: deps.config.projectNumber,
    location: deps.config.location,
    url: deps.config.baseUrl,
    startTime: formatTimestamp(deps.startedAt),
    uptime: formatDuration(uptimeMs),
    uptimeSeconds: uptimeMs / 1000,
    // What is kept of finished executions, operations, revisions and the request log, and how
    // much was evicted since the start or the last reset (--retain-*).
    retention: retentionInfo(deps),
    // The process as a whole (several emulators in one process share it).
    memory: { rssBytes: rss, heapUsedBytes: heapUsed },
  };
}

export function createAdminRouter(deps: AppDeps, executions: ExecutionsService): express.Router {
  const router = express.Router();
  router.post('/emulator/v1/reset', (_req, res) => {
    resetEmulator(deps, executions);
    res.json({});
  });
  router.get('/emulator/v1/info', (_req, res) => {
    res.json(emulatorInfo(deps));
  });
  // Workflow coverage as Istanbul's coverage object (what `coverage-final.json` holds).
  router.get('/emulator/v1/coverage', (_req, res) => {
    res.json(coverageOf(deps).toJSON());
  });
  // Sets every count to zero; the workflows stay listed with zeros.
  router.delete('/emulator/v1/coverage', (_req, res) => {
    coverageOf(deps).reset();
    res.json({});
  });
  return router;
}
