/**
 * A long CPU-bound execution never stalls the server: the executor lets the event loop in
 * after a few milliseconds of running, so a request that arrives meanwhile is answered while
 * the execution still runs (here: a cancel, which can only succeed while it is ACTIVE).
 */
import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { createApp } from '../../src/server/app.js';
import { createAppDeps } from '../../src/server/deps.js';
import { deploy, execute, waitDone } from './helpers.js';

// Fewer than 1,000 steps, each slow (a regular expression over a 64 KB string, tens of
// milliseconds): an executor that yielded only every 1,000 steps would run it to the end
// before reading the cancel request.
const BUSY = `main:
  steps:
    - init:
        assign:
          - s: "ab"
    - grow:
        for:
          value: i
          range: [1, 15]
          steps:
            - double:
                assign:
                  - s: \${s + s}
    - busy:
        for:
          value: i
          range: [1, 400]
          steps:
            - work:
                assign:
                  - r: \${text.replace_all_regex(s, "a", "c")}
    - done:
        return: finished
`;

describe('a busy execution', () => {
  it('lets a concurrent REST request in while it runs', async () => {
    const app = createApp(createAppDeps());
    await deploy(app, 'busy', BUSY);
    const ex = await execute(app, 'busy');
    expect(ex.state).toBe('ACTIVE');
    const res = await request(app)
      .post(`/v1/${ex.name as string}:cancel`)
      .send({});
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.state).toBe('CANCELLED');
    const done = await waitDone(app, ex.name as string);
    expect(done.state).toBe('CANCELLED');
    expect(done.result).toBeUndefined();
  });
});
