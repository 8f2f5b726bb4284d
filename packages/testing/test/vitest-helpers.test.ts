import { describe, it, expect, vi } from 'vitest';
import { Workflow } from '@workflows-kit/client';
import { setupWorkflowsTest } from '../src/vitest.js';
import { connector, http, HttpResponse, UnhandledRequestError } from '../src/index.js';
import { failureOf } from './failure-of.js';

class ProcessOrderWorkflow extends Workflow {
  static readonly workflowName = 'process-order';
  static readonly location = 'us-central1';
}

const validate = http.post('https://api.example.com/validate', () => HttpResponse.json({ valid: true }));

const env = setupWorkflowsTest({
  workflowsDir: new URL('./workflows', import.meta.url),
  workflows: {
    boom: 'main:\n  steps:\n    - fail:\n        raise: {message: "card declined", tags: ["PaymentError"], code: 402}\n',
  },
  handlers: [validate],
});

describe('setupWorkflowsTest', () => {
  it('creates the environment in beforeAll and registers the initial handlers', async () => {
    expect(env.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    env.stubs.use(http.post('https://api.example.com/payments', () => HttpResponse.json({ id: 'p-1' })));
    const status = await env.waitForExecution(
      await env.workflow(ProcessOrderWorkflow).invoke({ orderId: 1, customerEmail: 'a@b.c' }),
    );
    expect(status).toSucceedWith({ status: 'paid', valid: true });
    expect(status).toSucceedWith(expect.objectContaining({ status: 'paid' }));
    expect(status).not.toFailWith();
    expect(validate).toHaveBeenCalledTimes(1);
    expect(validate).toHaveBeenCalledOnce();
    expect(validate).toHaveBeenCalled();
  });

  it('reset the stubs after the previous test', async () => {
    expect(env.stubs.calls()).toEqual([]);
    expect(env.stubs.list().map((s) => s.description)).toEqual(['POST https://api.example.com/validate']);
    expect(validate).not.toHaveBeenCalled();
    // The payments stub of the previous test is gone.
    const execution = await env.workflow(ProcessOrderWorkflow).invoke({ orderId: 2, customerEmail: 'a@b.c' });
    await expect(env.waitForExecution(execution.id)).rejects.toThrow(UnhandledRequestError);
  });

  it('toFailWith reads statuses and the errors of run()', async () => {
    const wf = env.workflow({ workflowName: 'boom' });
    await expect(wf.run()).rejects.toFailWith({ tags: ['PaymentError'], message: 'declined' });
    await expect(wf.run()).rejects.toFailWith({
      message: /^card/,
      payload: expect.objectContaining({ code: 402 }),
    });
    const status = await env.execute('boom');
    expect(status).toFailWith({ tags: ['PaymentError'] });
    expect(status).not.toFailWith({ tags: ['HttpError'] });
    expect(status).not.toSucceedWith();
    expect(failureOf(() => expect(status).toSucceedWith(1))).toMatch(
      /to succeed with 1, but it ended FAILED \[PaymentError\]: card declined\nin step "fail", routine "main"/,
    );
    expect(failureOf(() => expect(status).toFailWith({ tags: ['HttpError'] }))).toMatch(/lack HttpError/);
    expect(failureOf(() => expect({ nope: 1 }).toSucceedWith())).toMatch(/expected an execution status/);
  });

  it('keeps toHaveBeenCalledTimes working for spies, and explains a stub mismatch', () => {
    const spy = vi.fn();
    spy();
    expect(spy).toHaveBeenCalledTimes(1);
    expect(() => expect(validate).toHaveBeenCalledTimes(2)).toThrow(
      /expected stub POST https:\/\/api\.example\.com\/validate to have been called 2 times, but it answered 0/,
    );
    const doc = connector('googleapis.firestore.v1.*', { fields: {} });
    expect(doc).toHaveBeenCalledTimes(0);
    expect(() => expect(42).toHaveBeenCalledTimes(1)).toThrow(/not a spy/);
  });
});
