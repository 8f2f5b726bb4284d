/**
 * Retry policies (https://cloud.google.com/workflows/docs/reference/syntax/retrying): as pure
 * functions (values → policy, attempt → delay) without a workflow, then written as maps in workflows.
 */
import { describe, expect, it } from 'vitest';
import { Double, type Value } from '../../src/values/types.js';
import { policyValuesFromMap, retryDelay, retryPolicy } from '../../src/runtime/retry-policy.js';
import { resultOf, run } from './harness.js';

const map = (entries: [string, Value][]) => new Map<string, Value>(entries);

describe('retry policy', () => {
  it('fills the defaults: no retries, retry.always, 1 s doubling by 1.25 up to 60 s', () => {
    const p = retryPolicy({ maxRetries: null, initialDelay: null, maxDelay: null, multiplier: null });
    expect(p).toEqual({
      predicate: 'retry.always',
      maxRetries: 0,
      initialDelay: 1,
      maxDelay: 60,
      multiplier: 1.25,
    });
  });

  it('reads a policy map (http.default_retry: predicate by name, 5 retries, the default back-off)', () => {
    const values = policyValuesFromMap(
      map([
        ['predicate', 'http.default_retry_predicate'],
        ['max_retries', 5],
        [
          'backoff',
          map([
            ['initial_delay', 1],
            ['max_delay', 60],
            ['multiplier', new Double(1.25)],
          ]),
        ],
      ]),
    );
    expect(retryPolicy(values)).toEqual({
      predicate: 'http.default_retry_predicate',
      maxRetries: 5,
      initialDelay: 1,
      maxDelay: 60,
      multiplier: 1.25,
    });
  });

  it('refuses what is not a map, and numbers that are not numbers', () => {
    expect(() => policyValuesFromMap('often')).toThrow(/retry policy must be a map, got string/);
    expect(() =>
      retryPolicy({ maxRetries: 'three', initialDelay: null, maxDelay: null, multiplier: null }),
    ).toThrow(/max_retries must be a number, got string/);
  });

  it('gives the initial delay first, then multiplies each delay, capped at the maximum', () => {
    const p = retryPolicy({ maxRetries: 10, initialDelay: 2, maxDelay: 10, multiplier: 2 });
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelay(p, n))).toEqual([2, 4, 8, 10, 10, 10]);
    // The first delay is the initial one even above the maximum.
    const q = retryPolicy({ maxRetries: 3, initialDelay: 30, maxDelay: 10, multiplier: 2 });
    expect([1, 2].map((n) => retryDelay(q, n))).toEqual([30, 10]);
    const r = retryPolicy({ maxRetries: 3, initialDelay: 8, maxDelay: 60, multiplier: new Double(0.5) });
    expect([1, 2, 3].map((n) => retryDelay(r, n))).toEqual([8, 4, 2]);
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
