/**
 * The in-process API of `startEmulator`: deploy, execute, get, step entries, whenSettled,
 * callbacks, and the clock, ID and unhandled-request options. What it returns is checked against
 * what the REST API answers over HTTP on the same listening emulator.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/server/api-error.js';
import { startEmulator, type RunningEmulator, type StartEmulatorOptions } from '../../src/emulator.js';
import { ADD, CALLBACK, FAIL } from './helpers.js';

const running: RunningEmulator[] = [];
const servers: Server[] = [];

async function start(options: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const emulator = await startEmulator({ host: '127.0.0.1', port: 0, ...options });
  running.push(emulator);
  return emulator;
}

afterEach(async () => {
  for (const e of running.splice(0)) await e.stop();
  for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
});

async function rest(emulator: RunningEmulator, path: string): Promise<unknown> {
  const res = await fetch(`${emulator.url}/v1/${path}`);
  expect(res.status).toBe(200);
  return res.json();
}

const CALL = (url: string) => `main:
  steps:
    - get:
        call: http.get
        args:
          url: ${url}
        result: r
    - done:
        return: \${r.body}
`;

const CONNECTOR = `main:
  steps:
    - get:
        call: googleapis.storage.v1.objects.get
        args:
          bucket: b
          object: o
        result: r
    - done:
        return: \${r}
`;

describe('startEmulator: the in-process API', () => {
  it('deploys, executes and reads an execution as the REST API answers it', async () => {
    const emulator = await start({ projectId: 'in-process', location: 'europe-west1' });
    expect(emulator.getWorkflow('add')).toBeUndefined();
    const revision = emulator.deploy('add', ADD);
    expect(emulator.getWorkflow('add')?.revisionId).toBe(revision);
    expect(emulator.getWorkflow('add', { location: 'us-central1' })).toBeUndefined();

    const created = emulator.execute('add', { a: 2, b: 3 }, { labels: { run: 'one' } });
    expect(created.name).toMatch(
      /^projects\/in-process\/locations\/europe-west1\/workflows\/add\/executions\//,
    );
    await emulator.whenSettled(created);
    const done = emulator.get(created.name);
    expect(done.state).toBe('SUCCEEDED');
    expect(JSON.parse(done.result ?? '')).toEqual({ sum: 5, inputs: { a: 2, b: 3 } });
    expect(done.labels).toEqual({ run: 'one' });
    expect(done).toEqual(await rest(emulator, done.name));
    // By its ID alone, too.
    expect(emulator.get(done.name.split('/').pop() ?? '')).toEqual(done);

    const entries = emulator.stepEntries(done.name);
    expect(entries.map((e) => [e.step, e.stepType, e.state])).toEqual([
      ['compute', 'STEP_ASSIGN', 'STATE_SUCCEEDED'],
      ['done', 'STEP_RETURN', 'STATE_SUCCEEDED'],
    ]);
    expect({ stepEntries: entries, totalSize: 2 }).toEqual(await rest(emulator, `${done.name}/stepEntries`));
  });

  it('reports a failed execution with its error, and an unknown execution as NOT_FOUND', async () => {
    const emulator = await start();
    emulator.deploy('fail', FAIL);
    const { name } = emulator.execute('fail');
    await emulator.whenSettled(name);
    const failed = emulator.get(name);
    expect(failed.state).toBe('FAILED');
    expect(JSON.parse(failed.error?.payload ?? '')).toEqual({ message: 'boom', code: 7 });
    expect(failed.error?.stackTrace.elements[0]).toMatchObject({ step: 'explode', routine: 'main' });
    expect(emulator.stepEntries(name).at(-1)?.exception?.payload).toBe(failed.error?.payload);

    const missing = (() => {
      try {
        emulator.get('no-such-execution');
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(missing).toBeInstanceOf(ApiError);
    expect(missing).toMatchObject({ code: 404, status: 'NOT_FOUND' });
    expect(() => emulator.execute('not-deployed')).toThrow(/not found/);
    expect(() => emulator.deploy('bad', 'main:\n  steps:\n    - x:\n        bogus: 1\n')).toThrow(ApiError);
  });

  it('lists callback endpoints and delivers a callback over HTTP', async () => {
    const emulator = await start();
    emulator.deploy('add', ADD);
    const none = emulator.execute('add', { a: 1, b: 2 });
    await emulator.whenSettled(none);
    expect(emulator.callbacks(none)).toEqual([]);
    await expect(emulator.deliverCallback(none, { body: {} })).rejects.toMatchObject({ code: 404 });
    emulator.deploy('cb', CALLBACK);
    const { name } = emulator.execute('cb');
    while (emulator.callbacks(name)[0]?.waiters !== 1) await new Promise((r) => setImmediate(r));
    const [endpoint] = emulator.callbacks(name);
    expect(endpoint).toMatchObject({ method: 'PUT', waiters: 1, availablePayloads: 0 });
    expect(endpoint?.url.startsWith(`${emulator.url}/v1/${name}/callbacks/`)).toBe(true);

    const wrong = await emulator.deliverCallback(name, { method: 'POST', body: { x: 1 } });
    expect(wrong.status).toBe(400);
    const answer = await emulator.deliverCallback(name, { body: { x: 1 } });
    expect(answer).toEqual({ status: 200, body: {} });
    await emulator.whenSettled(name);
    expect(JSON.parse(emulator.get(name).result ?? '')).toEqual({ body: { x: 1 }, method: 'PUT' });
  });

  it('takes the clock and the IDs', async () => {
    const start0 = Date.parse('2030-01-02T03:04:05Z');
    let n = 0;
    const emulator = await start({
      clock: { now: () => start0, sleep: () => Promise.resolve() },
      ids: { uuid: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}` },
    });
    emulator.deploy('add', ADD);
    const { name } = emulator.execute('add', { a: 1, b: 1 });
    expect(name).toMatch(/\/executions\/00000000-0000-4000-8000-\d{12}$/);
    await emulator.whenSettled(name);
    expect(emulator.get(name).startTime).toBe('2030-01-02T03:04:05.000000000Z');
  });

  it('asks the unhandled-request policy about calls no stub answers', async () => {
    const server = createServer((_req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end('{"from":"network"}');
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const local = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
    const asked: string[] = [];
    const emulator = await start({
      onUnhandledRequest: (request) => {
        asked.push(request.kind === 'http' ? request.url : request.name);
        return request.kind === 'http' && request.url === local
          ? { action: 'bypass' }
          : { action: 'fail', message: `refused ${request.kind}` };
      },
    });
    emulator.deploy('local', CALL(local));
    emulator.deploy('remote', CALL('https://api.example.com/y'));
    emulator.deploy('connector', CONNECTOR);
    const results = [];
    for (const id of ['local', 'remote', 'connector']) {
      const { name } = emulator.execute(id);
      await emulator.whenSettled(name);
      results.push(emulator.get(name));
    }
    expect(asked).toEqual([local, 'https://api.example.com/y', 'googleapis.storage.v1.objects.get']);
    expect(JSON.parse(results[0]?.result ?? '')).toEqual({ from: 'network' });
    expect(JSON.parse(results[1]?.error?.payload ?? '')).toMatchObject({
      message: 'refused http',
      tags: ['ConnectionFailedError'],
    });
    expect(JSON.parse(results[2]?.error?.payload ?? '')).toMatchObject({
      message: 'refused connector',
      tags: ['ConnectionFailedError'],
    });
  });
});
