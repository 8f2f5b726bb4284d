import express, { type Express } from 'express';
import { z } from 'zod';
import { DataJobStore, type DataJob, type Db } from './db.js';
import { errorHandler, HttpProblem, notFoundHandler } from './errors.js';
import type { DataPipelineWorkflow } from './workflows.js';

export interface AppOptions {
  readonly db: Db;
  /** A client of the deployed `data-pipeline` workflow. */
  readonly workflow: DataPipelineWorkflow;
  /** Clock of the stored timestamps; tests pass their virtual one. */
  readonly now?: () => Date;
}

/**
 * The guide reads `request.POST['dataset_id']` and the signed-in user's e-mail; there are no
 * users here, so the address comes with the request. Form posts and JSON are both accepted.
 */
const TriggerRequestSchema = z.object({
  dataset_id: z.string().trim().min(1),
  notification_email: z.email(),
  processing_mode: z.enum(['full', 'incremental']).default('full'),
});

function jobJson(job: DataJob) {
  return {
    job_id: job.id,
    dataset_id: job.datasetId,
    execution_id: job.workflowExecutionId,
    status: job.status,
    started_at: job.startedAt,
    completed_at: job.completedAt,
    result: job.result,
    error: job.error,
    last_checked_at: job.lastCheckedAt,
  };
}

/**
 * The guide's `trigger_data_pipeline` view as an express app (never listens; see server.ts):
 *
 * - `POST /data-jobs` `{dataset_id, notification_email, processing_mode?}` invokes the
 *   workflow, stores a data job and answers `{job_id, execution_id, console_url}`.
 * - `GET /data-jobs` lists the stored jobs, newest first; `GET /data-jobs/:id` shows one, as the
 *   status checker last updated it.
 */
export function createApp({ db, workflow, now }: AppOptions): Express {
  const jobs = new DataJobStore(db, now ? { now } : {});
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json());
  app.use(express.urlencoded({ extended: false }));

  app.post('/data-jobs', async (req, res) => {
    const parsed = TriggerRequestSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw new HttpProblem(400, 'INVALID_REQUEST', z.prettifyError(parsed.error));
    const { dataset_id, notification_email, processing_mode } = parsed.data;
    const execution = await workflow.invoke({ dataset_id, processing_mode, notification_email });
    const job = jobs.create({
      datasetId: dataset_id,
      workflowExecutionId: execution.id,
      status: execution.state,
      startedAt: execution.startTime,
    });
    res
      .status(201)
      .location(`/data-jobs/${job.id}`)
      .json({
        job_id: job.id,
        execution_id: execution.id,
        console_url: workflow.getConsoleUrl(execution.id),
      });
  });

  app.get('/data-jobs', (_req, res) => {
    res.json({ jobs: jobs.list().map(jobJson) });
  });

  app.get('/data-jobs/:id', (req, res) => {
    const id = /^[1-9]\d{0,15}$/.test(req.params.id) ? Number(req.params.id) : undefined;
    const job = id === undefined ? undefined : jobs.get(id);
    if (job === undefined) throw new HttpProblem(404, 'JOB_NOT_FOUND', `No data job '${req.params.id}'`);
    res.json(jobJson(job));
  });

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
