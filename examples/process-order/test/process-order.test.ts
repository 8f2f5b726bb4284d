import Database from 'libsql';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createTestEnvironment,
  http,
  HttpResponse,
  UnhandledRequestError,
  type TestEnvironment,
} from '@workflows-kit/testing';
import { loadStubsFile } from '@workflows-kit/emulator';
import { createApp } from '../src/app.js';
import { OrderStore, type Db } from '../src/db.js';
import { ProcessOrderWorkflow } from '../src/workflows.js';

const VALIDATE = 'https://api.example.com/validate';
const PAYMENTS = 'https://api.example.com/payments';
const EMAILS = 'https://api.example.com/emails';

// The guide's order.
const ORDER = { id: 12345, customerEmail: 'user@example.com', items: ['item1', 'item2'], totalAmount: 99.99 };
const ORDER_ARGS = {
  order_id: 12345,
  customer_email: 'user@example.com',
  items: ['item1', 'item2'],
  total_amount: 99.99,
};

let env: TestEnvironment;
let db: Db;
let app: ReturnType<typeof createApp>;

beforeEach(async () => {
  env = await createTestEnvironment({ workflowsDir: new URL('../workflows', import.meta.url) });
  db = new Database(':memory:');
  new OrderStore(db).create(ORDER);
  app = createApp({ db, workflow: env.workflow(ProcessOrderWorkflow) });
});

afterEach(async () => {
  db.close();
  await env.teardown();
});

/** POSTs the order to the workflow and returns the execution ID the app answered with. */
async function processOrder(id = ORDER.id): Promise<string> {
  const res = await request(app).post(`/orders/${id}/process`).expect(202);
  expect(res.body).toMatchObject({ order_id: id, state: 'ACTIVE' });
  expect(res.body.execution_id).toEqual(expect.any(String));
  return res.body.execution_id as string;
}

describe('POST /orders/:id/process and GET /orders/:id', () => {
  it('validates, pays and confirms the order (happy path)', async () => {
    const validate = http.post(VALIDATE, () => HttpResponse.json({ valid: true }));
    const pay = http.post(PAYMENTS, () => HttpResponse.json({ payment_id: 'pay_001', status: 'captured' }));
    const email = http.post(EMAILS, () => HttpResponse.json({ queued: true }));
    env.stubs.use(validate, pay, email);

    const executionId = await processOrder();
    // The execution ID is stored before the workflow finishes.
    const stored = new OrderStore(db).get(ORDER.id);
    expect(stored?.workflowExecutionId).toBe(executionId);
    expect(stored?.status).toBe('processing');

    const status = await env.waitForExecution(executionId);
    expect(status.state).toBe('SUCCEEDED');
    expect(status.result).toEqual({
      order_id: 12345,
      payment: { payment_id: 'pay_001', status: 'captured' },
    });

    // The guide's workflow sends the whole argument to validation and payment, and a map to e-mail.
    expect(validate.calls.map((c) => c.body)).toEqual([ORDER_ARGS]);
    expect(pay.calls.map((c) => c.body)).toEqual([ORDER_ARGS]);
    expect(email.calls.map((c) => c.body)).toEqual([{ email: 'user@example.com', order_id: 12345 }]);

    const res = await request(app).get(`/orders/${ORDER.id}`).expect(200);
    expect(res.body).toMatchObject({
      id: 12345,
      status: 'confirmed',
      workflow: {
        execution_id: executionId,
        state: 'SUCCEEDED',
        result: { order_id: 12345, payment: { payment_id: 'pay_001', status: 'captured' } },
        error: null,
      },
    });
    expect(Date.parse(res.body.workflow.end_time)).toBeGreaterThanOrEqual(
      Date.parse(res.body.workflow.start_time),
    );
    expect(res.body.workflow.console_url).toContain(executionId);

    // A confirmed order is not processed twice.
    const again = await request(app).post(`/orders/${ORDER.id}/process`).expect(409);
    expect(again.body.error.code).toBe('ORDER_ALREADY_PROCESSED');
  });

  it('turns a declined payment (402) into a failed execution with an HttpError', async () => {
    const email = http.post(EMAILS, () => HttpResponse.json({ queued: true }));
    const pay = http.post(PAYMENTS, () =>
      HttpResponse.json({ error: 'card_declined', message: 'Insufficient funds' }, { status: 402 }),
    );
    env.stubs.use(
      http.post(VALIDATE, () => HttpResponse.json({ valid: true })),
      pay,
      email,
    );

    const executionId = await processOrder();
    const status = await env.waitForExecution(executionId);
    expect(status.state).toBe('FAILED');
    expect(status.error?.tags).toEqual(['HttpError']);
    expect(status.error?.payload).toMatchObject({
      code: 402,
      body: { error: 'card_declined', message: 'Insufficient funds' },
    });
    // 402 is not in http.default_retry's list: one attempt, and no confirmation e-mail.
    expect(pay.calls).toHaveLength(1);
    expect(email.calls).toHaveLength(0);

    const res = await request(app).get(`/orders/${ORDER.id}`).expect(200);
    expect(res.body.status).toBe('payment_declined');
    expect(res.body.workflow.state).toBe('FAILED');
    expect(res.body.workflow.error.tags).toEqual(['HttpError']);
    expect(res.body.workflow.error.payload.code).toBe(402);
    expect(res.body.workflow.result).toBeNull();

    // A declined card may be retried: a second execution starts and replaces the first.
    env.stubs.use(
      http.post(PAYMENTS, () => HttpResponse.json({ payment_id: 'pay_002', status: 'captured' })),
    );
    const retryId = await processOrder();
    expect(retryId).not.toBe(executionId);
    expect((await env.waitForExecution(retryId)).state).toBe('SUCCEEDED');
    const after = await request(app).get(`/orders/${ORDER.id}`).expect(200);
    expect(after.body).toMatchObject({
      status: 'confirmed',
      workflow: { execution_id: retryId, error: null },
    });
  });

  it('retries a flaky payment API (503, then 200) under http.default_retry', async () => {
    const pay = http.post(PAYMENTS, ({ callNumber }) =>
      callNumber === 1
        ? HttpResponse.json({ error: 'try again' }, { status: 503 })
        : HttpResponse.json({ payment_id: 'pay_003', status: 'captured' }),
    );
    const email = http.post(EMAILS, () => HttpResponse.json({ queued: true }));
    env.stubs.use(
      http.post(VALIDATE, () => HttpResponse.json({ valid: true })),
      pay,
      email,
    );

    const executionId = await processOrder();
    const status = await env.waitForExecution(executionId);
    expect(status.state).toBe('SUCCEEDED');
    expect(pay.calls).toHaveLength(2);
    expect(email.calls).toHaveLength(1);

    // The retry waited retry.default_backoff's initial delay (1 s) of virtual time.
    const [first, second] = env.stubs.calls(pay);
    expect(second!.time.getTime() - first!.time.getTime()).toBe(1000);

    const res = await request(app).get(`/orders/${ORDER.id}`).expect(200);
    expect(res.body).toMatchObject({
      status: 'confirmed',
      workflow: { state: 'SUCCEEDED', result: { payment: { payment_id: 'pay_003' } } },
    });
  });

  it('reports a call that no stub answers (the e-mail service is missing)', async () => {
    env.stubs.use(
      http.post(VALIDATE, () => HttpResponse.json({ valid: true })),
      http.post(PAYMENTS, () => HttpResponse.json({ payment_id: 'pay_004', status: 'captured' })),
    );

    const executionId = await processOrder();
    const error: unknown = await env.waitForExecution(executionId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnhandledRequestError);
    const unhandled = error as UnhandledRequestError;
    expect(unhandled.requests.map((r) => [r.method, r.url])).toEqual([['POST', EMAILS]]);
    expect(unhandled.requests[0]?.origin.step).toBe('send_confirmation');
    // In the workflow, the call failed like an unreachable host would.
    expect(unhandled.status?.state).toBe('FAILED');
    expect(unhandled.status?.error?.tags).toContain('ConnectionFailedError');

    const res = await request(app).get(`/orders/${ORDER.id}`).expect(200);
    expect(res.body.status).toBe('failed');
    expect(res.body.workflow.error.tags).toContain('ConnectionFailedError');
  });
});

describe('a cancelled execution', () => {
  it('shows the order as cancelled, and lets it be processed again', async () => {
    // A clock that moves only when told: the validation call below waits until the test says so.
    const manual = await createTestEnvironment({
      workflowsDir: new URL('../workflows', import.meta.url),
      clock: 'manual',
    });
    try {
      const shop = createApp({ db, workflow: manual.workflow(ProcessOrderWorkflow) });
      let validating!: () => void;
      const called = new Promise<void>((resolve) => (validating = resolve));
      manual.stubs.use(
        http.post(VALIDATE, () => {
          validating();
          return HttpResponse.json({ valid: true }, { delay: '1m' });
        }),
      );
      const started = await request(shop).post(`/orders/${ORDER.id}/process`).expect(202);
      const executionId = started.body.execution_id as string;
      await called;

      const cancelled = await manual.workflow(ProcessOrderWorkflow).cancel(executionId);
      expect(cancelled.state).toBe('CANCELLED');

      const res = await request(shop).get(`/orders/${ORDER.id}`).expect(200);
      expect(res.body).toMatchObject({
        status: 'cancelled',
        workflow: { execution_id: executionId, state: 'CANCELLED', result: null, error: null },
      });
      // A cancelled order may be processed again.
      await request(shop).post(`/orders/${ORDER.id}/process`).expect(202);
    } finally {
      await manual.teardown();
    }
  });
});

describe("the manual run's stubs.yaml (README)", () => {
  it('confirms an ordinary order, declines declined@example.com and retries flaky@example.com', async () => {
    env.emulator.stubs.addAll(await loadStubsFile(fileURLToPath(new URL('../stubs.yaml', import.meta.url))));
    const create = async (email: string) =>
      (
        await request(app)
          .post('/orders')
          .send({ customer_email: email, items: ['book'], total_amount: 12.5 })
          .expect(201)
      ).body.id as number;
    const outcomes: Record<string, unknown> = {};
    for (const email of ['buyer@example.com', 'declined@example.com', 'flaky@example.com']) {
      const id = await create(email);
      const executionId = await processOrder(id);
      await env.waitForExecution(executionId);
      const shown = await request(app).get(`/orders/${id}`).expect(200);
      outcomes[email] = [shown.body.status, shown.body.workflow.error?.payload?.code ?? null];
    }
    expect(outcomes).toEqual({
      'buyer@example.com': ['confirmed', null],
      'declined@example.com': ['payment_declined', 402],
      'flaky@example.com': ['confirmed', null],
    });
    const payments = env.stubs
      .calls()
      .filter((c) => c.url === PAYMENTS)
      .map((c) => [(c.body as { customer_email: string }).customer_email, c.status]);
    expect(payments).toEqual([
      ['buyer@example.com', 200],
      ['declined@example.com', 402],
      ['flaky@example.com', 503],
      ['flaky@example.com', 200],
    ]);
  });
});

describe('POST /orders and GET /orders', () => {
  it('stores a new pending order with the next ID, lists it, and processes it', async () => {
    const created = await request(app)
      .post('/orders')
      .send({ customer_email: 'buyer@example.com', items: ['lamp'], total_amount: 25 })
      .expect(201);
    // The whole answer, so that no stray field (such as a driver's row metadata) slips in.
    expect(created.body).toEqual({
      id: 12346,
      customer_email: 'buyer@example.com',
      items: ['lamp'],
      total_amount: 25,
      status: 'pending',
      workflow: null,
    });
    expect(created.headers['location']).toBe('/orders/12346');

    const list = await request(app).get('/orders').expect(200);
    expect(list.body.orders.map((o: { id: number; status: string }) => [o.id, o.status])).toEqual([
      [12345, 'pending'],
      [12346, 'pending'],
    ]);

    const pay = http.post(PAYMENTS, () => HttpResponse.json({ payment_id: 'pay_005', status: 'captured' }));
    env.stubs.use(
      http.post(VALIDATE, () => HttpResponse.json({ valid: true })),
      pay,
      http.post(EMAILS, () => HttpResponse.json({ queued: true })),
    );
    const executionId = await processOrder(12346);
    expect((await env.waitForExecution(executionId)).state).toBe('SUCCEEDED');
    expect(pay.calls.map((c) => c.body)).toEqual([
      { order_id: 12346, customer_email: 'buyer@example.com', items: ['lamp'], total_amount: 25 },
    ]);
    const shown = await request(app).get('/orders/12346').expect(200);
    expect(shown.body.status).toBe('confirmed');
  });

  it('refuses an order without items or with a bad e-mail, storing nothing', async () => {
    const res = await request(app)
      .post('/orders')
      .send({ customer_email: 'nope', items: [], total_amount: 5 })
      .expect(400);
    expect(res.body).toEqual({ error: { code: 'INVALID_REQUEST', message: expect.any(String) } });
    expect(res.body.error.message).toContain('customer_email');
    expect(res.body.error.message).toContain('items');
    expect(new OrderStore(db).list().map((o) => o.id)).toEqual([ORDER.id]);
  });
});

describe('requests the app refuses', () => {
  it('answers every error in one shape: {error: {code, message}}', async () => {
    const route = await request(app).delete('/orders/12345').expect(404);
    expect(route.body).toEqual({
      error: { code: 'NOT_FOUND', message: 'No route for DELETE /orders/12345' },
    });
    const malformed = await request(app)
      .post('/orders')
      .set('Content-Type', 'application/json')
      .send('{"customer_email":')
      .expect(400);
    expect(malformed.body).toEqual({ error: { code: 'INVALID_REQUEST', message: expect.any(String) } });
  });

  it('answers 404 for an unknown order and 400 for a malformed ID, without invoking', async () => {
    const missing = await request(app).post('/orders/999/process').expect(404);
    expect(missing.body.error.code).toBe('ORDER_NOT_FOUND');
    const malformed = await request(app).get('/orders/abc').expect(400);
    expect(malformed.body.error.code).toBe('INVALID_ORDER_ID');
    expect(env.stubs.calls()).toHaveLength(0);
  });

  it('answers 422 and leaves the order pending when the order does not fit the workflow arguments', async () => {
    new OrderStore(db).create({ id: 7, customerEmail: 'not-an-email', items: [], totalAmount: 5 });
    const res = await request(app).post('/orders/7/process').expect(422);
    expect(res.body.error.code).toBe('INVALID_WORKFLOW_ARGUMENTS');
    expect(new OrderStore(db).get(7)).toMatchObject({ status: 'pending', workflowExecutionId: null });
  });

  it('answers 503 when the workflow is not deployed in the class location', async () => {
    const elsewhere = env.workflow(ProcessOrderWorkflow, { workflowName: 'not-deployed' });
    const other = createApp({ db, workflow: elsewhere });
    const res = await request(other).post(`/orders/${ORDER.id}/process`).expect(503);
    expect(res.body.error.code).toBe('WORKFLOW_NOT_FOUND');
    expect(new OrderStore(db).get(ORDER.id)?.status).toBe('pending');
  });
});
