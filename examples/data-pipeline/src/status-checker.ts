/**
 * The guide's `CheckWorkflowStatusTask` (a PeriodicTask running every 5 minutes): reads the
 * execution of every unfinished data job and stores its state, end time, result and error.
 *
 * Following the guide's best practice "poll status carefully ... implement exponential
 * backoff", a run that fails (the Workflows API unreachable, a quota exceeded) stops at the
 * first failing call and the next run waits twice as long, up to `maxIntervalMs`; the first
 * good run returns to the normal interval.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import { ExecutionNotFoundError, type ExecutionStatus } from '@workflows-kit/client';
import type { DataJob, DataJobStore } from './db.js';

/** Time as the checker sees it. Injected, so that tests drive it with virtual time. */
export interface SchedulerClock {
  now(): number;
  /** Resolves after `ms`; rejects once `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: SchedulerClock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleepFor(ms, undefined, { signal }),
};

export const DEFAULT_INTERVAL_MS = 5 * 60_000;
export const DEFAULT_MAX_INTERVAL_MS = 60 * 60_000;

export interface StatusCheckerOptions {
  readonly jobs: DataJobStore;
  /** Usually a `DataPipelineWorkflow`; only `getExecutionStatus` is used. */
  readonly workflow: { getExecutionStatus(executionId: string): Promise<ExecutionStatus> };
  /** Between runs when all is well. Default 5 minutes (the guide's `*\/5 * * * *`). */
  readonly intervalMs?: number;
  /** Upper bound of the backed-off interval. Default 1 hour. */
  readonly maxIntervalMs?: number;
  /** Growth of the interval per consecutive failed run. Default 2. */
  readonly backoffMultiplier?: number;
  readonly clock?: SchedulerClock;
  /** Called after every run, scheduled or not (logging, metrics, tests). */
  readonly onRun?: (report: CheckReport) => void;
}

export interface CheckReport {
  /** When the run started, by the checker's clock. */
  readonly at: Date;
  /** Jobs whose execution was read. */
  readonly checked: number;
  /** Jobs whose execution reached a final state in this run. */
  readonly finished: number;
  /** Jobs whose execution no longer exists (stored as status `NOT_FOUND`). */
  readonly missing: number;
  /** Jobs left for the next run because the run stopped early. */
  readonly skipped: number;
  /** What stopped the run, if it failed. */
  readonly error: unknown;
  /** Consecutive failed runs, this one included. */
  readonly consecutiveFailures: number;
  /** How long the scheduler waits before the next run. */
  readonly nextDelayMs: number;
}

function positive(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < min)
    throw new RangeError(`${name} must be a number >= ${min}, got ${value}`);
  return value;
}

export class StatusChecker {
  readonly intervalMs: number;
  readonly maxIntervalMs: number;
  readonly backoffMultiplier: number;
  readonly #jobs: DataJobStore;
  readonly #workflow: StatusCheckerOptions['workflow'];
  readonly #clock: SchedulerClock;
  readonly #onRun: StatusCheckerOptions['onRun'];
  #failures = 0;
  #inFlight: Promise<CheckReport> | undefined;
  #abort: AbortController | undefined;
  #loop: Promise<void> | undefined;

  constructor(options: StatusCheckerOptions) {
    this.#jobs = options.jobs;
    this.#workflow = options.workflow;
    this.#clock = options.clock ?? systemClock;
    this.#onRun = options.onRun;
    this.intervalMs = positive('intervalMs', options.intervalMs, DEFAULT_INTERVAL_MS, 1);
    this.maxIntervalMs = positive(
      'maxIntervalMs',
      options.maxIntervalMs,
      DEFAULT_MAX_INTERVAL_MS,
      this.intervalMs,
    );
    this.backoffMultiplier = positive('backoffMultiplier', options.backoffMultiplier, 2, 1);
  }

  /** Consecutive failed runs so far. */
  get consecutiveFailures(): number {
    return this.#failures;
  }

  /** The wait before the next scheduled run: the interval, multiplied once per consecutive failure. */
  get nextDelayMs(): number {
    return Math.min(this.maxIntervalMs, this.intervalMs * this.backoffMultiplier ** this.#failures);
  }

  get running(): boolean {
    return this.#abort !== undefined;
  }

  /**
   * One pass over the unfinished jobs. A call while a pass is in progress joins that pass
   * rather than reading every execution twice.
   */
  runOnce(): Promise<CheckReport> {
    this.#inFlight ??= this.#run().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  /** Runs every `nextDelayMs` until `stop()`; the first run comes one interval after the start. */
  start(): void {
    if (this.#abort !== undefined) return;
    const abort = new AbortController();
    this.#abort = abort;
    this.#loop = this.#schedule(abort.signal);
  }

  /** Stops scheduling and waits for a run in progress to finish. */
  async stop(): Promise<void> {
    const abort = this.#abort;
    if (abort === undefined) return;
    abort.abort(new Error('status checker stopped'));
    await this.#loop;
    this.#abort = undefined;
    this.#loop = undefined;
  }

  async #schedule(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.#clock.sleep(this.nextDelayMs, signal);
      } catch {
        if (signal.aborted) return;
      }
      if (signal.aborted) return;
      try {
        await this.runOnce();
      } catch (error) {
        // #run reports API failures itself; anything here (the database) still must not end the schedule.
        this.#failures++;
        console.error('status checker run failed', error);
      }
    }
  }

  async #run(): Promise<CheckReport> {
    const at = new Date(this.#clock.now());
    const jobs = this.#jobs.unfinished();
    let checked = 0;
    let finished = 0;
    let missing = 0;
    let error: unknown;
    for (const job of jobs) {
      let status: ExecutionStatus;
      try {
        status = await this.#workflow.getExecutionStatus(job.workflowExecutionId);
      } catch (caught) {
        if (caught instanceof ExecutionNotFoundError) {
          this.#markMissing(job, caught);
          checked++;
          missing++;
          continue;
        }
        // The API as a whole is failing or throttling us: the other jobs would fail too.
        error = caught;
        break;
      }
      checked++;
      this.#jobs.update(job.id, {
        status: status.state,
        startedAt: status.startTime,
        completedAt: status.endTime,
        result: status.result,
        error:
          status.error === undefined
            ? undefined
            : { message: status.error.message, tags: status.error.tags, payload: status.error.payload },
      });
      if (status.state !== 'ACTIVE' && status.state !== 'QUEUED') finished++;
    }
    this.#failures = error === undefined ? 0 : this.#failures + 1;
    const report: CheckReport = {
      at,
      checked,
      finished,
      missing,
      skipped: jobs.length - checked,
      error,
      consecutiveFailures: this.#failures,
      nextDelayMs: this.nextDelayMs,
    };
    this.#onRun?.(report);
    return report;
  }

  /** An execution that is gone (deleted with its workflow, or past retention) will never finish. */
  #markMissing(job: DataJob, error: ExecutionNotFoundError): void {
    this.#jobs.update(job.id, {
      status: 'NOT_FOUND',
      startedAt: undefined,
      completedAt: undefined,
      result: undefined,
      error: { message: error.message, tags: [], payload: null },
    });
  }
}
