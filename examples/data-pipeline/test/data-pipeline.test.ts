import Database from 'libsql';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WorkflowExecutionError, type ExecutionStatus } from '@workflows-kit/client';
import { loadStubsFile } from '@workflows-kit/emulator';
import { createTestEnvironment, http, HttpResponse, type TestEnvironment } from '@workflows-kit/testing';
import { createApp } from '../src/app.js';
import { DataJobStore, type DataJob, type Db } from '../src/db.js';
import { StatusChecker, type CheckReport, type StatusCheckerOptions } from '../src/status-checker.js';
import { DataPipelineWorkflow } from '../src/workflows.js';
import { ManualScheduler } from './manual-scheduler.js';

const JOBS = 'https://pipeline.example.com/v1/jobs';
const NOTIFY = 'https://notify.example.com/v1/messages';
const T0 = Date.parse('2026-01-05T09:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** How the fake batch system behaves per dataset: how long a job runs, and how it ends. */
const DATASETS: Record<string, { runsFor: number; fails?: string; rows?: number }> = {
  'sales-2025': { runsFor: 2 * HOUR, rows: 120_000 },
  clickstream: { runsFor: 5 * HOUR, rows: 9_800_000 },
  'broken-feed': { runsFor: 1 * HOUR, fails: 'schema mismatch in column 7' },
  archive: { runsFor: 24 * HOUR, rows: 1 },
};

let env: TestEnvironment;
let db: Db;
let workflow: DataPipelineWorkflow;
let app: ReturnType<typeof createApp>;
let jobs: DataJobStore;

/** Batch jobs started by the workflow: job ID -> dataset and virtual start time. */
let batch: Map<string, { dataset: string; startedAt: number }>;

function pipelineStubs() {
  const start = http.post(JOBS, ({ body }) => {
    const dataset = (body as { dataset_id: string }).dataset_id;
    const jobId = `job-${dataset}`;
    batch.set(jobId, { dataset, startedAt: env.clock.now() });
    return HttpResponse.json({ job_id: jobId, state: 'RUNNING' }, { status: 201 });
  });
  const poll = http.get(`${JOBS}/:id`, ({ params }) => {
    const job = batch.get(params['id']!);
    if (!job) return HttpResponse.json({ error: 'no such job' }, { status: 404 });
    const spec = DATASETS[job.dataset]!;
    if (env.clock.now() - job.startedAt < spec.runsFor) {
      return HttpResponse.json({ state: 'RUNNING', poll_after_seconds: 1800 });
    }
    return spec.fails
      ? HttpResponse.json({ state: 'FAILED', error: spec.fails })
      : HttpResponse.json({ state: 'SUCCEEDED', rows_processed: spec.rows });
  });
  const notify = http.post(NOTIFY, () => HttpResponse.json({ message_id: 'msg-1' }));
  return { start, poll, notify };
}

beforeEach(async () => {
  env = await createTestEnvironment({
    workflowsDir: new URL('../workflows', import.meta.url),
    clock: 'manual',
    startTime: T0,
  });
  batch = new Map();
  db = new Database(':memory:');
  workflow = env.workflow(DataPipelineWorkflow);
  const now = () => env.clock.date();
  app = createApp({ db, workflow, now });
  jobs = new DataJobStore(db, { now });
});

afterEach(async () => {
  db.close();
  await env.teardown();
});

async function trigger(
  datasetId: string,
): Promise<{ job_id: number; execution_id: string; console_url: string }> {
  const res = await request(app)
    .post('/data-jobs')
    .type('form')
    .send({ dataset_id: datasetId, notification_email: 'ops@example.com' })
    .expect(201);
  return res.body;
}

/** A checker on virtual time, with a way to wait for its next scheduled run. */
function createChecker(options: Partial<StatusCheckerOptions> = {}) {
  const scheduler = new ManualScheduler(env.clock);
  const reports: CheckReport[] = [];
  let waiting: ((report: CheckReport) => void) | undefined;
  const checker = new StatusChecker({
    jobs,
    workflow,
    clock: scheduler,
    onRun: (report) => {
      reports.push(report);
      waiting?.(report);
      waiting = undefined;
    },
    ...options,
  });
  /**
   * Moves virtual time (executions wake, poll their batch job, sleep again) and then lets the
   * checker's timer fire if it is due. Resolves with the run's report, or undefined if the
   * checker was not due.
   */
  async function tick(ms: number): Promise<CheckReport | undefined> {
    // The checker goes back to sleep a few promise turns after a run; time must not move before.
    for (let turns = 0; scheduler.nextDue() === undefined; turns++) {
      if (turns > 100) throw new Error('the status checker is not sleeping: was it started?');
      await new Promise((resolve) => setImmediate(resolve));
    }
    const ran = new Promise<CheckReport>((resolve) => (waiting = resolve));
    await env.clock.advance(ms);
    if (scheduler.fireDue() === 0) {
      waiting = undefined;
      return undefined;
    }
    return ran;
  }
  return { checker, scheduler, reports, tick };
}

const job = (id: number): DataJob => jobs.get(id)!;

describe("POST /data-jobs (the guide's trigger_data_pipeline view)", () => {
  it('invokes the workflow and answers job ID, execution ID and console URL', async () => {
    env.stubs.use(...Object.values(pipelineStubs()));
    const body = await trigger('sales-2025');

    expect(body).toEqual({ job_id: 1, execution_id: expect.any(String), console_url: expect.any(String) });
    expect(body.console_url).toContain(body.execution_id);
    expect(job(body.job_id)).toMatchObject({
      datasetId: 'sales-2025',
      workflowExecutionId: body.execution_id,
      status: 'ACTIVE',
      startedAt: new Date(T0).toISOString(),
      completedAt: null,
      result: null,
    });
    // The guide's invoke(dataset_id=..., processing_mode="full", notification_email=...).
    expect(env.getExecution(body.execution_id).argument).toEqual({
      dataset_id: 'sales-2025',
      processing_mode: 'full',
      notification_email: 'ops@example.com',
    });

    const shown = await request(app).get(`/data-jobs/${body.job_id}`).expect(200);
    // The whole answer, so that no stray field (such as a driver's row metadata) slips in.
    expect(shown.body).toEqual({
      job_id: 1,
      dataset_id: 'sales-2025',
      execution_id: body.execution_id,
      status: 'ACTIVE',
      started_at: new Date(T0).toISOString(),
      completed_at: null,
      result: null,
      error: null,
      last_checked_at: null,
    });
  });

  it('lists the stored jobs, newest first', async () => {
    env.stubs.use(...Object.values(pipelineStubs()));
    const first = await trigger('sales-2025');
    const second = await trigger('clickstream');
    const list = await request(app).get('/data-jobs').expect(200);
    expect(
      list.body.jobs.map((j: { job_id: number; dataset_id: string }) => [j.job_id, j.dataset_id]),
    ).toEqual([
      [second.job_id, 'clickstream'],
      [first.job_id, 'sales-2025'],
    ]);
  });

  it('answers an unknown job in the shared error shape', async () => {
    const res = await request(app).get('/data-jobs/42').expect(404);
    expect(res.body).toEqual({ error: { code: 'JOB_NOT_FOUND', message: "No data job '42'" } });
  });

  it('refuses a request without a dataset, before invoking anything', async () => {
    const res = await request(app)
      .post('/data-jobs')
      .send({ notification_email: 'ops@example.com' })
      .expect(400);
    expect(res.body).toEqual({ error: { code: 'INVALID_REQUEST', message: expect.any(String) } });
    expect(res.body.error.message).toContain('dataset_id');
    expect(env.stubs.calls()).toHaveLength(0);
    expect(jobs.unfinished()).toHaveLength(0);
  });
});

describe("the manual run's stubs.yaml (README)", () => {
  it('runs a job to SUCCEEDED after two 20-second polls, which the checker then records', async () => {
    env.emulator.stubs.addAll(await loadStubsFile(fileURLToPath(new URL('../stubs.yaml', import.meta.url))));
    const { job_id } = await trigger('sales-2024');
    const { checker } = createChecker();
    expect((await checker.runOnce()).finished).toBe(0);
    expect(job(job_id).status).toBe('ACTIVE');

    await env.clock.advance(40_000);
    expect((await checker.runOnce()).finished).toBe(1);
    expect(job(job_id)).toMatchObject({
      status: 'SUCCEEDED',
      result: { dataset_id: 'sales-2024', job_id: 'job-demo-1', rows_processed: 4200 },
    });
    const polls = env.stubs.calls().filter((c) => c.method === 'GET');
    expect(polls.map((c) => c.time.getTime() - T0)).toEqual([0, 20_000, 40_000]);
  });
});

describe("StatusChecker (the guide's CheckWorkflowStatusTask)", () => {
  it('follows executions that run for hours, every 5 minutes of virtual time', async () => {
    const stubs = pipelineStubs();
    env.stubs.use(...Object.values(stubs));
    const sales = await trigger('sales-2025');
    const clicks = await trigger('clickstream');
    const broken = await trigger('broken-feed');

    const { checker, scheduler, reports, tick } = createChecker();
    checker.start();
    expect(scheduler.nextDue()).toBe(T0 + 5 * MINUTE);

    // States each job had after each run, by minutes since T0.
    const seen = new Map<number, Record<string, string>>();
    for (let minute = 5; minute <= 6 * 60; minute += 5) {
      const report = await tick(5 * MINUTE);
      expect(report?.error).toBeUndefined();
      expect(report?.at.getTime()).toBe(T0 + minute * MINUTE);
      seen.set(minute, {
        sales: job(sales.job_id).status,
        clicks: job(clicks.job_id).status,
        broken: job(broken.job_id).status,
      });
    }
    await checker.stop();
    expect(scheduler.nextDue()).toBeUndefined();
    expect(reports).toHaveLength(72);

    // Each execution kept sleeping in 30-minute polls until its batch job ended.
    expect(seen.get(55)).toEqual({ sales: 'ACTIVE', clicks: 'ACTIVE', broken: 'ACTIVE' });
    expect(seen.get(65)).toEqual({ sales: 'ACTIVE', clicks: 'ACTIVE', broken: 'FAILED' });
    expect(seen.get(115)).toEqual({ sales: 'ACTIVE', clicks: 'ACTIVE', broken: 'FAILED' });
    expect(seen.get(125)).toEqual({ sales: 'SUCCEEDED', clicks: 'ACTIVE', broken: 'FAILED' });
    expect(seen.get(295)).toEqual({ sales: 'SUCCEEDED', clicks: 'ACTIVE', broken: 'FAILED' });
    expect(seen.get(305)).toEqual({ sales: 'SUCCEEDED', clicks: 'SUCCEEDED', broken: 'FAILED' });

    const salesJob = job(sales.job_id);
    expect(salesJob.result).toEqual({
      dataset_id: 'sales-2025',
      job_id: 'job-sales-2025',
      rows_processed: 120_000,
    });
    const salesEnd = Date.parse(salesJob.completedAt!);
    expect(salesEnd).toBeGreaterThanOrEqual(T0 + 2 * HOUR);
    expect(salesEnd).toBeLessThanOrEqual(T0 + 2 * HOUR + 5 * MINUTE);
    expect(job(clicks.job_id).result).toMatchObject({ rows_processed: 9_800_000 });
    expect(Date.parse(job(clicks.job_id).completedAt!)).toBeGreaterThanOrEqual(T0 + 5 * HOUR);

    const brokenJob = job(broken.job_id);
    expect(brokenJob.result).toBeNull();
    expect(brokenJob.completedAt).not.toBeNull();
    expect(brokenJob.error).toMatchObject({
      message: 'pipeline job job-broken-feed failed',
      payload: { job_id: 'job-broken-feed', details: 'schema mismatch in column 7' },
    });

    // Finished jobs are not read again: after 5 h 05 there is nothing left to check.
    const checkedAfter = reports.filter((r) => r.at.getTime() > T0 + 305 * MINUTE).map((r) => r.checked);
    expect(new Set(checkedAfter)).toEqual(new Set([0]));
    const checkedBefore = reports.filter((r) => r.at.getTime() <= T0 + 55 * MINUTE).map((r) => r.checked);
    expect(new Set(checkedBefore)).toEqual(new Set([3]));

    // The workflow polled each batch job every 30 minutes: 0, 30, ..., 120 min for sales.
    expect(env.stubs.calls(stubs.poll).filter((c) => c.url?.endsWith('job-sales-2025')).length).toBe(5);
    expect(stubs.notify.calls.map((c) => c.body)).toEqual([
      { to: 'ops@example.com', subject: 'Dataset sales-2025 processed', rows_processed: 120_000 },
      { to: 'ops@example.com', subject: 'Dataset clickstream processed', rows_processed: 9_800_000 },
    ]);
  });

  it('backs off exponentially while the Workflows API fails, and recovers', async () => {
    env.stubs.use(...Object.values(pipelineStubs()));
    const archive = await trigger('archive');
    let outage = false;
    let calls = 0;
    const flaky = {
      getExecutionStatus: (id: string): Promise<ExecutionStatus> => {
        calls++;
        return outage
          ? Promise.reject(
              new WorkflowExecutionError('The service is currently unavailable', { status: 'UNAVAILABLE' }),
            )
          : workflow.getExecutionStatus(id);
      },
    };
    const { checker, scheduler, tick } = createChecker({ workflow: flaky });
    checker.start();

    expect((await tick(5 * MINUTE))?.error).toBeUndefined();
    const checkedAt = job(archive.job_id).lastCheckedAt;
    expect(checkedAt).toBe(new Date(T0 + 5 * MINUTE).toISOString());

    outage = true;
    const failed = await tick(5 * MINUTE); // 10 min
    expect(failed?.error).toBeInstanceOf(WorkflowExecutionError);
    expect(failed).toMatchObject({
      checked: 0,
      skipped: 1,
      consecutiveFailures: 1,
      nextDelayMs: 10 * MINUTE,
    });
    expect(await tick(5 * MINUTE)).toBeUndefined(); // 15 min: not due
    expect((await tick(5 * MINUTE))?.nextDelayMs).toBe(20 * MINUTE); // 20 min
    expect(await tick(10 * MINUTE)).toBeUndefined(); // 30 min
    expect((await tick(10 * MINUTE))?.nextDelayMs).toBe(40 * MINUTE); // 40 min
    expect(await tick(39 * MINUTE)).toBeUndefined(); // 79 min
    expect((await tick(1 * MINUTE))?.nextDelayMs).toBe(60 * MINUTE); // 80 min: capped at 1 h
    expect((await tick(60 * MINUTE))?.consecutiveFailures).toBe(5); // 140 min
    // The failing runs stopped at the first error and left the row alone.
    expect(job(archive.job_id)).toMatchObject({ status: 'ACTIVE', lastCheckedAt: checkedAt });

    outage = false;
    const recovered = await tick(60 * MINUTE); // 200 min
    expect(recovered).toMatchObject({
      error: undefined,
      checked: 1,
      consecutiveFailures: 0,
      nextDelayMs: 5 * MINUTE,
    });
    expect(job(archive.job_id)).toMatchObject({
      status: 'ACTIVE',
      lastCheckedAt: new Date(T0 + 200 * MINUTE).toISOString(),
    });
    await checker.stop();

    // Asked for before each run: the start, then after each run (the last one, 5 min, is the recovery's).
    expect(scheduler.requestedDelays.slice(0, 7).map((ms) => ms / MINUTE)).toEqual([
      5, 5, 10, 20, 40, 60, 60,
    ]);
    expect(calls).toBe(7);
  });

  it('marks a job whose execution no longer exists, and keeps checking the others', async () => {
    env.stubs.use(...Object.values(pipelineStubs()));
    const real = await trigger('archive');
    const ghost = jobs.create({
      datasetId: 'ghost',
      workflowExecutionId: '00000000-0000-4000-8000-000000000000',
      status: 'ACTIVE',
      startedAt: new Date(T0),
    });
    const { checker } = createChecker();

    const report = await checker.runOnce();
    expect(report).toMatchObject({
      checked: 2,
      missing: 1,
      finished: 0,
      error: undefined,
      consecutiveFailures: 0,
    });
    expect(job(ghost.id)).toMatchObject({
      status: 'NOT_FOUND',
      error: { message: expect.stringContaining('00000000') },
    });
    expect(job(real.job_id)).toMatchObject({ status: 'ACTIVE', lastCheckedAt: new Date(T0).toISOString() });

    // NOT_FOUND is final: the next run reads only the live execution.
    expect((await checker.runOnce()).checked).toBe(1);
  });

  it('joins a run already in progress instead of reading every execution twice', async () => {
    env.stubs.use(...Object.values(pipelineStubs()));
    await trigger('archive');
    let calls = 0;
    const counting = {
      getExecutionStatus: (id: string) => {
        calls++;
        return workflow.getExecutionStatus(id);
      },
    };
    const { checker } = createChecker({ workflow: counting });
    const [a, b] = await Promise.all([checker.runOnce(), checker.runOnce()]);
    expect(a).toBe(b);
    expect(calls).toBe(1);
  });
});
