import express, { type Express } from 'express';
import { z } from 'zod';
import {
  ExecutionNotFoundError,
  isTerminalState,
  type ExecutionState,
  type ExecutionStatus,
} from '@workflows-kit/client';
import { OrderStore, type Db, type Order, type OrderStatus, type StoredWorkflowError } from './db.js';
import { errorHandler, HttpProblem, notFoundHandler } from './errors.js';
import type { ProcessOrderWorkflow } from './workflows.js';

export interface AppOptions {
  readonly db: Db;
  /** A client of the deployed `process-order` workflow (Google, the emulator, or a test environment). */
  readonly workflow: ProcessOrderWorkflow;
}

/** A new order, in the same snake_case as the answers. */
const NewOrderSchema = z.strictObject({
  customer_email: z.email(),
  items: z.array(z.string().trim().min(1)).min(1),
  total_amount: z.number().nonnegative(),
});

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
 * The shop's API. Builds the app and nothing else: listening is `server.ts`'s job, so tests
 * drive it with supertest and a database of their own.
 *
 * - `POST /orders` `{customer_email, items, total_amount}` stores a new, pending order (201).
 * - `GET /orders` lists the stored orders as stored (it does not ask the Workflows API).
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

  app.post('/orders', (req, res) => {
    const parsed = NewOrderSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw new HttpProblem(400, 'INVALID_REQUEST', z.prettifyError(parsed.error));
    const { customer_email, items, total_amount } = parsed.data;
    const order = orders.create({ customerEmail: customer_email, items, totalAmount: total_amount });
    res.status(201).location(`/orders/${order.id}`).json(orderJson(order, workflow));
  });

  app.get('/orders', (_req, res) => {
    res.json({ orders: orders.list().map((order) => orderJson(order, workflow)) });
  });

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

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
