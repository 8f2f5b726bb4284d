// Record and replay under Jest: a loopback service started here, recorded into the default
// file (__recordings__ beside this test), stopped, then replayed.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import { existsSync } from 'node:fs';
import { createTestEnvironment } from '@workflows-kit/testing';
import { setupWorkflowsTest } from '@workflows-kit/testing/jest';

const COUNTER = `
main:
  params: [args]
  steps:
    - first:
        call: http.get
        args:
          url: \${args.url}
        result: a
    - second:
        call: http.get
        args:
          url: \${args.url}
        result: b
    - done:
        return: \${[a.body.n, b.body.n]}
`;

let n = 0;
const server = createServer((_req, res) => {
  n++;
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify({ n }));
});
let url = '';
beforeAll(async () => {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  url = `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}/count`;
});
afterAll(() =>
  server.listening ? new Promise((resolve) => server.close(() => resolve(undefined))) : undefined,
);

const env = setupWorkflowsTest({ workflows: { counter: COUNTER }, recording: { mode: 'record' } });

it('records into __recordings__ beside the test file, then replays with the service stopped', async () => {
  expect(env.recording?.file).toMatch(/jest[/\\]__recordings__[/\\]recording\.test\.mjs\.yaml$/);
  const recording = env.recording;
  if (!recording) throw new Error('the environment has no recording');
  expect(await env.execute('counter', { url })).toSucceedWith([1, 2]);
  expect(await recording.save()).toBe(true);
  expect(existsSync(recording.file)).toBe(true);
  server.closeAllConnections();
  await new Promise((resolve) => server.close(() => resolve(undefined)));
  const replay = await createTestEnvironment({
    workflows: { counter: COUNTER },
    recording: { file: recording.file, mode: 'replay' },
  });
  try {
    expect(await replay.execute('counter', { url })).toSucceedWith([1, 2]);
    expect(n).toBe(2);
  } finally {
    await replay.teardown();
  }
});
