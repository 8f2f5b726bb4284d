// Written as the root README's "Testing a workflow" example, against the installed tarballs.
import { afterAll, expect, it } from 'vitest';
import { createTestEnvironment, http, HttpResponse } from '@workflows-kit/testing';
import '@workflows-kit/testing/vitest';
import { ProcessOrderWorkflow } from '../src/workflows.js';

const env = await createTestEnvironment({ workflowsDir: 'workflows' });
afterAll(() => env.teardown());

it('declines a refused payment', async () => {
  env.stubs.use(
    http.post('https://api.example.com/validate', () => HttpResponse.json({ valid: true })),
    http.post('https://api.example.com/payments', () =>
      HttpResponse.json({ error: 'declined' }, { status: 402 }),
    ),
  );
  const execution = await env
    .workflow(ProcessOrderWorkflow)
    .invoke({ order_id: 1, customer_email: 'ann@example.com' });
  const status = await env.waitForExecution(execution.id);
  expect(status.state).toBe('FAILED');
  expect(status.error?.tags).toContain('HttpError');
  expect(status).toFailWith({ tags: ['HttpError'], payload: expect.objectContaining({ code: 402 }) });
});

it('waits an hour of virtual time after the payment, and returns a typed result', async () => {
  const payments = http.post('https://api.example.com/payments', () =>
    HttpResponse.json({ payment_id: 'pay_1' }),
  );
  env.stubs.use(
    http.post('https://api.example.com/validate', () => HttpResponse.json({ valid: true })),
    payments,
  );
  const before = env.clock.now();
  const result = await env
    .workflow(ProcessOrderWorkflow)
    .run({ order_id: 2, customer_email: 'bob@example.com' });
  expect(result).toEqual({ order_id: 2, payment_id: 'pay_1', waited_seconds: expect.any(Number) });
  expect(result.waited_seconds).toBeGreaterThanOrEqual(3600);
  expect(env.clock.now() - before).toBeGreaterThanOrEqual(3_600_000);
  expect(payments).toHaveBeenCalledOnce();
  expect(payments.calls.map((call) => call.body)).toEqual([
    {
      order_id: 2,
      customer_email: 'bob@example.com',
    },
  ]);
});
