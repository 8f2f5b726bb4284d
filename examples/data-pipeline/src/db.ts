/**
 * The service's data jobs, in SQLite through `libsql`: a better-sqlite3-compatible, synchronous
 * API whose native binary ships inside its npm packages, so installing it compiles nothing.
 */
import Database from 'libsql';

export type Db = Database.Database;

/** The guide's `DataJob` model. `status` holds the execution state (`ACTIVE`, `SUCCEEDED`, ...). */
export interface DataJob {
  readonly id: number;
  readonly datasetId: string;
  readonly workflowExecutionId: string;
  readonly status: string;
  readonly startedAt: string | null;
  readonly completedAt: string | null;
  readonly result: unknown;
  /** `{message, tags, payload}` of a failed execution. */
  readonly error: unknown;
  /** When the status checker last read this job's execution. */
  readonly lastCheckedAt: string | null;
  readonly createdAt: string;
}

export interface NewDataJob {
  readonly datasetId: string;
  readonly workflowExecutionId: string;
  readonly status: string;
  readonly startedAt: Date | undefined;
}

export interface JobUpdate {
  readonly status: string;
  /** Fills `started_at` if invoke() could not (a QUEUED execution has no start time yet). */
  readonly startedAt: Date | undefined;
  readonly completedAt: Date | undefined;
  readonly result: unknown;
  readonly error: unknown;
}

interface DataJobRow {
  id: number;
  dataset_id: string;
  workflow_execution_id: string;
  status: string;
  started_at: string | null;
  completed_at: string | null;
  result: string | null;
  error: string | null;
  last_checked_at: string | null;
  created_at: string;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS data_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dataset_id TEXT NOT NULL,
    workflow_execution_id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    started_at TEXT,
    completed_at TEXT,
    result TEXT,
    error TEXT,
    last_checked_at TEXT,
    created_at TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS data_jobs_status ON data_jobs (status);
`;

/** Execution states the status checker still has to follow (the guide's `status='ACTIVE'`, plus QUEUED). */
export const UNFINISHED_STATES = ['ACTIVE', 'QUEUED'] as const;

/** Opens (or creates) the database file; `:memory:` for a database that lives as long as the process. */
export function openDatabase(filename: string): Db {
  const db = new Database(filename);
  db.pragma('journal_mode = WAL');
  migrate(db);
  return db;
}

/** Idempotent, so every user of a database can run it. */
export function migrate(db: Db): void {
  db.exec(SCHEMA);
}

const toJson = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));
const fromJson = (text: string | null): unknown => (text === null ? null : (JSON.parse(text) as unknown));

/**
 * Rows are mapped field by field: libsql adds an enumerable `_metadata` key to every row, which
 * must not leak into the app's JSON.
 */
function toJob(row: DataJobRow): DataJob {
  return {
    id: row.id,
    datasetId: row.dataset_id,
    workflowExecutionId: row.workflow_execution_id,
    status: row.status,
    startedAt: row.started_at,
    completedAt: row.completed_at,
    result: fromJson(row.result),
    error: fromJson(row.error),
    lastCheckedAt: row.last_checked_at,
    createdAt: row.created_at,
  };
}

/** The data_jobs table. */
export class DataJobStore {
  readonly #now: () => Date;
  readonly #get: Database.Statement<[number]>;
  readonly #list: Database.Statement<[]>;
  readonly #unfinished: Database.Statement<[]>;
  readonly #insert: Database.Statement<[Record<string, unknown>]>;
  readonly #update: Database.Statement<[Record<string, unknown>]>;

  constructor(db: Db, options: { now?: () => Date } = {}) {
    migrate(db);
    this.#now = options.now ?? (() => new Date());
    this.#get = db.prepare<[number]>('SELECT * FROM data_jobs WHERE id = ?');
    this.#list = db.prepare<[]>('SELECT * FROM data_jobs ORDER BY id DESC');
    this.#unfinished = db.prepare<[]>(
      `SELECT * FROM data_jobs WHERE status IN (${UNFINISHED_STATES.map((s) => `'${s}'`).join(', ')})
       ORDER BY last_checked_at IS NOT NULL, last_checked_at, id`,
    );
    this.#insert = db.prepare(
      `INSERT INTO data_jobs (dataset_id, workflow_execution_id, status, started_at, created_at)
       VALUES (@datasetId, @executionId, @status, @startedAt, @now)`,
    );
    this.#update = db.prepare(
      `UPDATE data_jobs SET status = @status, started_at = COALESCE(started_at, @startedAt), completed_at = @completedAt,
         result = COALESCE(@result, result), error = COALESCE(@error, error), last_checked_at = @now
       WHERE id = @id`,
    );
  }

  get(id: number): DataJob | undefined {
    const row = this.#get.get(id) as DataJobRow | undefined;
    return row === undefined ? undefined : toJob(row);
  }

  /** Every job, newest first. */
  list(): DataJob[] {
    return (this.#list.all() as DataJobRow[]).map(toJob);
  }

  /** Jobs whose execution has not finished, least recently checked first. */
  unfinished(): DataJob[] {
    return (this.#unfinished.all() as DataJobRow[]).map(toJob);
  }

  create(job: NewDataJob): DataJob {
    const { lastInsertRowid } = this.#insert.run({
      datasetId: job.datasetId,
      executionId: job.workflowExecutionId,
      status: job.status,
      startedAt: job.startedAt?.toISOString() ?? null,
      now: this.#now().toISOString(),
    });
    return this.get(Number(lastInsertRowid)) as DataJob;
  }

  /** The guide's `job.save()` after reading the status; result and error are only ever set, never cleared. */
  update(id: number, update: JobUpdate): DataJob {
    this.#update.run({
      id,
      status: update.status,
      startedAt: update.startedAt?.toISOString() ?? null,
      completedAt: update.completedAt?.toISOString() ?? null,
      result: toJson(update.result),
      error: toJson(update.error),
      now: this.#now().toISOString(),
    });
    return this.get(id) as DataJob;
  }
}
