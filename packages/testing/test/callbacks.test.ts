import { describe, it, expect } from 'vitest';
import { createTestEnvironment, type TestEnvironment } from '../src/index.js';

const APPROVAL = `
main:
  params: [args]
  steps:
    - init:
        assign:
          - t0: \${sys.now()}
    - prepare:
        call: sys.sleep
        args:
          seconds: \${args.delay}
    - create:
        call: events.create_callback_endpoint
        args:
          http_callback_method: \${args.method}
        result: cb
    - wait:
        try:
          call: events.await_callback
          args:
            callback: \${cb}
            timeout: 3600
          result: req
        except:
          as: e
          steps:
            - timedOut:
                return:
                  tags: \${e.tags}
                  waited: \${sys.now() - t0}
    - done:
        return:
          method: \${req.http_request.method}
          body: \${req.http_request.body}
          waited: \${sys.now() - t0}
`;

async function withEnv(fn: (env: TestEnvironment) => Promise<void>, options = {}): Promise<void> {
  const env = await createTestEnvironment({ workflows: { approval: APPROVAL }, ...options });
  try {
    await fn(env);
  } finally {
    await env.teardown();
  }
}

describe('callbacks', () => {
  it('sendCallback delivers to an execution awaiting a callback, without letting the time-out pass', async () => {
    await withEnv(async (env) => {
      const { id } = await env.invoke('approval', { delay: 0, method: 'POST' });
      // Real time passes (many macrotasks) while the execution waits: its 1 h time-out must not fire.
      await new Promise((r) => setTimeout(r, 30));
      expect(env.getExecution(id).currentSteps).toEqual([{ routine: 'main', step: 'wait' }]);
      const answer = await env.sendCallback(id, { approved: true });
      expect(answer.status).toBe(200);
      const status = await env.waitForExecution(id);
      expect(status.result).toEqual({ method: 'POST', body: { approved: true }, waited: 0 });
    });
  });

  it('sendCallback waits for the endpoint of an execution that sleeps first', async () => {
    await withEnv(async (env) => {
      const { id } = await env.invoke('approval', { delay: 7200, method: 'PUT' });
      await env.sendCallback(id, 'plain text', { headers: { 'Content-Type': 'text/plain' } });
      const status = await env.waitForExecution(id);
      expect(status.result).toEqual({ method: 'PUT', body: 'plain text', waited: 7200 });
    });
  });

  it('a callback time-out completes at once when the test waits for the execution', async () => {
    await withEnv(async (env) => {
      const began = performance.now();
      const status = await env.execute('approval', { delay: 0, method: 'POST' });
      expect(performance.now() - began).toBeLessThan(1000);
      expect(status.result).toEqual({ tags: ['TimeoutError'], waited: 3600 });
    });
  });

  it('refuses a callback to an execution that ended, and times out when none is created', async () => {
    await withEnv(async (env) => {
      const status = await env.execute('approval', { delay: 0, method: 'POST' });
      await expect(env.sendCallback(status.id, {})).rejects.toThrow(
        /answered 400|not active|FAILED_PRECONDITION/,
      );
    });
    await withEnv(
      async (env) => {
        const { id } = await env.invoke('approval', { delay: 60, method: 'POST' });
        await expect(env.sendCallback(id, {}, { timeoutMs: 50 })).rejects.toThrow(
          /created no callback endpoint within 50 ms/,
        );
        await env.clock.advance('1m');
        await env.sendCallback(id, { late: true });
        await env.clock.advance(0);
        expect(env.getExecution(id).result).toEqual({ method: 'POST', body: { late: true }, waited: 60 });
      },
      { clock: 'manual' },
    );
  });
});
