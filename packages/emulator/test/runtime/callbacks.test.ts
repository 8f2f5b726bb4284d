/** Callback endpoints (https://cloud.google.com/workflows/docs/creating-callback-endpoints) in a running workflow. */
import { describe, expect, it } from 'vitest';
import { resultOf, run } from './harness.js';

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
