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

/** APPROVAL awaiting its callback without a timeout: Google's default is 12 hours. */
const DEFAULT_TIMEOUT = APPROVAL.replace('            timeout: 3600\n', '');

/** Resolves once an execution waits for its callback: its zero sleep done, its time-out timer set. */
async function untilWaiting(env: TestEnvironment): Promise<void> {
  for (;;) {
    await env.clock.advance(0);
    if (env.clock.pendingTimers().some((t) => t.getTime() > env.clock.now())) return;
    await new Promise((r) => setImmediate(r));
  }
}

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
      // Once the execution waits (its time-out timer exists), the clock gets many macrotasks in
      // which it could move by itself: its 1 h time-out must not fire.
      while (env.clock.pendingTimers().length === 0) await new Promise((r) => setImmediate(r));
      for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
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
      // On a real clock the 1 h time-out would outlast the test's own time-out.
      const status = await env.execute('approval', { delay: 0, method: 'POST' });
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

  it('await_callback without a timeout waits 12 hours: an answer just before succeeds, none times out at 12 h', async () => {
    // https://cloud.google.com/workflows/docs/reference/stdlib/events/await_callback: timeout
    // defaults to 43200 seconds.
    const TWELVE_HOURS = 43_200_000;
    await withEnv(
      async (env) => {
        expect(DEFAULT_TIMEOUT).not.toContain('timeout:');
        const started = env.clock.now();
        const early = await env.invoke('wait_default', { delay: 0, method: 'POST' });
        await untilWaiting(env);
        expect(env.clock.pendingTimers()).toEqual([new Date(started + TWELVE_HOURS)]);
        await env.clock.advance(TWELVE_HOURS - 1);
        await env.sendCallback(early.id, { ok: true });
        await env.clock.advance(0);
        const answered = env.getExecution(early.id);
        expect(answered.state).toBe('SUCCEEDED');
        const result = answered.result as { body: unknown; waited: number };
        expect(result.body).toEqual({ ok: true });
        // sys.now() is epoch seconds as a double: 1 ms short of 12 h, to double precision.
        expect(result.waited).toBeCloseTo(43_199.999, 6);

        const late = await env.invoke('wait_default', { delay: 0, method: 'POST' });
        await untilWaiting(env);
        await env.clock.advance(TWELVE_HOURS);
        expect(env.getExecution(late.id)).toMatchObject({
          state: 'SUCCEEDED',
          result: { tags: ['TimeoutError'], waited: 43_200 },
        });
      },
      { clock: 'manual', workflows: { wait_default: DEFAULT_TIMEOUT } },
    );
  });
});
