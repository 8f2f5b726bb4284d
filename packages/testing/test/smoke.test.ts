import { describe, it, expect } from 'vitest';
import { Workflow } from '@workflows-kit/client';
import { createTestEnvironment, http, HttpResponse } from '../src/index.js';

class ProcessOrderWorkflow extends Workflow {
  static readonly workflowName = 'process-order';
  static readonly location = 'europe-west1';
}

describe('smoke', () => {
  it('runs', async () => {
    const env = await createTestEnvironment({ workflowsDir: new URL('./workflows', import.meta.url) });
    env.stubs.use(
      http.post('https://api.example.com/validate', () => HttpResponse.json({ valid: true })),
      http.post('https://api.example.com/payments', () => HttpResponse.json({ error: 'declined' }, { status: 402 })),
    );
    const wf = env.workflow(ProcessOrderWorkflow);
    const execution = await wf.invoke({ orderId: 1, customerEmail: 'a@b.c' });
    const status = await env.waitForExecution(execution.id);
    console.log(status, env.stubs.calls('https://api.example.com/payments'), env.executionHistory(execution.id));
    expect(status.result).toEqual({ status: 'declined', code: 402 });
    const t0 = performance.now();
    const r = await wf.run({ orderId: 2, customerEmail: 'a@b.c' });
    console.log('run ms', performance.now() - t0, r);
    await env.teardown();
  });
});
