/** Parallel scheduling details the case files cannot observe: how many branches run at once. */
import { describe, expect, it } from 'vitest';
import { errorOf, resultOf, run, TestClock } from './harness.js';

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

/** Four iterations; 0, 2 and 3 raise a map naming themselves, 1 succeeds. */
const THREE_FAIL = `
main:
  steps:
    - fan:
        parallel:
          for:
            value: v
            in: [0, 1, 2, 3]
            steps:
              - check:
                  switch:
                    - condition: \${v != 1}
                      raise:
                        message: \${"iteration " + string(v) + " failed"}
                        v: \${v}
`;

interface BranchErrorPayload {
  message: string;
  tags: string[];
  branches: { id: string; error: { message: string; v: number } }[];
  truncated: boolean;
}

describe('UnhandledBranchError', () => {
  // Google documents the tag and that it reports the branch errors up to a maximum number
  // (https://cloud.google.com/workflows/docs/reference/syntax/error-types), not the fields of its
  // map: `branches` (id and error of each) and `truncated` are our choice (emulator README).
  it('keeps the error of every failed branch or iteration, not only the first', async () => {
    const payload = errorOf(await run(THREE_FAIL)).payload as BranchErrorPayload;
    expect(payload.tags).toEqual(['UnhandledBranchError']);
    expect(payload.message).toBe(
      'UnhandledBranchError: 3 branches or iterations ended with an unhandled error',
    );
    const byId = [...payload.branches].sort((a, b) => a.id.localeCompare(b.id));
    expect(byId).toEqual([
      { id: '0', error: { message: 'iteration 0 failed', v: 0 } },
      { id: '2', error: { message: 'iteration 2 failed', v: 2 } },
      { id: '3', error: { message: 'iteration 3 failed', v: 3 } },
    ]);
    expect(payload.truncated).toBe(false);
  });

  it('keeps at most the configured number of branch errors and says when it dropped some', async () => {
    const atLimit = errorOf(await run(THREE_FAIL, { limits: { maxUnhandledBranchErrors: 3 } }))
      .payload as BranchErrorPayload;
    expect(atLimit.branches).toHaveLength(3);
    expect(atLimit.truncated).toBe(false);
    const over = errorOf(await run(THREE_FAIL, { limits: { maxUnhandledBranchErrors: 2 } }))
      .payload as BranchErrorPayload;
    expect(over.message).toBe('UnhandledBranchError: 3 branches or iterations ended with an unhandled error');
    expect(over.branches).toHaveLength(2);
    expect(over.truncated).toBe(true);
  });

  it('names a single failed branch by its branch name, in the singular', async () => {
    const payload = errorOf(
      await run(`
main:
  steps:
    - fan:
        parallel:
          branches:
            - good:
                steps:
                  - ok:
                      assign:
                        - a: 1
            - bad:
                steps:
                  - boom:
                      raise: "bad branch"
`),
    ).payload as BranchErrorPayload;
    expect(payload.message).toBe('UnhandledBranchError: 1 branch or iteration ended with an unhandled error');
    expect(payload.branches).toEqual([{ id: 'bad', error: 'bad branch' }]);
  });
});
