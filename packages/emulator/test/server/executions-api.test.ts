import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../src/server/app.js';
import { createAppDeps, type AppDeps } from '../../src/server/deps.js';
import type { LogEntry } from '../../src/values/seams.js';
import {
  ADD,
  CALLBACK,
  deploy,
  ECHO,
  execute,
  expectGoogleError,
  FAIL,
  P,
  PARENT,
  RFC3339_NANOS,
  SLEEP,
  until,
  UUID,
  waitDone,
} from './helpers.js';

const NO_UI_BUNDLE = join(tmpdir(), 'workflows-emulator-no-ui-bundle');

let deps: AppDeps;
let app: Express;
let logs: LogEntry[];
beforeEach(() => {
  logs = [];
  deps = createAppDeps({ logger: { log: (e) => logs.push(e) } });
  app = createApp(deps);
});

const BASIC_FIELDS = ['name', 'startTime', 'endTime', 'duration', 'state', 'workflowRevisionId'];

describe('executions.create and get', () => {
  it('starts an ACTIVE execution with a UUID and reports its result', async () => {
    await deploy(app, 'add', ADD);
    const res = await request(app)
      .post(`/v1/${PARENT}/workflows/add/executions`)
      .send({ argument: '{"b": 2, "a": 40}', labels: { run: 'one' }, callLogLevel: 'LOG_ALL_CALLS' });
    expect(res.status).toBe(200);
    const ex = res.body;
    expect(ex.state).toBe('ACTIVE');
    const id = (ex.name as string).split('/').pop() as string;
    expect(id).toMatch(UUID);
    expect(ex.name).toBe(`${PARENT}/workflows/add/executions/${id}`);
    // Normalized like the service: compact, keys sorted.
    expect(ex.argument).toBe('{"a":40,"b":2}');
    expect(ex.labels).toEqual({ run: 'one' });
    expect(ex.callLogLevel).toBe('LOG_ALL_CALLS');
    expect(ex.createTime).toMatch(RFC3339_NANOS);
    expect(ex.startTime).toBe(ex.createTime);
    expect(ex.workflowRevisionId).toMatch(/^000001-[0-9a-f]{3}$/);
    expect(ex.endTime).toBeUndefined();
    expect(ex.status).toEqual({ currentSteps: expect.any(Array) });

    const done = await waitDone(app, ex.name);
    expect(done.state).toBe('SUCCEEDED');
    expect(JSON.parse(done.result)).toEqual({ sum: 42, inputs: { a: 40, b: 2 } });
    expect(done.result).toBe('{"inputs":{"a":40,"b":2},"sum":42}');
    expect(done.endTime).toMatch(RFC3339_NANOS);
    expect(done.duration).toMatch(/^\d+(\.\d{9})?s$/);
    expect(Date.parse(done.endTime)).toBeGreaterThanOrEqual(Date.parse(done.startTime));
    expect(done.error).toBeUndefined();
  });

  it('get honours view=BASIC and view=FULL (names or numbers)', async () => {
    await deploy(app, 'echo', ECHO);
    const ex = await execute(app, 'echo', { x: 1 });
    await waitDone(app, ex.name);
    const basic = await request(app).get(`/v1/${ex.name}?view=BASIC`);
    expect(Object.keys(basic.body).sort()).toEqual([...BASIC_FIELDS].sort());
    const basicNum = await request(app).get(`/v1/${ex.name}?view=1`);
    expect(basicNum.body).toEqual(basic.body);
    const full = await request(app).get(`/v1/${ex.name}?view=FULL`);
    expect(full.body.result).toBe('{"x":1}');
    expect(full.body.argument).toBe('{"x":1}');
    const dflt = await request(app).get(`/v1/${ex.name}`);
    expect(dflt.body).toEqual(full.body);
    expectGoogleError(await request(app).get(`/v1/${ex.name}?view=HUGE`), 400, 'INVALID_ARGUMENT');
  });

  it('an execution without argument gets null', async () => {
    await deploy(app, 'echo', ECHO);
    const ex = await execute(app, 'echo');
    expect(ex.argument).toBe('null');
    expect((await waitDone(app, ex.name)).result).toBe('null');
  });

  it('a failed execution carries payload, context and a stack trace with int64 strings', async () => {
    await deploy(app, 'fail', FAIL);
    const ex = await execute(app, 'fail');
    const done = await waitDone(app, ex.name);
    expect(done.state).toBe('FAILED');
    expect(done.result).toBeUndefined();
    expect(JSON.parse(done.error.payload)).toEqual({ code: 7, message: 'boom' });
    const frame = /in step "explode", routine "main", line: (\d+)/.exec(done.error.context);
    expect(frame).not.toBeNull();
    const el = done.error.stackTrace.elements[0];
    expect(el).toMatchObject({ step: 'explode', routine: 'main' });
    // int64 fields are JSON strings, and agree with the context text.
    expect(typeof el.position.line).toBe('string');
    expect(el.position.line).toBe(frame?.[1]);
    expect(typeof el.position.column).toBe('string');
    expect(typeof el.position.length).toBe('string');
    expect(done.status.currentSteps).toEqual([{ routine: 'main', step: 'explode' }]);
  });

  it('inherits workflow labels, the execution labels win', async () => {
    await request(app)
      .post(`/v1/${PARENT}/workflows?workflowId=echo`)
      .send({ sourceContents: ECHO, labels: { team: 'core', env: 'dev' } });
    const res = await request(app)
      .post(`/v1/${PARENT}/workflows/echo/executions`)
      .send({ labels: { env: 'prod' } });
    expect(res.body.labels).toEqual({ team: 'core', env: 'prod' });
  });

  it('accepts an argument of exactly 32 KB and rejects one byte more', async () => {
    await deploy(app, 'echo', ECHO);
    const exact = JSON.stringify('x'.repeat(32 * 1024 - 2));
    expect(Buffer.byteLength(exact)).toBe(32 * 1024);
    const ok = await request(app).post(`/v1/${PARENT}/workflows/echo/executions`).send({ argument: exact });
    expect(ok.status).toBe(200);
    const over = JSON.stringify('x'.repeat(32 * 1024 - 1));
    expectGoogleError(
      await request(app).post(`/v1/${PARENT}/workflows/echo/executions`).send({ argument: over }),
      400,
      'INVALID_ARGUMENT',
      /32768|32 KB/,
    );
  });

  it('rejects arguments that are not JSON text', async () => {
    await deploy(app, 'echo', ECHO);
    for (const argument of ['{a:1}', '{"a":1', 'undefined', "'x'", '[1,]']) {
      expectGoogleError(
        await request(app).post(`/v1/${PARENT}/workflows/echo/executions`).send({ argument }),
        400,
        'INVALID_ARGUMENT',
        /argument is not valid JSON/,
      );
    }
    // The REST API takes the argument as a string holding JSON, not as an object.
    expectGoogleError(
      await request(app)
        .post(`/v1/${PARENT}/workflows/echo/executions`)
        .send({ argument: { a: 1 } }),
      400,
      'INVALID_ARGUMENT',
      /argument/,
    );
  });

  it('rejects unknown body fields, bad labels and bad enums; 404s an unknown workflow', async () => {
    await deploy(app, 'echo', ECHO);
    const post = (body: object) => request(app).post(`/v1/${PARENT}/workflows/echo/executions`).send(body);
    expectGoogleError(await post({ arguments: '1' }), 400, 'INVALID_ARGUMENT', /Unknown name "arguments"/);
    expectGoogleError(await post({ labels: { '9x': 'a' } }), 400, 'INVALID_ARGUMENT');
    expectGoogleError(await post({ callLogLevel: 9 }), 400, 'INVALID_ARGUMENT');
    expectGoogleError(
      await request(app).post(`/v1/${PARENT}/workflows/ghost/executions`).send({}),
      404,
      'NOT_FOUND',
      /ghost/,
    );
    // Output-only fields sent back by a client are ignored.
    const ok = await post({ state: 'SUCCEEDED', result: '"forged"', callLogLevel: 3 });
    expect(ok.status).toBe(200);
    expect(ok.body.state).toBe('ACTIVE');
    expect(ok.body.callLogLevel).toBe('LOG_NONE');
  });

  it('sys.log goes to the injected logger with the execution ID', async () => {
    const src = `main:
  steps:
    - log:
        call: sys.log
        args:
          text: hello
          severity: WARNING
    - done:
        return: 1
`;
    await deploy(app, 'log', src);
    const ex = await execute(app, 'log');
    await waitDone(app, ex.name);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({
      severity: 'WARNING',
      payload: 'hello',
      executionId: ex.name.split('/').pop(),
    });
  });
});

describe('executions.list', () => {
  async function seed(): Promise<string[]> {
    await request(app).post(`/v1/${PARENT}/workflows?workflowId=echo`).send({ sourceContents: ECHO });
    const names: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await request(app)
        .post(`/v1/${PARENT}/workflows/echo/executions`)
        .send({ argument: String(i), labels: { parity: i % 2 ? 'odd' : 'even' } });
      names.push(res.body.name as string);
    }
    for (const n of names) await waitDone(app, n);
    await deploy(app, 'fail', FAIL);
    return names;
  }

  it('lists newest first in the BASIC view by default, with paging', async () => {
    const names = await seed();
    const res = await request(app).get(`/v1/${PARENT}/workflows/echo/executions`);
    expect(res.status).toBe(200);
    expect(res.body.executions.map((e: { name: string }) => e.name)).toEqual([...names].reverse());
    for (const e of res.body.executions) {
      expect(Object.keys(e).sort()).toEqual([...BASIC_FIELDS].sort());
      expect(e.argument).toBeUndefined();
    }

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await request(app)
        .get(`/v1/${PARENT}/workflows/echo/executions`)
        .query({ pageSize: 2, ...(token ? { pageToken: token } : {}) });
      expect(page.status).toBe(200);
      expect(page.body.executions.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.executions.map((e: { name: string }) => e.name));
      token = page.body.nextPageToken;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual([...names].reverse());
  });

  it('view=FULL includes arguments and results', async () => {
    await seed();
    const res = await request(app).get(`/v1/${PARENT}/workflows/echo/executions?view=FULL&pageSize=1`);
    expect(res.body.executions[0].argument).toBe('4');
    expect(res.body.executions[0].result).toBe('4');
  });

  it('filters on the documented fields', async () => {
    const names = await seed();
    const ids = names.map((n) => n.split('/').pop() as string);
    const list = async (filter: string) => {
      const res = await request(app).get(`/v1/${PARENT}/workflows/echo/executions`).query({ filter });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.executions.map((e: { name: string }) => e.name.split('/').pop()) as string[];
    };
    expect(await list('state=SUCCEEDED')).toHaveLength(5);
    expect(await list('state="FAILED"')).toEqual([]);
    expect(await list('state=2')).toHaveLength(5);
    expect(await list(`executionId="${ids[2]}"`)).toEqual([ids[2]]);
    expect((await list('labels.parity="odd"')).sort()).toEqual([ids[1], ids[3]].sort());
    expect((await list('label.parity=even AND NOT executionId=' + ids[0])).sort()).toEqual(
      [ids[2], ids[4]].sort(),
    );
    const third = (await request(app).get(`/v1/${names[2]}`)).body.createTime as string;
    expect((await list(`createTime>"${third}"`)).sort()).toEqual([ids[3], ids[4]].sort());
    expect(await list(`createTime>="${third}" AND createTime<"${third}"`)).toEqual([]);
    expect(await list('duration>=0s')).toHaveLength(5);
    expect(await list('duration>"3600s"')).toEqual([]);
    expect(await list('workflowRevisionId:000001-*')).toHaveLength(5);
    expect(await list('disableConcurrencyQuotaOverflowBuffering=false')).toHaveLength(5);
    expect(await list(`(executionId="${ids[0]}" OR executionId="${ids[1]}") state=SUCCEEDED`)).toHaveLength(
      2,
    );

    for (const bad of [
      'bogus=1',
      'state=RUNNING',
      'createTime>"yesterday"',
      'state=',
      '(state=ACTIVE',
      'duration>abc',
    ]) {
      expectGoogleError(
        await request(app).get(`/v1/${PARENT}/workflows/echo/executions`).query({ filter: bad }),
        400,
        'INVALID_ARGUMENT',
      );
    }
  });

  it('orders by the documented fields', async () => {
    const names = await seed();
    const res = await request(app)
      .get(`/v1/${PARENT}/workflows/echo/executions`)
      .query({ orderBy: 'createTime' });
    expect(res.body.executions.map((e: { name: string }) => e.name)).toEqual(names);
    const byId = await request(app)
      .get(`/v1/${PARENT}/workflows/echo/executions`)
      .query({ orderBy: 'executionId desc' });
    const ids = byId.body.executions.map((e: { name: string }) => e.name.split('/').pop() as string);
    expect(ids).toEqual([...ids].sort().reverse());
    expectGoogleError(
      await request(app).get(`/v1/${PARENT}/workflows/echo/executions`).query({ orderBy: 'argument' }),
      400,
      'INVALID_ARGUMENT',
    );
  });

  it('404s the list of an unknown workflow', async () => {
    expectGoogleError(await request(app).get(`/v1/${PARENT}/workflows/ghost/executions`), 404, 'NOT_FOUND');
  });
});

describe('executions.cancel', () => {
  it('cancels a sleeping execution; a finished one cannot be cancelled', async () => {
    await deploy(app, 'sleep', SLEEP);
    const ex = await execute(app, 'sleep');
    await until(async () => {
      const r = await request(app).get(`/v1/${ex.name}`);
      return r.body.status.currentSteps.length > 0 ? true : undefined;
    });
    const res = await request(app).post(`/v1/${ex.name}:cancel`).send({});
    expect(res.status).toBe(200);
    expect(res.body.state).toBe('CANCELLED');
    expect(res.body.endTime).toMatch(RFC3339_NANOS);
    const again = await request(app).get(`/v1/${ex.name}`);
    expect(again.body.state).toBe('CANCELLED');
    expectGoogleError(await request(app).post(`/v1/${ex.name}:cancel`).send({}), 400, 'FAILED_PRECONDITION');
    expectGoogleError(
      await request(app)
        .post(`/v1/${PARENT}/workflows/sleep/executions/${crypto.randomUUID()}:cancel`)
        .send({}),
      404,
      'NOT_FOUND',
    );
    expectGoogleError(
      await request(app).post(`/v1/${ex.name}:cancel`).type('json').send('{oops'),
      400,
      'INVALID_ARGUMENT',
    );
  });
});

describe('stepEntries', () => {
  it('lists and gets the step history', async () => {
    await deploy(app, 'add', ADD);
    const ex = await execute(app, 'add', { a: 1, b: 2 });
    await waitDone(app, ex.name);
    const res = await request(app).get(`/v1/${ex.name}/stepEntries`);
    expect(res.status).toBe(200);
    expect(res.body.totalSize).toBe(2);
    const [first, second] = res.body.stepEntries;
    expect(first).toMatchObject({
      name: `${ex.name}/stepEntries/1`,
      entryId: '1',
      routine: 'main',
      step: 'compute',
      stepType: 'STEP_ASSIGN',
      state: 'STATE_SUCCEEDED',
    });
    expect(first.createTime).toMatch(RFC3339_NANOS);
    expect(second).toMatchObject({ entryId: '2', step: 'done', stepType: 'STEP_RETURN' });

    const got = await request(app).get(`/v1/${ex.name}/stepEntries/2`);
    expect(got.body).toEqual(second);
    expectGoogleError(await request(app).get(`/v1/${ex.name}/stepEntries/99`), 404, 'NOT_FOUND');
    expectGoogleError(await request(app).get(`/v1/${ex.name}/stepEntries/abc`), 400, 'INVALID_ARGUMENT');

    const page = await request(app).get(`/v1/${ex.name}/stepEntries?pageSize=1`);
    expect(page.body.stepEntries.map((s: { step: string }) => s.step)).toEqual(['compute']);
    const next = await request(app).get(
      `/v1/${ex.name}/stepEntries?pageSize=1&pageToken=${page.body.nextPageToken}`,
    );
    expect(next.body.stepEntries.map((s: { step: string }) => s.step)).toEqual(['done']);
    const skipped = await request(app).get(`/v1/${ex.name}/stepEntries?skip=1`);
    expect(skipped.body.stepEntries.map((s: { step: string }) => s.step)).toEqual(['done']);
    const filtered = await request(app)
      .get(`/v1/${ex.name}/stepEntries`)
      .query({ filter: 'stepType=STEP_RETURN' });
    expect(filtered.body.stepEntries.map((s: { step: string }) => s.step)).toEqual(['done']);
    const ordered = await request(app).get(`/v1/${ex.name}/stepEntries`).query({ orderBy: 'entryId desc' });
    expect(ordered.body.stepEntries.map((s: { entryId: string }) => s.entryId)).toEqual(['2', '1']);
  });

  it('shows the exception of a failed step', async () => {
    await deploy(app, 'fail', FAIL);
    const ex = await execute(app, 'fail');
    await waitDone(app, ex.name);
    const res = await request(app).get(`/v1/${ex.name}/stepEntries`).query({ filter: 'state=STATE_FAILED' });
    expect(res.body.stepEntries).toHaveLength(1);
    expect(res.body.stepEntries[0].step).toBe('explode');
    expect(JSON.parse(res.body.stepEntries[0].exception.payload)).toEqual({ code: 7, message: 'boom' });
  });
});

describe('exportData and deleteExecutionHistory', () => {
  it('exports the execution as text and deletes the history of a finished execution only', async () => {
    await deploy(app, 'add', ADD);
    const ex = await execute(app, 'add', { a: 1, b: 1 });
    await waitDone(app, ex.name);
    const exported = await request(app).get(`/v1/${ex.name}:exportData`);
    expect(exported.status).toBe(200);
    expect(JSON.parse(exported.body.data)).toMatchObject({ name: ex.name, state: 'SUCCEEDED' });

    expect((await request(app).get(`/v1/${ex.name}/stepEntries`)).body.totalSize).toBe(2);
    const del = await request(app).post(`/v1/${ex.name}:deleteExecutionHistory`).send({});
    expect(del.status).toBe(200);
    expect(del.body).toEqual({});
    expect((await request(app).get(`/v1/${ex.name}/stepEntries`)).body).toEqual({
      stepEntries: [],
      totalSize: 0,
    });

    await deploy(app, 'sleep', SLEEP);
    const running = await execute(app, 'sleep');
    expectGoogleError(
      await request(app).post(`/v1/${running.name}:deleteExecutionHistory`).send({}),
      400,
      'FAILED_PRECONDITION',
    );
    await request(app).post(`/v1/${running.name}:cancel`).send({});
  });
});

describe('callbacks', () => {
  async function waitForCallback(name: string): Promise<{ name: string; method: string }> {
    return until(async () => {
      const r = await request(app).get(`/v1/${name}/callbacks`);
      expect(r.status).toBe(200);
      return r.body.callbacks?.[0] as { name: string; method: string } | undefined;
    });
  }

  it('lists callbacks and delivers a request to the awaiting execution', async () => {
    await deploy(app, 'cb', CALLBACK);
    const ex = await execute(app, 'cb');
    const cb = await waitForCallback(ex.name);
    expect(cb.name).toMatch(new RegExp(`^${ex.name}/callback/[^/]+$`));
    expect(cb.method).toBe('PUT');
    const url = `/v1/${cb.name.replace('/callback/', '/callbacks/')}`;

    expectGoogleError(await request(app).post(url).send({ approved: true }), 400, 'INVALID_ARGUMENT', /PUT/);
    expectGoogleError(await request(app).put(`/v1/${ex.name}/callbacks/nope`).send({}), 404, 'NOT_FOUND');
    expectGoogleError(
      await request(app).put(url).set('content-type', 'application/json').send('{broken'),
      400,
      'INVALID_ARGUMENT',
    );

    const delivered = await request(app).put(url).send({ approved: true, by: 'ann' });
    expect(delivered.status).toBe(200);
    const done = await waitDone(app, ex.name);
    expect(done.state).toBe('SUCCEEDED');
    expect(JSON.parse(done.result)).toEqual({ body: { approved: true, by: 'ann' }, method: 'PUT' });
    // Finished executions take no more callbacks.
    expectGoogleError(await request(app).put(url).send({}), 400, 'FAILED_PRECONDITION');
  });

  it('the callback URL handed to the workflow points at the emulator', async () => {
    deps.config.baseUrl = 'http://127.0.0.1:9999';
    await deploy(app, 'cb', CALLBACK);
    const ex = await execute(app, 'cb');
    await waitForCallback(ex.name);
    const hubName = ex.name as string;
    const [info] = deps.runtime.callbacks.list(hubName);
    expect(info?.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:9999/v1/${hubName}/callbacks/[^/]+$`));
    await request(app).post(`/v1/${ex.name}:cancel`).send({});
  });

  it('shows waiters and payloads not yet awaited', async () => {
    const early = `main:
  steps:
    - create:
        call: events.create_callback_endpoint
        result: cb
    - nap:
        call: sys.sleep
        args:
          seconds: 3600
`;
    await deploy(app, 'early', early);
    const ex = await execute(app, 'early');
    const cb = await waitForCallback(ex.name);
    expect(cb.method).toBe('POST');
    const url = `/v1/${cb.name.replace('/callback/', '/callbacks/')}`;
    expect((await request(app).post(url).send({ n: 1 })).status).toBe(200);
    const listed = await request(app).get(`/v1/${ex.name}/callbacks`);
    expect(listed.body.callbacks).toEqual([
      { name: cb.name, method: 'POST', availablePayloads: ['{"n":1}'], waiters: '0' },
    ]);
    await request(app).post(`/v1/${ex.name}:cancel`).send({});

    await deploy(app, 'cb', CALLBACK);
    const waiting = await execute(app, 'cb');
    const info = await until(async () => {
      const r = await request(app).get(`/v1/${waiting.name}/callbacks`);
      const c = r.body.callbacks?.[0] as { waiters: string } | undefined;
      return c?.waiters === '1' ? c : undefined;
    });
    expect(info).toMatchObject({ method: 'PUT', availablePayloads: [], waiters: '1' });
    await request(app).post(`/v1/${waiting.name}:cancel`).send({});
  });

  it('delivers a text body as a string', async () => {
    await deploy(app, 'cb', CALLBACK);
    const ex = await execute(app, 'cb');
    const cb = await waitForCallback(ex.name);
    const url = `/v1/${cb.name.replace('/callback/', '/callbacks/')}`;
    const res = await request(app).put(url).set('content-type', 'text/plain').send('plain words');
    expect(res.status).toBe(200);
    const done = await waitDone(app, ex.name);
    expect(JSON.parse(done.result).body).toBe('plain words');
  });
});

describe('concurrency quota', () => {
  it('queues executions over the active limit and starts them when a slot frees', async () => {
    const small = createAppDeps({ maxActiveExecutions: 1 });
    const smallApp = createApp(small);
    await deploy(smallApp, 'sleep', SLEEP);
    await deploy(smallApp, 'echo', ECHO);
    const first = await execute(smallApp, 'sleep');
    const queued = await execute(smallApp, 'echo', 'later');
    expect(queued.state).toBe('QUEUED');
    const refused = await request(smallApp)
      .post(`/v1/${PARENT}/workflows/echo/executions`)
      .send({ disableConcurrencyQuotaOverflowBuffering: true });
    expectGoogleError(refused, 429, 'RESOURCE_EXHAUSTED');
    await request(smallApp).post(`/v1/${first.name}:cancel`).send({});
    const done = await waitDone(smallApp, queued.name);
    expect(done.state).toBe('SUCCEEDED');
    expect(done.result).toBe('"later"');
  });
});

// The page as the server renders it without a UI bundle (ui-endpoints.test.ts and
// ui.browser.test.ts cover the built UI at the same address).
describe('console page', () => {
  beforeEach(() => {
    deps = createAppDeps({ logger: { log: (e) => logs.push(e) }, uiDir: NO_UI_BUNDLE });
    app = createApp(deps);
  });

  it('renders the execution with escaped values and its step history', async () => {
    await deploy(app, 'echo', ECHO);
    const ex = await execute(app, 'echo', { html: '<script>alert(1)</script>' });
    await waitDone(app, ex.name);
    const id = (ex.name as string).split('/').pop();
    const res = await request(app).get(
      `/console/workflows/workflow/us-central1/echo/execution/${id}?project=${P}`,
    );
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('SUCCEEDED');
    expect(res.text).toContain(ex.name);
    expect(res.text).not.toContain('<script>alert(1)</script>');
    expect(res.text).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(res.text).toMatch(/<table id="steps">[\s\S]*echo[\s\S]*STEP_RETURN/);
  });

  it('shows the error of a failed execution, and 404s an unknown one as HTML', async () => {
    await deploy(app, 'fail', FAIL);
    const ex = await execute(app, 'fail');
    await waitDone(app, ex.name);
    const id = (ex.name as string).split('/').pop();
    const res = await request(app).get(
      `/console/workflows/workflow/us-central1/fail/execution/${id}?project=${P}`,
    );
    expect(res.text).toContain('FAILED');
    expect(res.text).toMatch(/id="error-payload"[^<]*boom/);
    expect(res.text).toMatch(/id="error-context"[^<]*explode/);
    const missing = await request(app).get(
      `/console/workflows/workflow/us-central1/fail/execution/${crypto.randomUUID()}?project=${P}`,
    );
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/text\/html/);
  });
});

describe('emulator admin API', () => {
  it('reports info', async () => {
    const res = await request(app).get('/emulator/v1/info');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ version: '0.1.0', project: 'my-project', location: 'us-central1' });
    expect(res.body.uptime).toMatch(/^\d+(\.\d+)?s$/);
    expect(res.body.uptimeSeconds).toBeGreaterThanOrEqual(0);
  });

  it('reset clears workflows, executions, stubs and recorded requests', async () => {
    await deploy(app, 'sleep', SLEEP);
    const ex = await execute(app, 'sleep');
    const stub = await request(app)
      .post('/emulator/v1/stubs')
      .send({ method: 'GET', url: 'https://api.example.com/x', status: 200, body: { ok: true } });
    expect(stub.status).toBeLessThan(300);
    expect(deps.stubs.list()).toHaveLength(1);
    const res = await request(app).post('/emulator/v1/reset');
    expect(res.status).toBe(200);
    expectGoogleError(await request(app).get(`/v1/${PARENT}/workflows/sleep`), 404, 'NOT_FOUND');
    expectGoogleError(await request(app).get(`/v1/${ex.name}`), 404, 'NOT_FOUND');
    expect((await request(app).get(`/v1/${PARENT}/workflows`)).body.workflows).toEqual([]);
    expect(deps.stubs.list()).toHaveLength(0);
    expect(deps.stubs.requests()).toHaveLength(0);
  });
});
