/**
 * Runs the pipeline service: `pnpm start`. PORT (default 3000), DATABASE_PATH (default
 * data/data-jobs.sqlite, relative to the working directory: `pnpm start` runs in
 * examples/data-pipeline), STATUS_CHECK_INTERVAL_MS (default 5 minutes). With
 * WORKFLOWS_EMULATOR_HOST set the client talks to workflows-emulator, otherwise to Google.
 */
import { inspect } from 'node:util';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { EMULATOR_HOST_ENV } from '@workflows-kit/client';
import { createApp } from './app.js';
import { DataJobStore, openDatabase } from './db.js';
import { DEFAULT_INTERVAL_MS, StatusChecker } from './status-checker.js';
import { DataPipelineWorkflow } from './workflows.js';

const port = Number(process.env['PORT'] ?? 3000);
const host = process.env['HOST'] ?? '127.0.0.1';
const intervalMs = Number(process.env['STATUS_CHECK_INTERVAL_MS'] ?? DEFAULT_INTERVAL_MS);
const databasePath = process.env['DATABASE_PATH'] ?? 'data/data-jobs.sqlite';
mkdirSync(dirname(databasePath), { recursive: true });
const db = openDatabase(databasePath);
const workflow = new DataPipelineWorkflow();

const checker = new StatusChecker({
  jobs: new DataJobStore(db),
  workflow,
  intervalMs,
  onRun: (report) => {
    if (report.error !== undefined) {
      const reason = report.error instanceof Error ? report.error.message : inspect(report.error);
      console.warn(
        `status check failed (${report.consecutiveFailures}x): ${reason}; next in ${report.nextDelayMs / 1000}s`,
      );
    } else if (report.checked > 0) {
      console.log(
        `status check: ${report.checked} checked, ${report.finished} finished, ${report.missing} missing`,
      );
    }
  },
});

const app = createApp({ db, workflow });
const server = app.listen(port, host, (error?: Error) => {
  if (error) throw error;
  const target =
    workflow.endpoint.kind === 'emulator'
      ? `workflows-emulator at ${workflow.endpoint.url}`
      : `Google Cloud Workflows (set ${EMULATOR_HOST_ENV} to use the emulator)`;
  const base = `http://${host}:${port}`;
  console.log(`data-pipeline service on ${base}, invoking ${target}`);
  console.log(
    databasePath === ':memory:'
      ? 'data jobs kept in memory until the service stops'
      : `data jobs stored in ${resolve(databasePath)} (to start clean, stop the service and delete it with its -wal and -shm files)`,
  );
  console.log(`status checker every ${intervalMs / 1000}s`);
  console.log(
    `  curl -X POST ${base}/data-jobs -d dataset_id=sales-2024 -d notification_email=ops@example.com`,
  );
  console.log(`  curl ${base}/data-jobs`);
  checker.start();
});

function shutdown(): void {
  void checker.stop().then(() => server.close(() => db.close()));
}
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
