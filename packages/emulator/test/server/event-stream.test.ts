/**
 * The live event stream (`GET /emulator/v1/events`) through real HTTP clients against a
 * listening emulator: what each event type carries, the execution and types filters, the
 * heartbeat, bad input, the request guard, and a client that stops reading. Every wait is on an
 * event (a message on the stream, the emulator's own hooks), never on time.
 */
process.env.METADATA_SERVER_DETECTION = 'none';

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ExecutionsClient, WorkflowsClient } from '@google-cloud/workflows';
import { createParser } from 'eventsource-parser';
import { googleAuthLibrary } from 'google-gax';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator.js';
import { EventBus } from '../../src/server/events.js';
import { watchWorkflowsDirectory } from '../../src/server/workflow-files.js';
import { CALLBACK, type Json } from './helpers.js';

const PROJECT = 'live-proj';
const LOCATION = 'europe-west1';

const FETCH = `main:
  steps:
    - get:
        call: http.get
        args:
          url: https://stock.example.com/items/7
          headers:
            Authorization: Bearer secret-token
        result: resp
    - done:
        return: \${resp.body.left}
`;
const QUICK = `main:
  steps:
    - only:
        return: 1
`;

interface Message {
  event: string;
  data: Json;
}

/** An open event stream read by eventsource-parser; `next` waits for a message that passes a test. */
interface Stream {
  status: number;
  body: string;
  messages: Message[];
  comments: string[];
  retry: number | undefined;
  next(test: (m: Message) => boolean): Promise<Message>;
  comment(test: (c: string) => boolean): Promise<string>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  response: IncomingMessage;
  close(): void;
}

function openStream(url: string, headers: Record<string, string> = {}): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { headers }, (res) => {
      const waiters: { test: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
      const commentWaiters: { test: (c: string) => boolean; resolve: (c: string) => void }[] = [];
      let endedResolve: () => void = () => undefined;
      const stream: Stream = {
        status: res.statusCode ?? 0,
        body: '',
        messages: [],
        comments: [],
        retry: undefined,
        next(test) {
          const found = stream.messages.find(test);
          return found ? Promise.resolve(found) : new Promise((r) => waiters.push({ test, resolve: r }));
        },
        comment(test) {
          const found = stream.comments.find(test);
          return found
            ? Promise.resolve(found)
            : new Promise((r) => commentWaiters.push({ test, resolve: r }));
        },
        ended: new Promise<void>((r) => (endedResolve = r)),
        response: res,
        close: () => req.destroy(),
      };
      const parser = createParser({
        onEvent(e) {
          const m: Message = { event: e.event ?? 'message', data: JSON.parse(e.data) as Json };
          stream.messages.push(m);
          for (const w of waiters.splice(0)) {
            if (w.test(m)) w.resolve(m);
            else waiters.push(w);
          }
        },
        onComment(c) {
          stream.comments.push(c);
          for (const w of commentWaiters.splice(0)) {
            if (w.test(c)) w.resolve(c);
            else commentWaiters.push(w);
          }
        },
        onRetry(ms) {
          stream.retry = ms;
        },
      });
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        stream.body += chunk;
        if (res.statusCode === 200) parser.feed(chunk);
      });
      res.on('end', () => endedResolve());
      res.on('close', () => endedResolve());
      // Resolved once the headers are in (the stream then stays open), or at the end of an error answer.
      if (res.statusCode === 200) resolve(stream);
      else res.on('end', () => resolve(stream));
    });
    req.on('error', reject);
  });
}

describe('the live event stream', () => {
  let emulator: RunningEmulator;
  let workflows: WorkflowsClient;
  let executions: ExecutionsClient;
  const overflows: { bufferedBytes: number }[] = [];
  const overflowWaiters: (() => void)[] = [];
  const listenerErrors: unknown[] = [];
  const ref = { alias: PROJECT, project: PROJECT };
  const workflowPath = (id: string) => `projects/${PROJECT}/locations/${LOCATION}/workflows/${id}`;
  const eventsUrl = (query = '') => `${emulator.url}/emulator/v1/events${query}`;

  beforeAll(async () => {
    emulator = await startEmulator({
      host: '127.0.0.1',
      port: 0,
      projectId: PROJECT,
      events: new EventBus({ onListenerError: (err) => listenerErrors.push(err) }),
      eventStream: {
        maxBufferedBytes: 64 * 1024,
        heartbeatMs: 25,
        onOverflow: (info) => {
          overflows.push(info);
          for (const w of overflowWaiters.splice(0)) w();
        },
      },
    });
    const opts = {
      apiEndpoint: '127.0.0.1',
      port: emulator.port,
      protocol: 'http',
      fallback: true,
      authClient: new googleAuthLibrary.PassThroughClient(),
    };
    workflows = new WorkflowsClient(opts);
    executions = new ExecutionsClient(opts);
    emulator.deploy('fetch', FETCH, { location: LOCATION });
    emulator.deploy('callback', CALLBACK, { location: LOCATION });
    emulator.deploy('quick', QUICK, { location: LOCATION });
    emulator.deps.stubs.add({
      id: 'stock',
      method: 'GET',
      url: 'https://stock.example.com/items/*',
      body: { sku: 7, left: 3 },
    });
  });

  afterAll(async () => {
    await workflows?.close();
    await executions?.close();
    await emulator?.stop();
  });

  it('streams an execution from creation to its end, with its outbound call started and ended', async () => {
    const stream = await openStream(eventsUrl());
    try {
      expect(stream.status).toBe(200);
      expect(stream.response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(stream.response.headers['cache-control']).toBe('no-cache, no-transform');
      const [created] = await executions.createExecution({ parent: workflowPath('fetch'), execution: {} });
      const name = created.name!;
      const done = await stream.next(
        (m) => m.event === 'execution' && m.data.name === name && m.data.state === 'SUCCEEDED',
      );
      // The REST JSON of the execution, as GET answers it.
      const got = (await (await fetch(`${emulator.url}/v1/${name}`)).json()) as Json;
      expect(done.data).toEqual(got);
      expect(done.data.result).toBe('3');

      const mine = stream.messages.filter(
        (m) => m.data.name === name || m.data.executionId === name.split('/').pop(),
      );
      const calls = mine.filter((m) => m.event === 'request');
      // Recorded when the call starts (no status yet), and again when it has ended.
      expect(calls.map((m) => [m.data.status, m.data.outcome])).toEqual([
        [null, 'stub'],
        [200, 'stub'],
      ]);
      const ended = calls[1]!.data;
      expect(ended).toMatchObject({
        id: calls[0]!.data.id,
        kind: 'http',
        method: 'GET',
        url: 'https://stock.example.com/items/7',
        stubId: 'stock',
        workflowId: 'fetch',
        location: LOCATION,
        routine: 'main',
        step: 'get',
      });
      expect(JSON.parse(ended.response as string)).toEqual({ sku: 7, left: 3 });
      // Credentials are redacted as in the request log.
      expect(ended.headers.Authorization).toBe('<redacted>');
      // The execution's events arrive in order: first seen active, last seen succeeded.
      const states = mine.filter((m) => m.event === 'execution').map((m) => m.data.state);
      expect(states[0]).toBe('ACTIVE');
      expect(states[states.length - 1]).toBe('SUCCEEDED');
      expect(states.indexOf('SUCCEEDED')).toBe(states.length - 1);
    } finally {
      stream.close();
    }
  });

  it('sends stepEntry events to streams that ask for them: each entry as its step starts and as it ends', async () => {
    const everything = await openStream(eventsUrl());
    const steps = await openStream(eventsUrl('?types=stepEntry,execution'));
    try {
      const [created] = await executions.createExecution({ parent: workflowPath('fetch'), execution: {} });
      const name = created.name!;
      const succeeded = (m: Message) =>
        m.event === 'execution' && m.data.name === name && m.data.state === 'SUCCEEDED';
      await steps.next(succeeded);
      const entries = steps.messages.filter(
        (m) => m.event === 'stepEntry' && (m.data.name as string).startsWith(`${name}/stepEntries/`),
      );
      expect(entries.map((m) => [m.data.entryId, m.data.step, m.data.state])).toEqual([
        ['1', 'get', 'STATE_IN_PROGRESS'],
        ['1', 'get', 'STATE_SUCCEEDED'],
        ['2', 'done', 'STATE_IN_PROGRESS'],
        ['2', 'done', 'STATE_SUCCEEDED'],
      ]);
      // Each entry as stepEntries.get answers it in the basic view, with the links known then
      // (entry 1 ended before entry 2 began, so its last event has no `next` yet).
      const get = async (id: string) =>
        (await (
          await fetch(`${emulator.url}/v1/${name}/stepEntries/${id}?view=EXECUTION_ENTRY_VIEW_BASIC`)
        ).json()) as Json;
      expect(entries[3]!.data).toEqual(await get('2'));
      const { navigationInfo, ...first } = await get('1');
      expect(navigationInfo).toEqual({ next: '2' });
      expect(entries[1]!.data).toEqual(first);
      // A stream that names no types gets every other type, and no stepEntry events.
      await everything.next(succeeded);
      expect(everything.messages.some((m) => m.event === 'execution')).toBe(true);
      expect(everything.messages.some((m) => m.event === 'stepEntry')).toBe(false);
    } finally {
      everything.close();
      steps.close();
    }
  });

  it('keeps only the events of one execution with ?execution=, and only some types with ?types=', async () => {
    const waiting = emulator.services.executions.create(ref, LOCATION, 'callback', {});
    const name = `projects/${PROJECT}/locations/${LOCATION}/workflows/callback/executions/${waiting.executionId}`;
    const own = await openStream(eventsUrl(`?execution=${encodeURIComponent(name)}`));
    const onlyRequests = await openStream(eventsUrl('?types=request'));
    try {
      // Another execution runs to its end while the first waits for its callback.
      const other = emulator.services.executions.create(ref, LOCATION, 'fetch', {});
      await emulator.services.executions.whenSettled(other);
      await onlyRequests.next((m) => m.data.executionId === other.executionId && m.data.status === 200);

      const [callback] = emulator.deps.runtime.callbacks.list(
        `projects/${PROJECT}/locations/${LOCATION}/workflows/callback/executions/${waiting.executionId}`,
      );
      const delivered = await fetch(`${emulator.url}/v1/${name}/callbacks/${callback!.id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: '{"ok":true}',
      });
      expect(delivered.status).toBe(200);
      await own.next((m) => m.event === 'execution' && m.data.state === 'SUCCEEDED');
      expect(own.messages.length).toBeGreaterThan(0);
      // The execution's changes and its log entries (its start and end), nothing of other executions.
      const executionId = name.split('/').pop();
      expect(new Set(own.messages.map((m) => m.event))).toEqual(new Set(['execution', 'log']));
      for (const m of own.messages) {
        if (m.event === 'execution') expect(m.data.name).toBe(name);
        else expect(m.data.labels['workflows.googleapis.com/execution_id']).toBe(executionId);
      }
      expect(onlyRequests.messages.every((m) => m.event === 'request')).toBe(true);
    } finally {
      own.close();
      onlyRequests.close();
    }
  });

  it('tells of workflows deployed and deleted, and of a watched file that breaks and is fixed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wf-live-'));
    const stream = await openStream(eventsUrl('?types=workflow,deployProblem'));
    try {
      const file = join(dir, 'watched.yaml');
      await writeFile(file, QUICK);
      const watcher = await watchWorkflowsDirectory({
        dir,
        project: PROJECT,
        location: LOCATION,
        files: emulator.deps.files,
        deploy: (id, source) => emulator.deploy(id, source, { location: LOCATION }),
        settleMs: 10,
      });
      try {
        const created = await stream.next((m) => m.event === 'workflow' && m.data.workflowId === 'watched');
        expect(created.data).toEqual({
          change: 'created',
          name: workflowPath('watched'),
          location: LOCATION,
          workflowId: 'watched',
          revisionId: expect.stringMatching(/^000001-/) as unknown,
          sourceFile: file,
        });

        await writeFile(file, 'main:\n  steps:\n    - a:\n        next: nowhere\n');
        const broken = await stream.next((m) => m.event === 'deployProblem' && !m.data.cleared);
        expect(broken.data).toMatchObject({
          file,
          location: LOCATION,
          workflowId: 'watched',
          line: 4,
          column: 15,
          cleared: false,
        });
        expect(broken.data.message).toContain('nowhere');
        expect(broken.data.problems).toHaveLength(1);

        await writeFile(file, QUICK.replace('return: 1', 'return: 2'));
        const fixed = await stream.next((m) => m.event === 'deployProblem' && m.data.cleared === true);
        expect(fixed.data).toMatchObject({ file, workflowId: 'watched', problems: [], cleared: true });
        const revised = await stream.next(
          (m) => m.event === 'workflow' && m.data.workflowId === 'watched' && m.data.change === 'updated',
        );
        expect(revised.data.revisionId).toMatch(/^000002-/);
        expect(revised.data.sourceFile).toBe(file);
      } finally {
        watcher.close();
      }

      // Through Google's client: a create and a delete.
      const [op] = await workflows.createWorkflow({
        parent: `projects/${PROJECT}/locations/${LOCATION}`,
        workflowId: 'from-api',
        workflow: { sourceContents: QUICK },
      });
      await op.promise();
      const apiCreated = await stream.next((m) => m.event === 'workflow' && m.data.workflowId === 'from-api');
      expect(apiCreated.data.change).toBe('created');
      expect(apiCreated.data.sourceFile).toBeUndefined();
      const [del] = await workflows.deleteWorkflow({ name: workflowPath('from-api') });
      await del.promise();
      await stream.next(
        (m) => m.event === 'workflow' && m.data.workflowId === 'from-api' && m.data.change === 'deleted',
      );
      expect(stream.messages.every((m) => m.event === 'workflow' || m.event === 'deployProblem')).toBe(true);
    } finally {
      stream.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('suggests a reconnection delay and sends a heartbeat comment', async () => {
    const stream = await openStream(eventsUrl());
    try {
      await stream.comment((c) => c.trim() === 'heartbeat');
      expect(stream.retry).toBe(1000);
      expect(stream.comments[0]?.trim()).toBe('connected');
    } finally {
      stream.close();
    }
  });

  it('refuses bad parameters with a clear message and keeps serving', async () => {
    const unknown = await openStream(eventsUrl('?types=execution,stepEntries'));
    expect(unknown.status).toBe(400);
    expect(JSON.parse(unknown.body)).toEqual({
      error: {
        code: 400,
        status: 'INVALID_ARGUMENT',
        message:
          'Unknown event type "stepEntries" in types; the types are execution, workflow, deployProblem, request, log, stepEntry',
      },
    });
    const badName = await openStream(eventsUrl('?execution=executions/x'));
    expect(badName.status).toBe(400);
    expect((JSON.parse(badName.body) as Json).error.message).toContain(
      "execution must be an execution's name",
    );
    const badId = await openStream(
      eventsUrl(`?execution=${encodeURIComponent(`${workflowPath('quick')}/executions/-bad`)}`),
    );
    expect(badId.status).toBe(400);
    const ok = await openStream(eventsUrl('?types=execution'));
    expect(ok.status).toBe(200);
    ok.close();
  });

  it('applies the request guard: pages of other sites and unknown host names cannot read the stream', async () => {
    const foreign = await openStream(eventsUrl(), { origin: 'http://attacker.test' });
    expect(foreign.status).toBe(403);
    expect((JSON.parse(foreign.body) as Json).error.status).toBe('PERMISSION_DENIED');
    const rebound = await openStream(eventsUrl(), { host: `attacker.test:${emulator.port}` });
    expect(rebound.status).toBe(403);
    // The emulator's own pages may.
    const own = await openStream(eventsUrl(), { origin: emulator.url });
    expect(own.status).toBe(200);
    own.close();
  });

  it('drops a client that stops reading with an overflow event, without holding the emulator up', async () => {
    const before = overflows.length;
    const slow = await openStream(eventsUrl('?types=execution'));
    // Read nothing more: the socket's buffers fill, then the emulator's bounded one.
    slow.response.pause();
    const overflowed = new Promise<void>((r) => overflowWaiters.push(r));
    let done = false;
    void overflowed.then(() => (done = true));
    const big = 'x'.repeat(256 * 1024);
    let published = 0;
    let servedMeanwhile = 0;
    while (!done) {
      // Large events on the emulator's own bus (an execution's JSON can carry a 32 KB argument and its result).
      emulator.deps.events.publish('execution', { executionId: 'slow-test' }, () => ({
        name: 'x',
        filler: big,
      }));
      published++;
      // The emulator answers other requests while the client does not read.
      if (published % 4 === 0) {
        const res = await fetch(`${emulator.url}/emulator/v1/info`);
        expect(res.status).toBe(200);
        servedMeanwhile++;
      }
      await nextTurn();
    }
    expect(overflows.length).toBe(before + 1);
    // What waited for the client stayed bounded: the limit plus at most one event.
    expect(overflows[before]!.bufferedBytes).toBeGreaterThan(64 * 1024);
    expect(overflows[before]!.bufferedBytes).toBeLessThanOrEqual(64 * 1024 + big.length + 64);
    expect(servedMeanwhile).toBeGreaterThan(0);

    // Nothing more is written to it.
    emulator.deps.events.publish('execution', { executionId: 'slow-test' }, () => ({ name: 'after' }));
    // Reading again, the client gets what was buffered, then `overflow`, then the end of the stream.
    slow.response.resume();
    await slow.ended;
    const last = slow.messages[slow.messages.length - 1];
    expect(last?.event).toBe('overflow');
    expect(last?.data.message).toContain('fetch again and reconnect');
    const delivered = slow.messages.slice(0, -1);
    expect(delivered.length).toBeLessThanOrEqual(published);
    expect(delivered.every((m) => m.event === 'execution' && m.data.name === 'x')).toBe(true);

    // The emulator still streams to others.
    const fresh = await openStream(eventsUrl('?types=execution'));
    try {
      const rec = emulator.services.executions.create(ref, LOCATION, 'quick', {});
      await fresh.next((m) => m.data.name?.endsWith(rec.executionId) && m.data.state === 'SUCCEEDED');
    } finally {
      fresh.close();
    }
  });

  it('never lets a failing listener break an execution, and reports it once', async () => {
    const before = listenerErrors.length;
    const stop = emulator.deps.events.subscribe({}, () => {
      throw new Error('listener bug');
    });
    try {
      const a = emulator.services.executions.create(ref, LOCATION, 'quick', {});
      await emulator.services.executions.whenSettled(a);
      const b = emulator.services.executions.create(ref, LOCATION, 'quick', {});
      await emulator.services.executions.whenSettled(b);
      expect([a.state, b.state]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
      expect(listenerErrors.length).toBe(before + 1);
      expect((listenerErrors[before] as Error).message).toBe('listener bug');
    } finally {
      stop();
    }
  });
});
