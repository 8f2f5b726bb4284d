import { beforeEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../src/server/app.js';
import { createAppDeps, type AppDeps } from '../../src/server/deps.js';
import { deploy, ECHO, expectGoogleError, PARENT, waitDone } from './helpers.js';

let deps: AppDeps;
let app: Express;
beforeEach(() => {
  deps = createAppDeps({ maxBodyBytes: 256 * 1024 });
  app = createApp(deps);
});

describe('malformed JSON bodies', () => {
  it.each([
    ['{', 'truncated'],
    ['{"sourceContents": }', 'missing value'],
    ["{'sourceContents': 'x'}", 'single quotes'],
    ['[1, 2', 'unterminated array'],
  ])('%s (%s) → 400 INVALID_ARGUMENT', async (body) => {
    const res = await request(app)
      .post(`/v1/${PARENT}/workflows?workflowId=w`)
      .set('content-type', 'application/json')
      .send(body);
    expectGoogleError(res, 400, 'INVALID_ARGUMENT', /Invalid JSON payload/);
  });

  it('a JSON body that is not an object → 400', async () => {
    for (const body of ['[]', '"text"', '42', 'null']) {
      const res = await request(app)
        .post(`/v1/${PARENT}/workflows?workflowId=w`)
        .set('content-type', 'application/json')
        .send(body);
      expectGoogleError(res, 400, 'INVALID_ARGUMENT');
    }
  });

  it('an execution body that is malformed → 400', async () => {
    await deploy(app, 'echo', ECHO);
    const res = await request(app)
      .post(`/v1/${PARENT}/workflows/echo/executions`)
      .set('content-type', 'application/json')
      .send('{"argument": "1"');
    expectGoogleError(res, 400, 'INVALID_ARGUMENT');
  });

  it('an empty body creates an execution without argument', async () => {
    await deploy(app, 'echo', ECHO);
    const res = await request(app).post(`/v1/${PARENT}/workflows/echo/executions`);
    expect(res.status).toBe(200);
    expect(res.body.argument).toBe('null');
  });
});

describe('wrong resource names', () => {
  it.each([
    ['GET', '/v1/projects/my-project/locations/Bad_Location/workflows'],
    ['GET', '/v1/projects/-bad-/locations/us-central1/workflows'],
    ['GET', '/v1/projects/my-project/locations/us-central1/workflows/9starts-with-digit'],
    ['GET', '/v1/projects/my-project/locations/us-central1/workflows/w/executions/not%20an%20id'],
    ['GET', '/v1/projects/my-project/locations/us-central1/workflows/w/executions/abc/stepEntries/x1'],
    ['GET', '/v1/projects/my-project/locations/us-central1/operations/%2E%2E'],
    ['GET', '/v1/projects/my%ZZproject/locations/us-central1/workflows'],
  ])('%s %s → 400 INVALID_ARGUMENT', async (method, path) => {
    const res = await request(app)[method.toLowerCase() as 'get'](path);
    expectGoogleError(res, 400, 'INVALID_ARGUMENT');
  });

  it('well-formed names of missing resources → 404 NOT_FOUND', async () => {
    for (const path of [
      `/v1/${PARENT}/workflows/missing`,
      `/v1/${PARENT}/workflows/missing/executions/${crypto.randomUUID()}`,
      `/v1/${PARENT}/workflows/missing/executions/${crypto.randomUUID()}/stepEntries`,
      `/v1/${PARENT}/workflows/missing/executions/${crypto.randomUUID()}/callbacks`,
      `/v1/${PARENT}/operations/operation-1-2`,
    ]) {
      expectGoogleError(await request(app).get(path), 404, 'NOT_FOUND');
    }
  });
});

describe('unknown routes', () => {
  it.each([
    ['GET', '/nothing-here'],
    ['GET', '/v2/projects/p/locations/l/workflows'],
    ['GET', '/v1/projects'],
    ['GET', '/v1/projects/p/locations/l/things'],
    ['POST', '/v1/projects/p/locations/l/workflows/w:explode'],
    ['PUT', '/v1/projects/p/locations/l/workflows/w'],
    ['DELETE', '/v1/projects/p/locations/l/workflows/w/executions/e'],
    ['GET', '/emulator/v1/nothing'],
    ['GET', '/console/elsewhere'],
    ['GET', '/console/workflows/workflow/l/w/somewhere'],
  ])("%s %s → 404 NOT_FOUND in Google's envelope", async (method, path) => {
    const res = await request(app)[method.toLowerCase() as 'get'](path);
    expect(res.status).toBe(404);
    if (path.startsWith('/console/')) {
      expect(res.headers['content-type']).toMatch(/html/);
    } else {
      expectGoogleError(res, 404, 'NOT_FOUND');
    }
  });

  it('known but unsupported custom methods → 501 UNIMPLEMENTED', async () => {
    await deploy(app, 'echo', ECHO);
    const res = await request(app).post(`/v1/${PARENT}/workflows/echo:triggerPubsubExecution`).send({});
    expectGoogleError(res, 501, 'UNIMPLEMENTED');
  });
});

describe('oversized bodies', () => {
  it("a body over the limit → 413 in Google's envelope", async () => {
    const big = JSON.stringify({ sourceContents: 'x'.repeat(300 * 1024) });
    const res = await request(app)
      .post(`/v1/${PARENT}/workflows?workflowId=w`)
      .set('content-type', 'application/json')
      .send(big);
    expectGoogleError(res, 413, 'INVALID_ARGUMENT', /exceeds the limit/);
  });

  it('an oversized execution body → 413 and nothing is created', async () => {
    await deploy(app, 'echo', ECHO);
    const res = await request(app)
      .post(`/v1/${PARENT}/workflows/echo/executions`)
      .set('content-type', 'application/json')
      .send(JSON.stringify({ argument: JSON.stringify('y'.repeat(300 * 1024)) }));
    expectGoogleError(res, 413, 'INVALID_ARGUMENT');
    const list = await request(app).get(`/v1/${PARENT}/workflows/echo/executions`);
    expect(list.body.executions).toEqual([]);
  });
});

describe('query parameters', () => {
  it('tolerates $alt=json;enum-encoding=int and repeated parameters', async () => {
    await deploy(app, 'echo', ECHO);
    const res = await request(app).get(`/v1/${PARENT}/workflows/echo?$alt=json%3Benum-encoding=int`);
    expect(res.status).toBe(200);
    expect(res.body.state).toBe('ACTIVE');
    const list = await request(app).get(`/v1/${PARENT}/workflows?pageSize=1&pageSize=2`);
    expect(list.status).toBe(200);
  });

  it('rejects a non-numeric pageSize', async () => {
    expectGoogleError(
      await request(app).get(`/v1/${PARENT}/workflows?pageSize=ten`),
      400,
      'INVALID_ARGUMENT',
    );
  });
});

describe('1,000 concurrent executions.create', () => {
  it('loses none', async () => {
    await deploy(app, 'echo', ECHO);
    const n = 1000;
    const responses = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        request(app)
          .post(`/v1/${PARENT}/workflows/echo/executions`)
          .send({ argument: JSON.stringify({ i }) }),
      ),
    );
    const names = new Set<string>();
    for (const r of responses) {
      expect(r.status).toBe(200);
      names.add(r.body.name as string);
    }
    expect(names.size).toBe(n);

    // Every one is listed once, and each finishes with its own argument.
    const listed = new Set<string>();
    let token: string | undefined;
    do {
      const page = await request(app)
        .get(`/v1/${PARENT}/workflows/echo/executions`)
        .query({ pageSize: 1000, view: 'FULL', ...(token ? { pageToken: token } : {}) });
      for (const e of page.body.executions) listed.add(e.name as string);
      token = page.body.nextPageToken;
    } while (token);
    expect(listed).toEqual(names);

    const results = await Promise.all(
      responses.map(async (r) => {
        const done = await waitDone(app, r.body.name as string, 20_000);
        expect(done.state).toBe('SUCCEEDED');
        return JSON.parse(done.result as string).i as number;
      }),
    );
    expect(new Set(results).size).toBe(n);
    expect(Math.max(...results)).toBe(n - 1);
  }, 60_000);
});
