// The README's test with node:test and node:assert, against the installed tarballs: the same as
// test/process-order.test.ts (vitest) and jest/process-order.test.mjs (Jest).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Workflow } from '@workflows-kit/client';
import { http, HttpResponse, UnhandledRequestError } from '@workflows-kit/testing';
import { expectWorkflow, setupWorkflowsTest } from '@workflows-kit/testing/node-test';

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
    assert.equal(status.state, 'FAILED');
    expectWorkflow(status).toFailWith({ tags: ['HttpError'] });
    expectWorkflow(payments).toHaveBeenCalledTimes(1);
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
    assert.equal(status.state, 'FAILED');
    assert.ok(status.error?.tags.includes('HttpError'));
    expectWorkflow(status).toFailWith({ tags: ['HttpError'] });
    expectWorkflow(status).not.toSucceedWith();
    expectWorkflow(payments).toHaveBeenCalledTimes(1);
    expectWorkflow(payments).toHaveBeenCalledOnce();
    assert.deepEqual(payments.calls[0]?.body, { order_id: 1, customer_email: 'ann@example.com' });
  });

  it('waits an hour of virtual time after the payment', async () => {
    env.stubs.use(
      http.post('https://api.example.com/payments', () => HttpResponse.json({ payment_id: 'pay_1' })),
    );
    const before = env.clock.now();
    const result = /** @type {{ order_id: number, payment_id: string, waited_seconds: number }} */ (
      await env.workflow(ProcessOrderWorkflow).run({ order_id: 2, customer_email: 'bob@example.com' })
    );
    assert.deepEqual(result, { order_id: 2, payment_id: 'pay_1', waited_seconds: result.waited_seconds });
    assert.ok(result.waited_seconds >= 3600);
    assert.ok(env.clock.now() - before >= 3_600_000);
  });

  it('reset the stubs after the previous test, and fails a run whose call no stub answers', async () => {
    expectWorkflow(validate).not.toHaveBeenCalled();
    await assert.rejects(
      env.workflow(ProcessOrderWorkflow).run({ order_id: 3, customer_email: 'cy@example.com' }),
      (err) =>
        err instanceof UnhandledRequestError &&
        /No stub matches POST https:\/\/api\.example\.com\/payments/.test(err.message),
    );
  });

  it('throws node:assert errors that say what differed', async () => {
    env.stubs.use(http.get('https://api.example.com/greeting', () => HttpResponse.json({ text: 'Hello' })));
    const status = await env.execute('hello', { name: 'node' });
    expectWorkflow(status).toSucceedWith({ message: 'Hello, node' });
    assert.throws(
      () => expectWorkflow(status).toSucceedWith({ message: 'Hello, jest' }),
      (err) =>
        err instanceof assert.AssertionError && /expected execution .* to succeed with/.test(err.message),
    );
  });
});
