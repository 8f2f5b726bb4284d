import express, { type ErrorRequestHandler, type Express } from 'express';
import {
  ExecutionNotFoundError,
  InvalidWorkflowArgumentsError,
  isTerminalState,
  WorkflowConfigurationError,
  WorkflowError,
  WorkflowExecutionError,
  WorkflowNotFoundError,
  type ExecutionState,
  type ExecutionStatus,
} from '@workflows-kit/client';
import { OrderStore, type Db, type Order, type OrderStatus, type StoredWorkflowError } from './db.js';
import type { ProcessOrderWorkflow } from './workflows.js';

export interface AppOptions {
  readonly db: Db;
  /** A client of the deployed `process-order` workflow (Google, the emulator, or a test environment). */
  readonly workflow: ProcessOrderWorkflow;
}

/** An error with the HTTP answer it deserves; everything else is mapped in `errorHandler`. */
export class HttpProblem extends Error {
  override readonly name = 'HttpProblem';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function parseOrderId(text: string): number {
  // Path parameters are text; only a plain positive integer names an order.
  if (!/^[1-9]\d{0,15}$/.test(text))
    throw new HttpProblem(400, 'INVALID_ORDER_ID', `'${text}' is not an order ID`);
  return Number(text);
}

/** The shop's view of an execution state. */
function orderStatusOf(status: Pick<ExecutionStatus, 'state' | 'error'>): OrderStatus {
  const state: ExecutionState = status.state;
  switch (state) {
    case 'SUCCEEDED':
      return 'confirmed';
    case 'CANCELLED':
      return 'cancelled';
    case 'FAILED': {
      const payload = status.error?.payload as { code?: unknown } | undefined;
      // 402 Payment Required is how the payment API says "declined": the customer can retry.
      return status.error?.tags.includes('HttpError') && payload?.code === 402
        ? 'payment_declined'
        : 'failed';
    }
    case 'UNAVAILABLE':
      return 'failed';
    case 'ACTIVE':
    case 'QUEUED':
    case 'STATE_UNSPECIFIED':
      return 'processing';
  }
}

function storedError(status: ExecutionStatus): StoredWorkflowError | undefined {
  if (status.error === undefined) return undefined;
  return { message: status.error.message, tags: status.error.tags, payload: status.error.payload };
}

/** Best effort: against Google the URL needs the project, which the first API call resolves. */
function consoleUrl(workflow: ProcessOrderWorkflow, executionId: string): string | null {
  try {
    return workflow.getConsoleUrl(executionId);
  } catch {
    return null;
  }
}

function orderJson(order: Order, workflow: ProcessOrderWorkflow) {
  const executionId = order.workflowExecutionId;
  return {
    id: order.id,
    customer_email: order.customerEmail,
    items: order.items,
    total_amount: order.totalAmount,
    status: order.status,
    workflow:
      executionId === null
        ? null
        : {
            execution_id: executionId,
            state: order.workflowState,
            start_time: order.workflowStartedAt,
            end_time: order.workflowEndedAt,
            result: order.workflowResult,
            error: order.workflowError,
            console_url: consoleUrl(workflow, executionId),
          },
  };
}

/**
 * Maps domain and client errors to one JSON error shape. Express 5 forwards rejected promises
 * from async handlers here, so the routes just throw.
 */
const errorHandler: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
  let status = 500;
  let code = 'INTERNAL';
  let message = 'Internal error';
  if (error instanceof HttpProblem) {
    ({ status, code, message } = error);
  } else if (error instanceof InvalidWorkflowArgumentsError) {
    // The stored order does not satisfy the workflow's argument schema.
    [status, code, message] = [422, error.code, error.message];
  } else if (error instanceof WorkflowNotFoundError) {
    [status, code, message] = [503, error.code, error.message];
  } else if (error instanceof WorkflowConfigurationError) {
    [status, code, message] = [500, error.code, error.message];
  } else if (error instanceof WorkflowExecutionError || error instanceof WorkflowError) {
    // The Workflows API failed us: a gateway problem, not the caller's.
    [status, code, message] = [502, error.code, error.message];
  } else if (isBodyParserError(error)) {
    [status, code, message] = [error.status, 'INVALID_REQUEST', error.message];
  }
  if (status >= 500 && !(error instanceof WorkflowError)) console.error(error);
  res.status(status).json({ error: { code, message } });
};

function isBodyParserError(error: unknown): error is { status: number; message: string } {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/**
 * The shop's API. Builds the app and nothing else: listening is `server.ts`'s job, so tests
 * drive it with supertest and a database of their own.
 *
 * - `POST /orders/:id/process` starts `process-order` for a stored order and records the
 *   execution ID (202: the workflow runs asynchronously).
 * - `GET /orders/:id` shows the order and its workflow, refreshing the state from the
 *   Workflows API while the execution has not finished.
 */
export function createApp({ db, workflow }: AppOptions): Express {
  const orders = new OrderStore(db);
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json());

  app.post('/orders/:id/process', async (req, res) => {
    const id = parseOrderId(req.params.id);
    const order = orders.get(id);
    if (order === undefined) throw new HttpProblem(404, 'ORDER_NOT_FOUND', `Order ${id} does not exist`);
    const previous = orders.claim(id);
    if (previous === undefined) {
      throw new HttpProblem(
        409,
        'ORDER_ALREADY_PROCESSED',
        `Order ${id} is ${order.status} (execution ${order.workflowExecutionId ?? 'pending'})`,
      );
    }
    let execution;
    try {
      execution = await workflow.invoke({
        order_id: order.id,
        customer_email: order.customerEmail,
        items: [...order.items],
        total_amount: order.totalAmount,
      });
    } catch (error) {
      orders.release(id, previous);
      throw error;
    }
    const updated = orders.recordExecution(id, execution);
    res
      .status(202)
      .location(`/orders/${id}`)
      .json({
        order_id: id,
        execution_id: execution.id,
        state: execution.state,
        console_url: consoleUrl(workflow, execution.id),
        order: orderJson(updated, workflow),
      });
  });

  app.get('/orders/:id', async (req, res) => {
    const id = parseOrderId(req.params.id);
    let order = orders.get(id);
    if (order === undefined) throw new HttpProblem(404, 'ORDER_NOT_FOUND', `Order ${id} does not exist`);
    const executionId = order.workflowExecutionId;
    const state = order.workflowState as ExecutionState | null;
    // A finished execution never changes again: no need to ask the API.
    if (executionId !== null && (state === null || !isTerminalState(state))) {
      let status: ExecutionStatus;
      try {
        status = await workflow.getExecutionStatus(executionId);
      } catch (error) {
        if (error instanceof ExecutionNotFoundError) {
          throw new HttpProblem(
            502,
            'EXECUTION_NOT_FOUND',
            `Execution ${executionId} of order ${id} no longer exists`,
          );
        }
        throw error;
      }
      order = orders.updateWorkflow(id, executionId, {
        status: orderStatusOf(status),
        state: status.state,
        startedAt: status.startTime,
        endedAt: status.endTime,
        result: status.result,
        error: storedError(status),
      });
    }
    res.json(orderJson(order, workflow));
  });

  app.use((req, _res) => {
    throw new HttpProblem(404, 'NOT_FOUND', `No route for ${req.method} ${req.path}`);
  });
  app.use(errorHandler);
  return app;
}
