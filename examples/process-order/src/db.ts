/**
 * The shop's orders, in SQLite through `libsql`: a better-sqlite3-compatible, synchronous API
 * whose native binary ships inside its npm packages, so installing it compiles nothing.
 */
import Database from 'libsql';

export type Db = Database.Database;

/** Where an order is, as the shop sees it; derived from the workflow's execution state. */
export type OrderStatus =
  'pending' | 'processing' | 'confirmed' | 'payment_declined' | 'failed' | 'cancelled';

/** An order may be (re)submitted to the workflow only from these: a declined card can be retried. */
export const PROCESSABLE: readonly OrderStatus[] = ['pending', 'payment_declined', 'failed', 'cancelled'];

export interface NewOrder {
  /** Chosen by the database (the highest ID so far plus one) when omitted. */
  readonly id?: number;
  readonly customerEmail: string;
  readonly items: readonly string[];
  readonly totalAmount: number;
}

/** The stored execution error: what an operator needs, not the whole status. */
export interface StoredWorkflowError {
  readonly message: string;
  readonly tags: readonly string[];
  readonly payload: unknown;
}

export interface Order extends NewOrder {
  readonly id: number;
  readonly status: OrderStatus;
  readonly workflowExecutionId: string | null;
  readonly workflowState: string | null;
  readonly workflowStartedAt: string | null;
  readonly workflowEndedAt: string | null;
  readonly workflowResult: unknown;
  readonly workflowError: StoredWorkflowError | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface WorkflowUpdate {
  readonly status: OrderStatus;
  readonly state: string;
  readonly startedAt: Date | undefined;
  readonly endedAt: Date | undefined;
  readonly result: unknown;
  readonly error: StoredWorkflowError | undefined;
}

interface OrderRow {
  id: number;
  customer_email: string;
  items: string;
  total_amount: number;
  status: OrderStatus;
  workflow_execution_id: string | null;
  workflow_state: string | null;
  workflow_started_at: string | null;
  workflow_ended_at: string | null;
  workflow_result: string | null;
  workflow_error: string | null;
  created_at: string;
  updated_at: string;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS orders (
    id INTEGER PRIMARY KEY,
    customer_email TEXT NOT NULL,
    items TEXT NOT NULL,
    total_amount REAL NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    workflow_execution_id TEXT UNIQUE,
    workflow_state TEXT,
    workflow_started_at TEXT,
    workflow_ended_at TEXT,
    workflow_result TEXT,
    workflow_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  )
`;

/** Opens (or creates) the database file; `:memory:` for a database that lives as long as the process. */
export function openDatabase(filename: string): Db {
  const db = new Database(filename);
  db.pragma('journal_mode = WAL');
  migrate(db);
  return db;
}

/** Idempotent, so `createApp` can run it on any database it is handed. */
export function migrate(db: Db): void {
  db.exec(SCHEMA);
}

const toJson = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));
const fromJson = (text: string | null): unknown => (text === null ? null : (JSON.parse(text) as unknown));

/**
 * Rows are mapped field by field: libsql adds an enumerable `_metadata` key to every row, which
 * must not leak into the app's JSON.
 */
function toOrder(row: OrderRow): Order {
  return {
    id: row.id,
    customerEmail: row.customer_email,
    items: fromJson(row.items) as string[],
    totalAmount: row.total_amount,
    status: row.status,
    workflowExecutionId: row.workflow_execution_id,
    workflowState: row.workflow_state,
    workflowStartedAt: row.workflow_started_at,
    workflowEndedAt: row.workflow_ended_at,
    workflowResult: fromJson(row.workflow_result),
    workflowError: fromJson(row.workflow_error) as StoredWorkflowError | null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The orders table. Statements are prepared once; libsql, like better-sqlite3, is synchronous. */
export class OrderStore {
  readonly #get: Database.Statement<[number]>;
  readonly #list: Database.Statement<[]>;
  readonly #insert: Database.Statement<[Record<string, unknown>]>;
  readonly #startWorkflow: Database.Statement<[Record<string, unknown>]>;
  readonly #updateWorkflow: Database.Statement<[Record<string, unknown>]>;
  readonly #claim: Database.Statement<[Record<string, unknown>]>;
  readonly #release: Database.Statement<[Record<string, unknown>]>;
  readonly #now: () => Date;

  constructor(db: Db, options: { now?: () => Date } = {}) {
    migrate(db);
    this.#now = options.now ?? (() => new Date());
    this.#get = db.prepare<[number]>('SELECT * FROM orders WHERE id = ?');
    this.#list = db.prepare<[]>('SELECT * FROM orders ORDER BY id');
    this.#insert = db.prepare(
      `INSERT INTO orders (id, customer_email, items, total_amount, created_at, updated_at)
       VALUES (@id, @customerEmail, @items, @totalAmount, @now, @now)`,
    );
    this.#startWorkflow = db.prepare(
      `UPDATE orders SET status = 'processing', workflow_execution_id = @executionId,
         workflow_state = @state, workflow_started_at = @startedAt, workflow_ended_at = NULL,
         workflow_result = NULL, workflow_error = NULL, updated_at = @now
       WHERE id = @id`,
    );
    this.#updateWorkflow = db.prepare(
      `UPDATE orders SET status = @status, workflow_state = @state, workflow_started_at = @startedAt,
         workflow_ended_at = @endedAt, workflow_result = @result, workflow_error = @error, updated_at = @now
       WHERE id = @id AND workflow_execution_id = @executionId`,
    );
    this.#claim = db.prepare(
      `UPDATE orders SET status = 'processing', updated_at = @now
       WHERE id = @id AND status IN (${PROCESSABLE.map((s) => `'${s}'`).join(', ')})`,
    );
    this.#release = db.prepare(`UPDATE orders SET status = @status, updated_at = @now WHERE id = @id`);
  }

  get(id: number): Order | undefined {
    const row = this.#get.get(id) as OrderRow | undefined;
    return row === undefined ? undefined : toOrder(row);
  }

  /** Every order, oldest ID first. */
  list(): Order[] {
    return (this.#list.all() as OrderRow[]).map(toOrder);
  }

  /** Stores a new, pending order; without `id` the database picks the next one. */
  create(order: NewOrder): Order {
    const { lastInsertRowid } = this.#insert.run({
      id: order.id ?? null,
      customerEmail: order.customerEmail,
      items: JSON.stringify(order.items),
      totalAmount: order.totalAmount,
      now: this.#now().toISOString(),
    });
    return this.get(Number(lastInsertRowid)) as Order;
  }

  /**
   * Marks the order as processing if nothing is processing or has processed it, and returns the
   * status it had; `undefined` when it cannot be processed now. Synchronous, so two concurrent
   * requests cannot both claim it while the first one waits for the Workflows API.
   */
  claim(id: number): OrderStatus | undefined {
    const before = this.get(id);
    if (before === undefined) return undefined;
    const { changes } = this.#claim.run({ id, now: this.#now().toISOString() });
    return changes === 1 ? before.status : undefined;
  }

  /** Undoes `claim` when the workflow could not be started. */
  release(id: number, status: OrderStatus): void {
    this.#release.run({ id, status, now: this.#now().toISOString() });
  }

  /** Remembers the execution just started (django-gcp's "store the execution ID"). */
  recordExecution(id: number, execution: { id: string; state: string; startTime: Date | undefined }): Order {
    this.#startWorkflow.run({
      id,
      executionId: execution.id,
      state: execution.state,
      startedAt: execution.startTime?.toISOString() ?? null,
      now: this.#now().toISOString(),
    });
    return this.get(id) as Order;
  }

  /**
   * Stores what the workflow reported. Keyed by execution as well, so that a slow status read
   * for an older execution cannot overwrite a newer one.
   */
  updateWorkflow(id: number, executionId: string, update: WorkflowUpdate): Order {
    this.#updateWorkflow.run({
      id,
      executionId,
      status: update.status,
      state: update.state,
      startedAt: update.startedAt?.toISOString() ?? null,
      endedAt: update.endedAt?.toISOString() ?? null,
      result: toJson(update.result),
      error: toJson(update.error),
      now: this.#now().toISOString(),
    });
    return this.get(id) as Order;
  }
}
