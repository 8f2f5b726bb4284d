/**
 * Hostile or careless input never gets a 500 or an answer that grows with the input: depth
 * bounds, size bounds and excerpts, each answered in Google's error envelope.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../src/server/app.js';
import { deploy, ECHO, expectGoogleError, PARENT, waitDone } from './helpers.js';

let app: Express;
beforeEach(async () => {
  app = createApp();
  await deploy(app, 'echo', ECHO);
});

describe('depth bounds', () => {
  it('a filter with 2,000 nested parentheses → 400 naming the limit', async () => {
    const filter = `${'('.repeat(2000)}state=ACTIVE${')'.repeat(2000)}`;
    const res = await request(app).get(`/v1/${PARENT}/workflows/echo/executions`).query({ filter });
    expectGoogleError(res, 400, 'INVALID_ARGUMENT', /parentheses nest deeper than 100 levels/);
    expect(res.text.length).toBeLessThan(500);
    // Reasonable nesting still works.
    const ok = await request(app)
      .get(`/v1/${PARENT}/workflows/echo/executions`)
      .query({ filter: `${'('.repeat(50)}state=ACTIVE${')'.repeat(50)}` });
    expect(ok.status).toBe(200);
  });
});

describe('error messages quote an excerpt of the input', () => {
  it('a 1 MB label value gives a short error', async () => {
    const res = await request(app)
      .post(`/v1/${PARENT}/workflows/echo/executions`)
      .send({ labels: { k: 'x'.repeat(1024 * 1024) } });
    expectGoogleError(
      res,
      400,
      'INVALID_ARGUMENT',
      /Invalid value "x{100}… \(1048576 characters\)" for label "k"/,
    );
    expect(res.text.length).toBeLessThan(500);
  });

  it('an enum given a huge value gives a short error', async () => {
    const res = await request(app)
      .post(`/v1/${PARENT}/workflows/echo/executions`)
      .send({ callLogLevel: 'L'.repeat(100_000) });
    expectGoogleError(res, 400, 'INVALID_ARGUMENT', /callLogLevel|call_log_level/i);
    expect(res.text.length).toBeLessThan(1000);
  });

  it('any other message is capped by the error handler', async () => {
    const res = await request(app)
      .post(`/v1/${PARENT}/workflows?workflowId=envs`)
      .send({ sourceContents: ECHO, userEnvVars: { [`GOOGLE_${'X'.repeat(500_000)}`]: 'v' } });
    expectGoogleError(res, 400, 'INVALID_ARGUMENT', /message cut; \d+ characters/);
    expect(res.text.length).toBeLessThan(5000);
  });

  it('a long filter is quoted as an excerpt', async () => {
    const res = await request(app)
      .get(`/v1/${PARENT}/workflows/echo/executions`)
      .query({ filter: `state=ACTIVE ${'x'.repeat(10_000)}` });
    expectGoogleError(res, 400, 'INVALID_ARGUMENT', /Invalid filter "state=ACTIVE x+… \(10013 characters\)"/);
  });
});

describe('stub registrations', () => {
  it('a body nested 2,000 levels → 400 naming the limit (was a 500 from a recursive check)', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 2000; i++) deep = [deep];
    const res = await request(app).post('/emulator/v1/stubs').send({ url: 'https://x.test/', body: deep });
    expectGoogleError(res, 400, 'INVALID_ARGUMENT', /nests deeper than 1000 levels/);
    expect(res.text.length).toBeLessThan(500);
  });

  it('a JSONata expression nested 5,000 levels → 400 saying so (was the engine stack overflow text)', async () => {
    const deep = `${'('.repeat(5000)}1${')'.repeat(5000)}`;
    for (const field of ['match', 'bodyExpression']) {
      const res = await request(app)
        .post('/emulator/v1/stubs')
        .send({ url: 'https://x.test/', [field]: deep });
      expectGoogleError(
        res,
        400,
        'INVALID_ARGUMENT',
        /invalid JSONata expression: the expression nests too deeply/,
      );
      expect(res.text).not.toMatch(/call stack|RangeError/i);
    }
  });

  it('a JSONata expression nests up to 500 levels of brackets, whatever the stack size; brackets in strings do not count', async () => {
    const at = (n: number) => `${'('.repeat(n)}1${')'.repeat(n)}`;
    const ok = await request(app)
      .post('/emulator/v1/stubs')
      .send({ url: 'https://x.test/', match: at(500) });
    expect(ok.status).toBe(200);
    const over = await request(app)
      .post('/emulator/v1/stubs')
      .send({ url: 'https://x.test/', match: at(501) });
    expectGoogleError(over, 400, 'INVALID_ARGUMENT', /nests too deeply \(more than 500 levels of brackets\)/);
    const quoted = await request(app)
      .post('/emulator/v1/stubs')
      .send({
        url: 'https://x.test/',
        match: `path = "${'('.repeat(600)}" and path != '${'['.repeat(600)}'`,
      });
    expect(quoted.status).toBe(200);
  });

  it('a registration over 10 MB → 413 in the envelope', async () => {
    const res = await request(app)
      .post('/emulator/v1/stubs')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ url: 'https://x.test/', body: 'x'.repeat(11 * 1024 * 1024) }));
    expectGoogleError(res, 413, 'INVALID_ARGUMENT', /payload size exceeds the limit: 10485760 bytes/);
  });

  it('keeps __proto__ as an ordinary key in headers and bodies, up to the workflow', async () => {
    const stub = await request(app)
      .post('/emulator/v1/stubs')
      .set('content-type', 'application/json')
      .send('{"url":"https://x.test/p","headers":{"__proto__":"1"},"body":{"__proto__":{"a":1},"b":2}}');
    expect(stub.status, stub.text).toBe(200);
    expect(stub.text).toContain('"headers":{"__proto__":"1"}');
    expect(stub.text).toContain('"body":{"__proto__":{"a":1},"b":2}');

    await deploy(
      app,
      'caller',
      `main:
  steps:
    - call:
        call: http.get
        args:
          url: https://x.test/p
        result: r
    - done:
        return:
          proto: \${r.body["__proto__"].a}
          b: \${r.body.b}
          header: \${r.headers["__proto__"]}
`,
    );
    const ex = await request(app).post(`/v1/${PARENT}/workflows/caller/executions`).send({});
    const done = await waitDone(app, ex.body.name as string);
    expect(done.state, JSON.stringify(done)).toBe('SUCCEEDED');
    expect(JSON.parse(done.result as string)).toEqual({ proto: 1, b: 2, header: '1' });
  });
});

describe("Google's JSON mapping of request bodies", () => {
  it('null fields are unset, not refused', async () => {
    const ex = await request(app)
      .post(`/v1/${PARENT}/workflows/echo/executions`)
      .send({ argument: null, labels: null, callLogLevel: null });
    expect(ex.status, ex.text).toBe(200);
    expect(ex.body.argument).toBe('null');
    const wf = await request(app).post(`/v1/${PARENT}/workflows?workflowId=nulls`).send({
      sourceContents: ECHO,
      description: null,
      labels: null,
      userEnvVars: null,
      serviceAccount: null,
    });
    expect(wf.status, wf.text).toBe(200);
  });

  it('output-only fields are ignored whatever their type', async () => {
    const ex = await request(app)
      .post(`/v1/${PARENT}/workflows/echo/executions`)
      .send({
        argument: '{"a":1}',
        state: { bogus: true },
        createTime: 5,
        name: ['x'],
        result: 7,
        error: 'nope',
        status: 'x',
        duration: false,
      });
    expect(ex.status, ex.text).toBe(200);
    expect(ex.body.state).toBe('ACTIVE');
    expect(ex.body.name).toMatch(/\/executions\/[0-9a-f-]{36}$/);
    const wf = await request(app)
      .post(`/v1/${PARENT}/workflows?workflowId=outonly`)
      .send({ sourceContents: ECHO, state: [], createTime: {}, revisionId: 7, updateTime: null });
    expect(wf.status, wf.text).toBe(200);
    const got = await request(app).get(`/v1/${PARENT}/workflows/outonly`);
    expect(got.body.state).toBe('ACTIVE');
    expect(got.body.revisionId).toMatch(/^000001-/);
  });

  it('a __proto__ map key is an ordinary key: refused as a label key, kept as an environment variable', async () => {
    const label = await request(app)
      .post(`/v1/${PARENT}/workflows/echo/executions`)
      .set('content-type', 'application/json')
      .send('{"labels":{"__proto__":"x"}}');
    expectGoogleError(label, 400, 'INVALID_ARGUMENT', /Invalid label key "__proto__"/);

    const wf = await request(app)
      .post(`/v1/${PARENT}/workflows?workflowId=protoenv`)
      .set('content-type', 'application/json')
      .send(
        JSON.stringify({
          sourceContents: 'main:\n  steps:\n    - r:\n        return: ${sys.get_env("__proto__")}\n',
        }).replace(/}$/, ',"userEnvVars":{"__proto__":"kept"}}'),
      );
    expect(wf.status, wf.text).toBe(200);
    const got = await request(app).get(`/v1/${PARENT}/workflows/protoenv`);
    expect(got.text).toContain('"userEnvVars":{"__proto__":"kept"}');
    const ex = await request(app).post(`/v1/${PARENT}/workflows/protoenv/executions`).send({});
    const done = await waitDone(app, ex.body.name as string);
    expect(done.result).toBe('"kept"');
  });
});
