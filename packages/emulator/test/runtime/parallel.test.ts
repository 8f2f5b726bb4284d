/** Parallel scheduling details the case files cannot observe: how many branches run at once. */
import { describe, expect, it } from 'vitest';
import { resultOf, run, TestClock } from './harness.js';

/** A clock whose sleeps take a real macrotask, so concurrent sleeps overlap and can be counted. */
class CountingClock extends TestClock {
  active = 0;
  maxActive = 0;
  override async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason as Error;
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    // Branch starts are microtask chains, so every branch that can start does so before this fires.
    await new Promise<void>((r) => setImmediate(r));
    this.sleeps.push(ms);
    this.active--;
  }
}

const fanOut = (count: number, limit?: string) => `
main:
  steps:
    - init:
        assign:
          - done: 0
    - fan:
        parallel:
          shared: [done]
${limit ? `          concurrency_limit: ${limit}\n` : ''}          for:
            value: v
            range: [1, ${count}]
            steps:
              - wait:
                  call: sys.sleep
                  args:
                    seconds: 1
              - mark:
                  assign:
                    - done: \${done + 1}
    - out:
        return: \${done}
`;

describe('parallel scheduling', () => {
  it('concurrency_limit caps the iterations running at once', async () => {
    const clock = new CountingClock();
    const r = await run(fanOut(6, '2'), { clock });
    expect(resultOf(r)).toBe(6);
    expect(clock.sleeps).toHaveLength(6);
    expect(clock.maxActive).toBe(2);
  });

  it('concurrency_limit may be an expression', async () => {
    const clock = new CountingClock();
    const r = await run(fanOut(5, '${1 + 2}'), { clock });
    expect(resultOf(r)).toBe(5);
    expect(clock.maxActive).toBe(3);
  });

  it('without a limit all iterations overlap', async () => {
    const clock = new CountingClock();
    const r = await run(fanOut(6), { clock });
    expect(resultOf(r)).toBe(6);
    expect(clock.maxActive).toBe(6);
  });

  it('at most 20 branches run at once per execution; the rest are queued', async () => {
    const clock = new CountingClock();
    const r = await run(fanOut(25), { clock });
    expect(resultOf(r)).toBe(25);
    expect(clock.maxActive).toBe(20);
  });

  it('branches run concurrently: the slow branch does not delay the fast one', async () => {
    const clock = new CountingClock();
    const r = await run(
      `
main:
  steps:
    - init:
        assign:
          - order: []
    - fan:
        parallel:
          shared: [order]
          branches:
            - slow:
                steps:
                  - s1:
                      call: sys.sleep
                      args:
                        seconds: 1
                  - s2:
                      call: sys.sleep
                      args:
                        seconds: 1
                  - s3:
                      assign:
                        - order: \${list.concat(order, "slow")}
            - fast:
                steps:
                  - f1:
                      call: sys.sleep
                      args:
                        seconds: 1
                  - f2:
                      assign:
                        - order: \${list.concat(order, "fast")}
    - out:
        return: \${order}
`,
      { clock },
    );
    expect(resultOf(r)).toEqual(['fast', 'slow']);
    expect(clock.maxActive).toBe(2);
  });
});
