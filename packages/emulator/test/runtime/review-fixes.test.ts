/** Behaviours found missing in review: each was a real defect before. */
import { describe, expect, it } from 'vitest';
import { loadWorkflow } from '../../src/source/index.js';
import { errorOf, resultOf, run } from './harness.js';

describe('values nested very deeply', () => {
  it('fail with a ValueError, not an interpreter crash', async () => {
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

describe('string length', () => {
  it('is limited to 256 KB', async () => {
    const r = await run(`
main:
  steps:
    - init:
        assign:
          - s: "0123456789abcdef"
    - grow:
        for:
          value: j
          range: [1, 15]
          steps:
            - twice:
                assign:
                  - s: \${s + s}
`);
    const err = errorOf(r);
    expect(err.tags).toContain('ResourceLimitError');
    expect(err.context).toContain('256 KB');
  });

  it('allows strings just under the limit', async () => {
    const r = await run(`
main:
  steps:
    - init:
        assign:
          - s: "0123456789abcdef"
    - grow:
        for:
          value: j
          range: [1, 14]
          steps:
            - twice:
                assign:
                  - s: \${s + s}
    - done:
        return: \${len(s)}
`);
    expect(resultOf(r)).toBe(16 * 2 ** 14);
  });
});

describe('http argument checks', () => {
  it('rejects a port in the URL with private_service_name, and a non-bytes ca_certificate', async () => {
    for (const extra of [
      'private_service_name: projects/p/locations/l/namespaces/n/services/s',
      'ca_certificate: "abc"',
    ]) {
      const r = await run(
        `
main:
  steps:
    - get:
        call: http.get
        args:
          url: https://x.test:8080/a
          ${extra}
`,
        { routes: [{ url: 'https://x.test:8080/a', responses: [{ status: 200, body: {} }] }] },
      );
      expect(errorOf(r).tags).toEqual(['ValueError']);
      expect(r.requests).toHaveLength(0);
    }
  });
});

describe('retry policies written as maps', () => {
  it('accept stdlib predicates and retry.default_backoff as values', async () => {
    const r = await run(
      `
main:
  steps:
    - init:
        assign:
          - policy:
              predicate: \${http.default_retry_predicate}
              max_retries: 2
              backoff: \${retry.default_backoff}
    - call:
        try:
          call: http.get
          args:
            url: https://api.example.com/flaky
          result: resp
        retry: \${policy}
    - done:
        return: \${resp.body}
`,
      {
        routes: [
          {
            url: 'https://api.example.com/flaky',
            responses: [{ status: 503 }, { status: 503 }, { status: 200, body: { ok: true } }],
          },
        ],
      },
    );
    expect(resultOf(r)).toEqual({ ok: true });
    expect(r.requests).toHaveLength(3);
  });

  it('accept a subworkflow predicate named in a policy variable, and backoff as an expression', async () => {
    const r = await run(
      `
main:
  steps:
    - init:
        assign:
          - policy:
              predicate: \${always_retry}
              max_retries: 3
    - attempt:
        try:
          call: http.get
          args:
            url: https://api.example.com/flaky
          result: resp
        retry:
          predicate: \${always_retry}
          max_retries: 3
          backoff: \${retry.default_backoff}
    - done:
        return: \${[resp.code, policy.predicate]}
always_retry:
  params: [e]
  steps:
    - yes:
        return: true
`,
      {
        routes: [
          { url: 'https://api.example.com/flaky', responses: [{ status: 500 }, { status: 200, body: {} }] },
        ],
      },
    );
    expect(resultOf(r)).toEqual([200, 'always_retry']);
    expect((r.clock as unknown as { sleeps: number[] }).sleeps).toEqual([1000]);
  });
});

describe('__proto__ as a name', () => {
  it('works as a step name and as a variable', async () => {
    const source = `
main:
  steps:
    - __proto__:
        assign:
          - __proto__: 1
    - done:
        return: \${__proto__ + 1}
`;
    expect(loadWorkflow(source).ok).toBe(true);
    expect(resultOf(await run(source))).toBe(2);
  });
});

describe('error frames', () => {
  it('name the jumping step when the step limit is hit on a jump', async () => {
    const r = await run(
      `
main:
  steps:
    - init:
        assign:
          - i: 0
    - again:
        assign:
          - i: \${i + 1}
        next: again
`,
      { limits: { maxSteps: 50 } },
    );
    const err = errorOf(r);
    expect(err.tags).toContain('ResourceLimitError');
    expect(err.context).toContain('in step "again", routine "main"');
  });

  it('name the returning step when the result cannot be encoded', async () => {
    const r = await run(`
main:
  steps:
    - r:
        return: \${text.encode("a")}
`);
    const err = errorOf(r);
    expect(err.context).toContain('in step "r", routine "main"');
    if (r.outcome.state === 'FAILED') expect(r.outcome.error.stackTrace.elements[0]?.step).toBe('r');
  });
});

describe('http calls with positional args', () => {
  it('bind a list of args to the documented parameter order', async () => {
    const r = await run(
      `
main:
  steps:
    - get:
        call: http.get
        args: ["https://api.example.com/items", 30]
        result: resp
    - done:
        return: \${resp.body}
`,
      { routes: [{ url: 'https://api.example.com/items', responses: [{ status: 200, body: [1, 2] }] }] },
    );
    expect(resultOf(r)).toEqual([1, 2]);
    expect(r.requests[0]?.timeoutMs).toBe(30_000);
  });
});

describe('callback URLs', () => {
  it('come from the IdSource, so seeded runs hand out the same URLs', async () => {
    const source = `
main:
  steps:
    - make:
        call: events.create_callback_endpoint
        result: cb
    - done:
        return: \${cb.url}
`;
    const first = resultOf(await run(source));
    const second = resultOf(await run(source));
    expect(first).toBe(second);
    expect(first).toMatch(
      /^http:\/\/127\.0\.0\.1:9999\/v1\/projects\/my-project\/locations\/us-central1\/workflows\/wf\/executions\/exec-1\/callbacks\/[0-9a-f]+$/,
    );
  });
});
