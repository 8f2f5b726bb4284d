/**
 * The stub admin API through the real app: its one error handler, its body parsing and a
 * workflow whose outbound calls land in the request log.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../src/server/app.js';
import { deploy, execute, expectGoogleError, waitDone, type Json } from './helpers.js';

let app: Express;
beforeEach(() => {
  app = createApp();
});

const PAY_URL = 'https://api.example.com/payments';

const PAY = `main:
  params: [args]
  steps:
    - pay:
        call: http.post
        args:
          url: ${PAY_URL}
          body:
            orderId: \${args.orderId}
        result: resp
    - done:
        return:
          status: \${resp.code}
          body: \${resp.body}
`;

const CONNECTOR = `main:
  steps:
    - read:
        call: googleapis.firestore.v1.projects.databases.documents.get
        args:
          name: projects/p/databases/(default)/documents/orders/1
        result: doc
    - done:
        return: \${doc.fields}
`;

const postStub = (body: unknown) =>
  request(app)
    .post('/emulator/v1/stubs')
    .send(body as object);

const executionIdOf = (name: string) => name.split('/').pop() as string;

describe('POST /emulator/v1/stubs', () => {
  it('creates one stub and answers with its description', async () => {
    const res = await postStub({ method: 'post', url: PAY_URL, status: 201, body: { ok: true } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: 'stub-1',
      kind: 'http',
      programmatic: false,
      calls: 0,
      method: 'POST',
      url: PAY_URL,
      status: 201,
      body: { ok: true },
    });
  });

  it('creates every stub of an array, in order, with the ids given or generated', async () => {
    const res = await postStub([
      { id: 'pay-ok', url: PAY_URL, body: { ok: true } },
      { connector: 'googleapis.firestore.*', body: { fields: {} } },
    ]);
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(2);
    expect(res.body[0]).toMatchObject({ id: 'pay-ok', kind: 'http', url: PAY_URL, status: 200 });
    expect(res.body[1]).toMatchObject({
      id: 'stub-1',
      kind: 'connector',
      connector: 'googleapis.firestore.*',
    });
  });

  it('reuses an id: the new definition replaces the old stub', async () => {
    await postStub({ id: 'same', url: PAY_URL, status: 200 }).expect(200);
    await postStub({ id: 'same', url: PAY_URL, status: 503 }).expect(200);
    const list = await request(app).get('/emulator/v1/stubs').expect(200);
    expect(list.body.stubs).toHaveLength(1);
    expect(list.body.stubs[0]).toMatchObject({ id: 'same', status: 503 });
  });

  it('rejects an unknown key with Google’s INVALID_ARGUMENT envelope', async () => {
    const res = await postStub({ url: PAY_URL, bogus: 1 });
    expectGoogleError(res, 400, 'INVALID_ARGUMENT', /bogus/);
    expect(res.body.error.message).toMatch(/^invalid stub: /);
    expect((await request(app).get('/emulator/v1/stubs')).body.stubs).toEqual([]);
  });

  it('rejects an unknown fault kind', async () => {
    const res = await postStub({ url: PAY_URL, fault: 'ExplodeError' });
    expectGoogleError(res, 400, 'INVALID_ARGUMENT', /\(at fault\)/);
  });

  it('rejects a stub with neither url nor connector, and one with both', async () => {
    expectGoogleError(
      await postStub({ status: 200 }),
      400,
      'INVALID_ARGUMENT',
      /exactly one of "url" or "connector"/,
    );
    expectGoogleError(
      await postStub({ url: PAY_URL, connector: 'googleapis.x' }),
      400,
      'INVALID_ARGUMENT',
      /exactly one of "url" or "connector"/,
    );
  });

  it('rejects a whole array when one entry is invalid, naming its index', async () => {
    const res = await postStub([{ url: PAY_URL }, { url: PAY_URL, times: 0 }]);
    expectGoogleError(res, 400, 'INVALID_ARGUMENT', /stub at index 1/);
    expect((await request(app).get('/emulator/v1/stubs')).body.stubs).toEqual([]);
  });

  it('rejects an invalid JSONata expression at registration', async () => {
    const res = await postStub({ url: PAY_URL, match: 'body.(' });
    expectGoogleError(res, 400, 'INVALID_ARGUMENT', /invalid JSONata expression/);
  });

  it('answers a malformed JSON body with 400 INVALID_ARGUMENT', async () => {
    const res = await request(app)
      .post('/emulator/v1/stubs')
      .set('Content-Type', 'application/json')
      .send('{"url": "https://api.example.com/x",');
    expectGoogleError(res, 400, 'INVALID_ARGUMENT', /^request body is not valid JSON: /);
  });

  it('parses a body sent as curl -d does (form content type) as JSON', async () => {
    const res = await request(app)
      .post('/emulator/v1/stubs')
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send(JSON.stringify({ url: PAY_URL, body: 'text' }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 'stub-1', url: PAY_URL, body: 'text' });
  });

  it('answers a body that is not an object or array, or is empty, with 400', async () => {
    // express.json is strict: a top-level scalar is refused by the parser itself.
    const scalar = await request(app)
      .post('/emulator/v1/stubs')
      .set('Content-Type', 'application/json')
      .send('42');
    expectGoogleError(scalar, 400, 'INVALID_ARGUMENT', /^request body is not valid JSON: /);
    // An empty body parses as `{}`: a stub without a target.
    const empty = await request(app).post('/emulator/v1/stubs');
    expectGoogleError(empty, 400, 'INVALID_ARGUMENT', /exactly one of "url" or "connector"/);
  });
});

describe('GET and DELETE /emulator/v1/stubs', () => {
  beforeEach(async () => {
    await postStub([
      { url: PAY_URL, body: { n: 1 } },
      { id: 'second', method: 'GET', url: 'https://api.example.com/items/*', times: 2 },
    ]).expect(200);
  });

  it('lists stubs oldest first', async () => {
    const res = await request(app).get('/emulator/v1/stubs');
    expect(res.status).toBe(200);
    expect(res.body.stubs.map((s: Json) => s.id)).toEqual(['stub-1', 'second']);
    expect(res.body.stubs[1]).toEqual({
      id: 'second',
      kind: 'http',
      programmatic: false,
      calls: 0,
      method: 'GET',
      url: 'https://api.example.com/items/*',
      status: 200,
      times: 2,
    });
  });

  it('gets one stub by id, and 404 for an unknown id', async () => {
    const res = await request(app).get('/emulator/v1/stubs/stub-1');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 'stub-1', url: PAY_URL, body: { n: 1 } });
    expectGoogleError(
      await request(app).get('/emulator/v1/stubs/nope'),
      404,
      'NOT_FOUND',
      /stub nope not found/,
    );
  });

  it('deletes one stub by id, and 404 for an unknown or already deleted id', async () => {
    const res = await request(app).delete('/emulator/v1/stubs/second');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
    const list = await request(app).get('/emulator/v1/stubs');
    expect(list.body.stubs.map((s: Json) => s.id)).toEqual(['stub-1']);
    expectGoogleError(
      await request(app).delete('/emulator/v1/stubs/second'),
      404,
      'NOT_FOUND',
      /stub second not found/,
    );
    expectGoogleError(await request(app).get('/emulator/v1/stubs/second'), 404, 'NOT_FOUND');
  });

  it('deletes every stub; generated ids start again at stub-1', async () => {
    const res = await request(app).delete('/emulator/v1/stubs');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
    expect((await request(app).get('/emulator/v1/stubs')).body.stubs).toEqual([]);
    const again = await postStub({ url: PAY_URL });
    expect(again.body.id).toBe('stub-1');
  });
});

describe('/emulator/v1/requests after a workflow run', () => {
  it('records the stubbed http.post with its execution and step, and counts the call', async () => {
    await postStub({
      id: 'pay-stub',
      method: 'POST',
      url: PAY_URL,
      status: 201,
      body: { paid: true },
    }).expect(200);
    await deploy(app, 'pay', PAY);
    const ex = await execute(app, 'pay', { orderId: 7 });
    const done = await waitDone(app, ex.name as string);
    expect(done.state).toBe('SUCCEEDED');
    expect(JSON.parse(done.result as string)).toEqual({ status: 201, body: { paid: true } });

    const res = await request(app).get('/emulator/v1/requests');
    expect(res.status).toBe(200);
    expect(res.body.requests).toHaveLength(1);
    const rec = res.body.requests[0] as Json;
    expect(rec).toMatchObject({
      id: 'req-1',
      kind: 'http',
      method: 'POST',
      url: PAY_URL,
      connector: null,
      body: { orderId: 7 },
      stubId: 'pay-stub',
      outcome: 'stub',
      status: 201,
      error: null,
      executionId: executionIdOf(ex.name as string),
      workflowId: 'pay',
      routine: 'main',
      step: 'pay',
    });
    expect(rec.headers['Content-Type']).toMatch(/^application\/json/);
    expect(new Date(rec.time as string).toISOString()).toBe(rec.time);

    const stub = await request(app).get('/emulator/v1/stubs/pay-stub');
    expect(stub.body.calls).toBe(1);
  });

  it('filters by executionId, stubId, workflowId, kind and outcome, then clears the log', async () => {
    await postStub({ id: 'pay-stub', url: PAY_URL, body: { paid: true } }).expect(200);
    await deploy(app, 'pay', PAY);
    const first = await execute(app, 'pay', { orderId: 1 });
    const second = await execute(app, 'pay', { orderId: 2 });
    expect((await waitDone(app, first.name as string)).state).toBe('SUCCEEDED');
    expect((await waitDone(app, second.name as string)).state).toBe('SUCCEEDED');

    const all = await request(app).get('/emulator/v1/requests');
    expect(all.body.requests).toHaveLength(2);

    const secondId = executionIdOf(second.name as string);
    const byExecution = await request(app).get('/emulator/v1/requests').query({ executionId: secondId });
    expect(byExecution.status).toBe(200);
    expect(byExecution.body.requests).toHaveLength(1);
    expect(byExecution.body.requests[0]).toMatchObject({ executionId: secondId, body: { orderId: 2 } });

    const byStub = await request(app).get('/emulator/v1/requests?stubId=pay-stub&workflowId=pay&kind=http');
    expect(byStub.body.requests.map((r: Json) => r.body.orderId).sort()).toEqual([1, 2]);
    expect((await request(app).get('/emulator/v1/requests?stubId=other')).body.requests).toEqual([]);
    expect((await request(app).get('/emulator/v1/requests?kind=connector')).body.requests).toEqual([]);
    expect((await request(app).get('/emulator/v1/requests?outcome=blocked')).body.requests).toEqual([]);

    const cleared = await request(app).delete('/emulator/v1/requests');
    expect(cleared.status).toBe(200);
    expect(cleared.body).toEqual({});
    expect((await request(app).get('/emulator/v1/requests')).body.requests).toEqual([]);
    // Clearing the log keeps the stubs.
    expect((await request(app).get('/emulator/v1/stubs/pay-stub')).body.calls).toBe(2);
  });

  it('records a call that no stub answers as blocked, and the workflow fails with ConnectionFailedError', async () => {
    await deploy(app, 'pay', PAY);
    const ex = await execute(app, 'pay', { orderId: 3 });
    const done = await waitDone(app, ex.name as string);
    expect(done.state).toBe('FAILED');
    const payload = JSON.parse(done.error.payload as string) as Json;
    expect(payload.tags).toEqual(['ConnectionFailedError']);
    expect(payload.message).toContain(`No stub matches POST ${PAY_URL}`);
    expect(payload.message).toContain('--allow-host api.example.com');

    const blocked = await request(app).get('/emulator/v1/requests?outcome=blocked');
    expect(blocked.body.requests).toHaveLength(1);
    expect(blocked.body.requests[0]).toMatchObject({
      method: 'POST',
      url: PAY_URL,
      stubId: null,
      status: null,
      step: 'pay',
      executionId: executionIdOf(ex.name as string),
    });
    expect(blocked.body.requests[0].error).toBe(payload.message);
  });

  it('answers successive calls from `responses`, the last entry repeating', async () => {
    await postStub({
      url: PAY_URL,
      responses: [
        { status: 503, body: { retry: true } },
        { status: 200, body: { paid: 'yes' } },
      ],
    }).expect(200);
    await deploy(app, 'pay', PAY);
    const codes: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      const ex = await execute(app, 'pay', { orderId: i });
      const done = await waitDone(app, ex.name as string);
      if (done.state === 'FAILED') codes.push((JSON.parse(done.error.payload as string) as Json).code);
      else codes.push((JSON.parse(done.result as string) as Json).status);
    }
    expect(codes).toEqual([503, 200, 200]);
    const statuses = (await request(app).get('/emulator/v1/requests')).body.requests.map(
      (r: Json) => r.status,
    );
    expect(statuses).toEqual([503, 200, 200]);
  });

  it('answers a connector call from a connector stub and records it with its args', async () => {
    await postStub({
      id: 'doc',
      connector: 'googleapis.firestore.v1.projects.databases.documents.get',
      body: { fields: { status: { stringValue: 'paid' } } },
    }).expect(200);
    await deploy(app, 'read', CONNECTOR);
    const ex = await execute(app, 'read');
    const done = await waitDone(app, ex.name as string);
    expect(done.state).toBe('SUCCEEDED');
    expect(JSON.parse(done.result as string)).toEqual({ status: { stringValue: 'paid' } });

    const res = await request(app).get('/emulator/v1/requests?kind=connector');
    expect(res.body.requests).toHaveLength(1);
    expect(res.body.requests[0]).toMatchObject({
      kind: 'connector',
      method: null,
      url: null,
      connector: 'googleapis.firestore.v1.projects.databases.documents.get',
      body: { name: 'projects/p/databases/(default)/documents/orders/1' },
      stubId: 'doc',
      outcome: 'stub',
      step: 'read',
    });
  });
});
