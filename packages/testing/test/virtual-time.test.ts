import { describe, it, expect } from 'vitest';
import {
  createTestEnvironment,
  http,
  HttpResponse,
  TestEnvironmentTimeoutError,
  type TestEnvironment,
} from '../src/index.js';

const SLEEPER = `
main:
  params: [args]
  steps:
    - before:
        assign:
          - t0: \${sys.now()}
    - nap:
        call: sys.sleep
        args:
          seconds: \${args.seconds}
    - after:
        return:
          slept: \${sys.now() - t0}
          t0: \${t0}
          at: \${time.format(sys.now())}
`;

/**
 * Two parallel branches that sleep: "slow" 30 s; "fast" 10 s, then the steps `afterWake`, then
 * 5 s. Returns the order in which they woke, with the virtual seconds since the start.
 */
const race = (afterWake: string) => `
main:
  steps:
    - init:
        assign:
          - order: []
          - t0: \${sys.now()}
    - race:
        parallel:
          shared: [order]
          branches:
            - slow:
                steps:
                  - s1:
                      call: sys.sleep
                      args: { seconds: 30 }
                  - r1:
                      assign:
                        - order: \${list.concat(order, "slow@" + string(int(sys.now() - t0)))}
            - fast:
                steps:
                  - f1:
                      call: sys.sleep
                      args: { seconds: 10 }${afterWake}
                  - r2:
                      assign:
                        - order: \${list.concat(order, "fast@" + string(int(sys.now() - t0)))}
                  - f2:
                      call: sys.sleep
                      args: { seconds: 5 }
                  - r3:
                      assign:
                        - order: \${list.concat(order, "fast2@" + string(int(sys.now() - t0)))}
    - done:
        return: \${order}
`;

/** Resolves once an execution has registered a timer with the clock (it is asleep). */
async function sleeping(env: TestEnvironment): Promise<void> {
  while (env.clock.pendingTimers().length === 0) await new Promise((r) => setImmediate(r));
}

async function withEnv(
  options: Parameters<typeof createTestEnvironment>[0],
  fn: (env: TestEnvironment) => Promise<void>,
): Promise<void> {
  const env = await createTestEnvironment(options);
  try {
    await fn(env);
  } finally {
    await env.teardown();
  }
}

describe('virtual time', () => {
  it('a 3 h sleep returns at once, with sys.now and time.format 3 h later', async () => {
    const start = Date.parse('2030-01-01T00:00:00Z');
    await withEnv({ workflows: { sleeper: SLEEPER }, startTime: start }, async (env) => {
      // On a real clock this would take 3 hours: the test would time out.
      const status = await env.workflow('sleeper').run({ seconds: 3 * 3600 });
      const r = status as { slept: number; t0: number; at: string };
      expect(r.slept).toBeCloseTo(3 * 3600, 3);
      expect(r.t0).toBe(start / 1000);
      expect(r.at).toBe('2030-01-01T03:00:00.000000Z');
      expect(env.clock.now()).toBe(start + 3 * 3600 * 1000);
      expect(env.clock.date().toISOString()).toBe('2030-01-01T03:00:00.000Z');
    });
  });

  it('wakes concurrent sleepers in time order, with consistent sys.now', async () => {
    await withEnv({ workflows: { race: race('') } }, async (env) => {
      const status = await env.execute('race');
      expect(status.result).toEqual(['fast@10', 'fast2@15', 'slow@30']);
    });
  });

  it('does not move time while a woken execution computes, even past a fairness yield', async () => {
    // After waking, branch "fast" runs 20,000 steps (longer than the few milliseconds after which
    // an execution lets the event loop in) before it sleeps again. Time must not jump to the other
    // branch's timer during those steps: virtual time moves only when every execution waits.
    const busy = `
                  - busy:
                      for:
                        value: i
                        range: [1, 20000]
                        steps:
                          - work:
                              assign:
                                - x: \${i * 2}`;
    await withEnv({ workflows: { race: race(busy) } }, async (env) => {
      const status = await env.execute('race');
      expect(status.result).toEqual(['fast@10', 'fast2@15', 'slow@30']);
    });
  });

  it('sys.sleep_until completes at once at the requested time', async () => {
    const source = `
main:
  steps:
    - wait:
        call: sys.sleep_until
        args:
          time: "2031-06-01T12:00:00Z"
    - done:
        return: \${time.format(sys.now())}
`;
    await withEnv({ workflows: { until: source }, startTime: '2031-06-01T00:00:00Z' }, async (env) => {
      expect((await env.execute('until')).result).toBe('2031-06-01T12:00:00.000000Z');
    });
  });

  it('retry back-off runs in virtual time, with the documented delays', async () => {
    const source = `
main:
  steps:
    - init:
        assign:
          - t0: \${sys.now()}
    - call:
        try:
          call: http.get
          args:
            url: https://api.example.com/flaky
          result: r
        retry:
          predicate: \${http.default_retry_predicate}
          max_retries: 5
          backoff:
            initial_delay: 10
            max_delay: 60
            multiplier: 2
    - done:
        return:
          body: \${r.body}
          elapsed: \${sys.now() - t0}
`;
    await withEnv({ workflows: { retry: source } }, async (env) => {
      // The first argument takes precedence, as in msw: three 503s, then the steady answer.
      env.stubs.use(
        http.get('https://api.example.com/flaky', () => HttpResponse.json('busy', { status: 503 }), {
          times: 3,
        }),
        http.get('https://api.example.com/flaky', () => HttpResponse.json('ok')),
      );
      // 70 s of real back-off would outlast the test's time-out.
      const status = await env.execute('retry');
      // 10 + 20 + 40 seconds of back-off before the 4th attempt.
      expect(status.result).toEqual({ body: 'ok', elapsed: 70 });
      const times = env.stubs.calls('https://api.example.com/flaky').map((c) => c.time.getTime());
      expect(times.slice(1).map((t, i) => (t - times[i]!) / 1000)).toEqual([10, 20, 40]);
    });
  });

  it("clock 'manual': time moves only with env.clock.advance()", async () => {
    await withEnv({ workflows: { sleeper: SLEEPER }, clock: 'manual' }, async (env) => {
      expect(env.clock.mode).toBe('manual');
      const t0 = env.clock.now();
      const { id } = await env.invoke('sleeper', { seconds: 7200 });
      await sleeping(env);
      expect(env.getExecution(id).state).toBe('ACTIVE');
      expect(env.getExecution(id).currentSteps).toEqual([{ routine: 'main', step: 'nap' }]);
      expect(env.clock.pendingTimers()).toEqual([new Date(t0 + 7_200_000)]);

      await env.clock.advance('1h');
      expect(env.clock.now()).toBe(t0 + 3_600_000);
      expect(env.getExecution(id).state).toBe('ACTIVE');

      await expect(env.waitForExecution(id, { timeoutMs: 50 })).rejects.toThrow(TestEnvironmentTimeoutError);
      await expect(env.waitForExecution(id, { timeoutMs: 50 })).rejects.toThrow(
        /clock is manual.*env\.clock\.advance/,
      );

      await env.clock.advance('59m 59s');
      expect(env.getExecution(id).state).toBe('ACTIVE');
      await env.clock.advance(1000);
      const status = env.getExecution(id);
      expect(status.state).toBe('SUCCEEDED');
      expect((status.result as { slept: number }).slept).toBe(7200);
    });
  });

  it('advance() in manual mode fires timers set by woken executions within the same window', async () => {
    const source = `
main:
  steps:
    - a:
        call: sys.sleep
        args: { seconds: 60 }
    - b:
        call: sys.sleep
        args: { seconds: 60 }
    - c:
        return: done
`;
    await withEnv({ workflows: { twice: source }, clock: 'manual' }, async (env) => {
      const { id } = await env.invoke('twice');
      await sleeping(env);
      await env.clock.advance('2m');
      expect(env.getExecution(id)).toMatchObject({ state: 'SUCCEEDED', result: 'done' });
    });
  });

  it("clock 'real' runs on wall time and refuses advance()", async () => {
    await withEnv({ workflows: { sleeper: SLEEPER }, clock: 'real' }, async (env) => {
      const status = await env.execute('sleeper', { seconds: 0.05 });
      // sys.now() read the wall clock on both sides of a real 50 ms sleep (Node may fire a
      // timer up to 1 ms early).
      expect((status.result as { slept: number }).slept).toBeGreaterThanOrEqual(0.049);
      await expect(env.clock.advance('1s')).rejects.toThrow(/needs virtual time/);
      // The emulator's real clock reads performance.timeOrigin + performance.now() (wall time that
      // never goes back): env.clock.now() falls between two readings of it.
      const wall = () => performance.timeOrigin + performance.now();
      const before = wall();
      const now = env.clock.now();
      expect(now).toBeGreaterThanOrEqual(before);
      expect(now).toBeLessThanOrEqual(wall());
    });
  });
});

describe('seeded IDs', () => {
  const UUIDS = `
main:
  steps:
    - done:
        return: [\${uuid.generate()}, \${uuid.generate()}]
`;
  const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  async function idsFor(seed: number | string | undefined) {
    const env = await createTestEnvironment({
      workflows: { ids: UUIDS },
      ...(seed !== undefined && { seed }),
    });
    try {
      const first = await env.execute('ids');
      const second = await env.execute('ids');
      return [
        first.id,
        first.workflowRevisionId,
        ...(first.result as string[]),
        second.id,
        ...(second.result as string[]),
      ];
    } finally {
      await env.teardown();
    }
  }

  it('are stable across two environments with the same seed, and differ with another seed', async () => {
    const [a, b, c, random] = await Promise.all([idsFor(42), idsFor(42), idsFor('other'), idsFor(undefined)]);
    expect(a).toEqual(b);
    expect(new Set(a).size).toBe(a.length);
    for (const id of [...a.slice(0, 1), ...a.slice(2)]) expect(id).toMatch(UUID_V4);
    expect(a[1]).toMatch(/^000001-[0-9a-f]{3}$/);
    expect(c).not.toEqual(a);
    expect(random).not.toEqual(a);
  });
});
