/** Execution limits (https://cloud.google.com/workflows/quotas): steps, memory, call depth, string length, nesting. */
import { describe, expect, it } from 'vitest';
import { errorOf, resultOf, run, type TestClock } from './harness.js';

describe('limits', () => {
  it('building a list beyond 512 KB of variables fails with an uncatchable ResourceLimitError', async () => {
    const r = await run(`
main:
  steps:
    - init:
        assign:
          - chunk: "0123456789abcdef"
          - items: []
    - grow:
        for:
          value: i
          range: [1, 6]
          steps:
            - double:
                assign:
                  - chunk: \${chunk + chunk}
    - fill:
        try:
          steps:
            - loop:
                for:
                  value: j
                  range: [1, 1000]
                  steps:
                    - add:
                        assign:
                          - items: \${list.concat(items, chunk)}
        except:
          as: e
          steps:
            - caught:
                return: "caught"
    - done:
        return: \${len(items)}
`);
    // 1000 strings of 1024 characters ≈ 1 MB: must not complete, and the except block must not see it.
    const err = errorOf(r);
    expect(err.tags).toContain('ResourceLimitError');
    expect(typeof (err.payload as { message?: unknown }).message).toBe('string');
  });

  it('variables may use exactly 512 KB; one byte more fails with ResourceLimitError', async () => {
    // Accounting (https://cloud.google.com/workflows/docs/reference/syntax/variables#memory-usage):
    // a string costs 8 bytes + its length, plus the variable name. \`a\` holds 2^18 = 262,144
    // characters (1 + 8 + 262,144 bytes); \`b\` costs 1 + 8 + n: n = 262,126 brings the total to
    // exactly 524,288 bytes.
    const src = (n: number) => `
main:
  steps:
    - init:
        assign:
          - a: "x"
    - grow:
        for:
          value: i
          range: [1, 18]
          steps:
            - double:
                assign:
                  - a: \${a + a}
    - cut:
        assign:
          - b: \${text.substring(a, 0, ${n})}
    - done:
        return: \${len(a) + len(b)}
`;
    expect(resultOf(await run(src(262_126)))).toBe(262_144 + 262_126);
    const over = errorOf(await run(src(262_127)));
    expect(over.tags).toEqual(['ResourceLimitError', 'MemoryLimitExceededError']);
    expect(over.payload).toMatchObject({
      message: 'Memory usage limit exceeded: variables use about 524289 bytes, the limit is 524288',
    });
  });

  it('a string may hold 256 KB; doubling it past that fails with ResourceLimitError', async () => {
    const src = (times: number) => `
main:
  steps:
    - init:
        assign:
          - s: "x"
    - grow:
        for:
          value: i
          range: [1, ${times}]
          steps:
            - double:
                assign:
                  - s: \${s + s}
    - done:
        return: \${len(s)}
`;
    // 2^18 characters is exactly 256 KB; 2^19 is the first string over the string limit, which
    // trips before the 512 KB memory limit does.
    expect(resultOf(await run(src(18)))).toBe(262_144);
    const over = errorOf(await run(src(19)));
    expect(over.tags).toEqual(['ResourceLimitError']);
    expect(over.payload).toMatchObject({
      message: 'string of 524288 bytes exceeds the 256 KB limit on strings',
    });
    expect(over.context).toContain('256 KB');
  });

  it('memory is released when a loop iteration ends', async () => {
    const r = await run(`
main:
  steps:
    - init:
        assign:
          - n: 0
    - loop:
        for:
          value: i
          range: [1, 40]
          steps:
            - big:
                assign:
                  - local: \${text.replace_all(text.substring("%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%", 0, 32), "%", "0123456789abcdef0123456789abcdef")}
                  - local2: \${local + local + local + local + local + local + local + local}
                  - local3: \${local2 + local2 + local2 + local2 + local2 + local2 + local2 + local2}
                  - local4: \${local3 + local3 + local3}
                  - n: \${n + len(local4)}
    - done:
        return: \${n}
`);
    // Each iteration holds ~265 KB that is dropped when the iteration ends; 40 iterations ≈ 10 MB in total.
    expect(resultOf(r)).toBe(40 * 32 * 32 * 8 * 8 * 3);
  });

  it('the step limit counts every step and is configurable', async () => {
    const src = `
main:
  steps:
    - init:
        assign:
          - i: 0
    - loop:
        for:
          value: v
          range: [1, \${n}]
          steps:
            - inc:
                assign:
                  - i: \${i + 1}
    - done:
        return: \${i}
`;
    const small = await run(src.replace('${n}', '10'), { limits: { maxSteps: 100 } });
    expect(resultOf(small)).toBe(10);
    const big = await run(src.replace('${n}', '200'), { limits: { maxSteps: 100 } });
    expect(errorOf(big).tags).toEqual(['ResourceLimitError']);
  });

  it('the default step limit lets a 30,000-iteration loop finish', async () => {
    const r = await run(`
main:
  steps:
    - init:
        assign:
          - total: 0
    - loop:
        for:
          value: v
          range: [1, 30000]
          steps:
            - add:
                assign:
                  - total: \${total + v}
    - done:
        return: \${total}
`);
    expect(resultOf(r)).toBe((30000 * 30001) / 2);
  });

  it('call depth: 20 frames (main + 19) succeed, 21 fail with RecursionError', async () => {
    const src = (n: number) => `
main:
  steps:
    - start:
        call: down
        args:
          n: ${n}
        result: r
    - done:
        return: \${r}
down:
  params: [n]
  steps:
    - base:
        switch:
          - condition: \${n == 0}
            return: "bottom"
    - rec:
        call: down
        args:
          n: \${n - 1}
        result: r
    - back:
        return: \${r}
`;
    // main is depth 1; down(n) .. down(0) add n+1 frames.
    expect(resultOf(await run(src(18)))).toBe('bottom');
    const over = errorOf(await run(src(19)));
    expect(over.tags).toEqual(['RecursionError']);
  });

  it('an HTTP response of exactly 2 MB is read; one byte more fails with ResourceLimitError', async () => {
    // Without \`result\` the body is not stored, so only the response limit applies.
    const fetchOnce = (bytes: number) =>
      run(
        `
main:
  steps:
    - fetch:
        call: http.get
        args:
          url: https://api.example.com/huge
    - done:
        return: "read"
`,
        {
          routes: [
            {
              url: 'https://api.example.com/huge',
              responses: [{ headers: { 'Content-Type': 'text/plain' }, body: 'x'.repeat(bytes) }],
            },
          ],
        },
      );
    expect(resultOf(await fetchOnce(2 * 1024 * 1024))).toBe('read');
    const over = errorOf(await fetchOnce(2 * 1024 * 1024 + 1));
    expect(over.tags).toEqual(['ResourceLimitError']);
    expect(over.payload).toMatchObject({
      message: 'HTTP response body of 2097153 bytes exceeds the 2 MB limit',
    });
  });

  it('sys.sleep accepts up to one year (31,536,000 s); a longer sleep is a ValueError', async () => {
    const sleep = (seconds: string) =>
      run(`
main:
  steps:
    - nap:
        call: sys.sleep
        args:
          seconds: ${seconds}
    - done:
        return: "rested"
`);
    const year = await sleep('31536000');
    expect(resultOf(year)).toBe('rested');
    expect((year.clock as TestClock).sleeps).toEqual([31_536_000_000]);
    for (const over of ['31536001', '31536000.5']) {
      const r = await sleep(over);
      expect(errorOf(r).tags).toEqual(['ValueError']);
      expect(errorOf(r).payload).toMatchObject({
        message: 'sys.sleep: seconds must be between 0 and 31536000',
      });
      expect((r.clock as TestClock).sleeps).toEqual([]);
    }
  });

  it('values nested 2,000 deep fail with a ValueError, not an interpreter crash', async () => {
    const r = await run(`
main:
  steps:
    - init:
        assign:
          - v: []
    - deepen:
        for:
          value: j
          range: [1, 2000]
          steps:
            - wrap:
                assign:
                  - v: \${[v]}
`);
    const err = errorOf(r);
    expect(err.tags).toEqual(['ValueError']);
    expect(err.context).toContain('in step "wrap", routine "main"');
  });
});
