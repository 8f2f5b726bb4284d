// The README's example, kept runnable (only workflowsDir differs: it is relative to this file).
import { describe, it, expect } from 'vitest';
import { Workflow } from '@workflows-kit/client';
import { http, HttpResponse } from '@workflows-kit/testing';
import { setupWorkflowsTest } from '@workflows-kit/testing/vitest';

class ProcessOrderWorkflow extends Workflow {
  static readonly workflowName = 'process-order';
  static readonly location = 'europe-west1';
}

const validate = http.post('https://api.example.com/validate', () => HttpResponse.json({ valid: true }));
const env = setupWorkflowsTest({
  workflowsDir: new URL('./workflows', import.meta.url),
  handlers: [validate],
});

describe('process-order', () => {
  it('reports a declined payment', async () => {
    const payments = () => HttpResponse.json({ error: 'declined' }, { status: 402 });
    env.stubs.use(http.post('https://api.example.com/payments', payments));
    const execution = await env.workflow(ProcessOrderWorkflow).invoke({ orderId: 1, customerEmail: 'a@b.c' });
    const status = await env.waitForExecution(execution.id);
    expect(status).toSucceedWith({ status: 'declined', code: 402 });
    expect(validate).toHaveBeenCalledTimes(1);
    expect(env.stubs.calls('https://api.example.com/payments')[0]?.body).toEqual({
      orderId: 1,
      email: 'a@b.c',
    });
  });
});
