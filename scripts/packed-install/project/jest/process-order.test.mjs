// The README's test in Jest (ESM mode), against the installed tarballs: the same as
// test/process-order.test.ts (vitest) and node-test/process-order.test.mjs (node:test).
import { describe, expect, it, jest } from '@jest/globals';
import { Workflow } from '@workflows-kit/client';
import { http, HttpResponse } from '@workflows-kit/testing';
import { setupWorkflowsTest } from '@workflows-kit/testing/jest';

class ProcessOrderWorkflow extends Workflow {
  static workflowName = 'process-order';
  static location = 'europe-west1';
}

const validate = http.post('https://api.example.com/validate', () => HttpResponse.json({ valid: true }));
const env = setupWorkflowsTest({ workflowsDir: 'workflows', handlers: [validate] });

describe('process-order', () => {
  // The testing README's example, word for word.
  it('declines a refused payment', async () => {
    const payments = http.post('https://api.example.com/payments', () =>
      HttpResponse.json({ error: 'declined' }, { status: 402 }),
    );
    env.stubs.use(
      http.post('https://api.example.com/validate', () => HttpResponse.json({ valid: true })),
      payments,
    );
    const status = await env.execute('process-order', { order_id: 1, customer_email: 'ann@example.com' });
    expect(status).toFailWith({ tags: ['HttpError'], payload: expect.objectContaining({ code: 402 }) });
    expect(payments).toHaveBeenCalledTimes(1);
  });

  it('declines a refused payment through the client class', async () => {
    const payments = http.post('https://api.example.com/payments', () =>
      HttpResponse.json({ error: 'declined' }, { status: 402 }),
    );
    env.stubs.use(payments);
    const execution = await env
      .workflow(ProcessOrderWorkflow)
      .invoke({ order_id: 1, customer_email: 'ann@example.com' });
    const status = await env.waitForExecution(execution.id);
    expect(status).toFailWith({ tags: ['HttpError'], payload: expect.objectContaining({ code: 402 }) });
    expect(status).not.toSucceedWith();
    expect(payments).toHaveBeenCalledTimes(1);
    expect(payments).toHaveBeenCalledOnce();
    expect(validate).toHaveBeenCalled();
  });

  it('waits an hour of virtual time after the payment', async () => {
    env.stubs.use(
      http.post('https://api.example.com/payments', () => HttpResponse.json({ payment_id: 'pay_1' })),
    );
    const before = env.clock.now();
    const result = await env
      .workflow(ProcessOrderWorkflow)
      .run({ order_id: 2, customer_email: 'bob@example.com' });
    expect(result).toEqual({ order_id: 2, payment_id: 'pay_1', waited_seconds: expect.any(Number) });
    expect(env.clock.now() - before).toBeGreaterThanOrEqual(3_600_000);
  });

  it('reset the stubs after the previous test, and fails a run whose call no stub answers', async () => {
    expect(validate).not.toHaveBeenCalled();
    await expect(
      env.workflow(ProcessOrderWorkflow).run({ order_id: 3, customer_email: 'cy@example.com' }),
    ).rejects.toThrow(/No stub matches POST https:\/\/api\.example\.com\/payments/);
    env.stubs.unhandled(); // looked at: the afterEach hook does not fail this test
  });

  it('explains a failed matcher, and leaves Jest spies to Jest', async () => {
    env.stubs.use(http.get('https://api.example.com/greeting', () => HttpResponse.json({ text: 'Hello' })));
    const status = await env.execute('hello', { name: 'jest' });
    expect(() => expect(status).toSucceedWith({ message: 'Hello, vitest' })).toThrow(
      /expected execution .* to succeed with/,
    );
    const spy = jest.fn();
    spy('x');
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy).not.toHaveBeenCalledTimes(2);
    expect(() => expect(spy).toHaveBeenCalledTimes(3)).toThrow(/Expected number of calls: 3/);
  });
});
