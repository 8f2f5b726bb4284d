/**
 * Record and replay in a test environment, against a real express service on 127.0.0.1 that
 * the test starts: record, stop the service, replay, same result.
 */
import { afterEach, describe, expect, it } from 'vitest';
import express from 'express';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestEnvironment,
  defaultRecordingFile,
  http,
  HttpResponse,
  UnhandledRequestError,
  type TestEnvironmentOptions,
} from '../src/index.js';
import { setupWorkflowsTest } from '../src/vitest.js';

/** Places an order: validates it, charges twice (two identical calls), reads the price; catches nothing unless told. */
const ORDER = `
main:
  params: [args]
  steps:
    - validate:
        call: http.post
        args:
          url: \${args.base + "/validate"}
          headers:
            X-Api-Key: live-key
          body:
            order: \${args.order}
            at: \${args.at}
        result: v
    - pay:
        call: http.post
        args:
          url: \${args.base + "/pay"}
          body:
            order: \${args.order}
        result: p1
    - payAgain:
        call: http.post
        args:
          url: \${args.base + "/pay"}
          body:
            order: \${args.order}
        result: p2
    - done:
        return:
          valid: \${v.body.valid}
          attempts: \${[p1.body.attempt, p2.body.attempt]}
          code: \${p2.code}
`;

/** Calls one URL and reports the error it caught, if any. */
const CATCHER = `
main:
  params: [args]
  steps:
    - call:
        try:
          call: http.get
          args:
            url: \${args.url}
          result: r
        except:
          as: e
          steps:
            - caught:
                return: \${e.tags}
    - done:
        return: \${r.body}
`;

function startService() {
  const app = express();
  app.use(express.json());
  const hits: string[] = [];
  let attempt = 0;
  app.post('/validate', (req, res) => {
    hits.push('validate');
    res.json({ valid: (req.body as { order: number }).order > 0 });
  });
  app.post('/pay', (_req, res) => {
    hits.push('pay');
    attempt++;
    res.status(attempt === 1 ? 202 : 200).json({ attempt });
  });
  app.get('/ping', (_req, res) => {
    hits.push('ping');
    res.json('pong');
  });
  return new Promise<{ base: string; hits: string[]; stop: () => Promise<void> }>((resolve) => {
    const server: Server = app.listen(0, '127.0.0.1', () => {
      const stop = () =>
        new Promise<void>((r) => {
          if (!server.listening) return r();
          server.closeAllConnections();
          server.close(() => r());
        });
      stops.push(stop);
      resolve({ base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, stop });
    });
  });
}

const stops: (() => Promise<void>)[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function recordingFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wk-testing-rec-'));
  dirs.push(dir);
  return join(dir, 'orders.yaml');
}

const env = (options: TestEnvironmentOptions) =>
  createTestEnvironment({ workflows: { order: ORDER, catcher: CATCHER }, ...options });

describe('recording in a test environment', () => {
  it('records against the real service, then replays with it stopped: the same result', async () => {
    const service = await startService();
    const file = await recordingFile();
    const args = { base: service.base, order: 7, at: '2026-05-01T10:00:00Z' };

    const recorder = await env({ recording: { file, mode: 'record', ignoreBodyFields: ['at'] } });
    const recorded = await recorder.execute('order', args);
    expect(recorded).toSucceedWith({ valid: true, attempts: [1, 2], code: 200 });
    expect(recorder.recording?.recordedCalls).toBe(3);
    expect(recorder.stubs.calls().map((c) => c.outcome)).toEqual(['network', 'network', 'network']);
    await recorder.teardown(); // saves
    await service.stop();
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain('live-key');
    expect(text).toContain('at: <ignored>');

    const replayer = await env({ recording: { file, mode: 'replay' } });
    const replayed = await replayer.execute('order', { ...args, at: '2027-01-01T00:00:00Z' });
    expect(replayed.result).toEqual(recorded.result);
    expect(replayer.stubs.calls().map((c) => c.outcome)).toEqual(['replay', 'replay', 'replay']);
    expect(service.hits).toEqual(['validate', 'pay', 'pay']);
    await replayer.teardown();
    expect(await readFile(file, 'utf8')).toBe(text);
  });

  it('fails the test on a replay miss, naming method and URL, even when the workflow catches the error', async () => {
    const file = await recordingFile();
    const e = await env({ recording: { file, mode: 'replay' } });
    const { id } = await e.invoke('catcher', { url: 'http://127.0.0.1:9/nowhere' });
    const err = await e.waitForExecution(id).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(UnhandledRequestError);
    expect((err as UnhandledRequestError).status?.result).toEqual(['ConnectionFailedError']);
    expect((err as Error).message).toContain('No recorded call matches GET http://127.0.0.1:9/nowhere');
    expect((err as Error).message).toContain('WORKFLOWS_KIT_RECORD_MODE=record-missing');
    await e.teardown();
  });

  it('record-missing replays the recorded calls and records a new one; stubs still answer first', async () => {
    const service = await startService();
    const file = await recordingFile();
    const first = await env({ recording: { file, mode: 'record-missing' } });
    expect(await first.execute('catcher', { url: `${service.base}/ping` })).toSucceedWith('pong');
    await first.teardown();

    const second = await env({ recording: { file, mode: 'record-missing' } });
    expect(await second.execute('catcher', { url: `${service.base}/ping` })).toSucceedWith('pong');
    expect(service.hits).toEqual(['ping']); // replayed
    // A stub layered over the recording wins, and is not recorded.
    second.stubs.use(http.get(`${service.base}/ping`, () => HttpResponse.json('stubbed')));
    expect(await second.execute('catcher', { url: `${service.base}/ping` })).toSucceedWith('stubbed');
    second.stubs.reset();
    // The second identical call was not recorded: it reaches the service and is added.
    expect(await second.execute('catcher', { url: `${service.base}/ping` })).toSucceedWith('pong');
    expect(service.hits).toEqual(['ping', 'ping']);
    await second.teardown();
    expect((await readFile(file, 'utf8')).match(/status: 200/g)).toHaveLength(2);
  });

  it('lets only loopback and allowHosts through when recording; others fail as unhandled calls', async () => {
    const file = await recordingFile();
    const e = await env({ recording: { file, mode: 'record' } });
    const { id } = await e.invoke('catcher', { url: 'https://api.example.com/orders' });
    const err = await e.waitForExecution(id).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(UnhandledRequestError);
    expect((err as Error).message).toContain('No stub matches GET https://api.example.com/orders');
    await e.teardown();
  });

  it('needs a file outside setupWorkflowsTest, and refuses an unknown mode', async () => {
    await expect(env({ recording: true })).rejects.toThrow(/recording\.file is required/);
    await expect(
      env({ recording: { file: 'x.yaml', mode: 'sometimes' as unknown as 'replay' } }),
    ).rejects.toThrow(/recording\.mode must be one of replay, record, record-missing, passthrough/);
  });

  it('takes the mode from WORKFLOWS_KIT_RECORD_MODE, then from CI', async () => {
    const file = await recordingFile();
    const saved = { mode: process.env['WORKFLOWS_KIT_RECORD_MODE'], ci: process.env['CI'] };
    try {
      process.env['WORKFLOWS_KIT_RECORD_MODE'] = 'passthrough';
      const a = await env({ recording: { file } });
      expect(a.recording?.mode).toBe('passthrough');
      await a.teardown();
      delete process.env['WORKFLOWS_KIT_RECORD_MODE'];
      process.env['CI'] = 'true';
      const b = await env({ recording: { file } });
      expect(b.recording?.mode).toBe('replay');
      await b.teardown();
      process.env['CI'] = '';
      const c = await env({ recording: { file, mode: 'passthrough' } });
      expect(c.recording?.mode).toBe('passthrough');
      await c.teardown();
    } finally {
      for (const [k, v] of [
        ['WORKFLOWS_KIT_RECORD_MODE', saved.mode],
        ['CI', saved.ci],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});

describe('setupWorkflowsTest({ recording })', () => {
  // passthrough reads and writes nothing, so this file leaves no recording behind.
  const wf = setupWorkflowsTest({ workflows: { catcher: CATCHER }, recording: { mode: 'passthrough' } });

  it('keeps the recording in __recordings__ beside the test file', () => {
    expect(wf.recording?.file).toBe(defaultRecordingFile(expect.getState().testPath!));
    expect(wf.recording?.file).toMatch(/test[/\\]__recordings__[/\\]recording\.test\.ts\.yaml$/);
  });

  it('lets a loopback call through in passthrough mode', async () => {
    const service = await startService();
    expect(await wf.execute('catcher', { url: `${service.base}/ping` })).toSucceedWith('pong');
  });
});
