import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import express, { type NextFunction, type Request, type Response } from 'express';
import request from 'supertest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '../../src/server/api-error.js';
import {
  createOutboundTransport,
  loadStubsFile,
  StubRegistry,
  StubValidationError,
} from '../../src/stubs/index.js';
import { createStubsRouter } from '../../src/server/stubs-routes.js';

function appFor(stubs: StubRegistry, opts: { preParse?: boolean } = {}) {
  const app = express();
  if (opts.preParse) app.use(express.json());
  app.use(createStubsRouter(stubs));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof ApiError) {
      res.status(err.code).json({ error: { code: err.code, message: err.message, status: err.status } });
    } else {
      res.status(500).json({ error: { code: 500, message: String(err), status: 'INTERNAL' } });
    }
  });
  return app;
}

let stubs: StubRegistry;
beforeEach(() => {
  stubs = new StubRegistry();
});

describe('stubs router', () => {
  it('creates a stub as the conformance runner sends it, lists and deletes it', async () => {
    const app = appFor(stubs);
    const created = await request(app)
      .post('/emulator/v1/stubs')
      .send({
        method: 'GET',
        url: 'https://api.example.com/status',
        status: 200,
        headers: { 'Content-Type': 'application/json' },
        body: { ok: true },
      })
      .expect(200);
    expect(created.body).toMatchObject({
      id: 'stub-1',
      method: 'GET',
      status: 200,
      body: { ok: true },
      calls: 0,
    });

    const listed = await request(app).get('/emulator/v1/stubs').expect(200);
    expect(listed.body.stubs).toHaveLength(1);
    expect(listed.body.stubs[0].id).toBe('stub-1');
    await request(app).get('/emulator/v1/stubs/stub-1').expect(200);

    await request(app).delete('/emulator/v1/stubs/stub-1').expect(200);
    const missing = await request(app).delete('/emulator/v1/stubs/stub-1').expect(404);
    expect(missing.body.error).toMatchObject({ code: 404, status: 'NOT_FOUND' });
    expect(stubs.list()).toEqual([]);
  });

  it('creates an array of stubs atomically', async () => {
    const app = appFor(stubs);
    const ok = await request(app)
      .post('/emulator/v1/stubs')
      .send([{ url: 'https://a.example.com/' }, { connector: 'googleapis.x.*', body: 1 }])
      .expect(200);
    expect(ok.body.map((s: { id: string; kind: string }) => [s.id, s.kind])).toEqual([
      ['stub-1', 'http'],
      ['stub-2', 'connector'],
    ]);
    const bad = await request(app)
      .post('/emulator/v1/stubs')
      .send([{ url: 'https://b.example.com/' }, { url: 'https://c.example.com/', status: 'nope' }])
      .expect(400);
    expect(bad.body.error.status).toBe('INVALID_ARGUMENT');
    expect(bad.body.error.message).toContain('index 1');
    expect(stubs.list()).toHaveLength(2);
  });

  it('answers 400 INVALID_ARGUMENT for invalid stubs and bodies', async () => {
    const app = appFor(stubs);
    const r = await request(app)
      .post('/emulator/v1/stubs')
      .send({ url: 'https://a.example.com/', times: -1 });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
    expect(r.body.error.message).toContain('times');
    const notJson = await request(app)
      .post('/emulator/v1/stubs')
      .set('content-type', 'application/json')
      .send('{nope');
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.status).toBe('INVALID_ARGUMENT');
    const scalar = await request(app)
      .post('/emulator/v1/stubs')
      .set('content-type', 'application/json')
      .send('3');
    expect(scalar.status).toBe(400);
  });

  it('accepts a JSON body sent without a JSON content type, and a body the app already parsed', async () => {
    const raw = await request(appFor(stubs))
      .post('/emulator/v1/stubs')
      .set('content-type', 'application/x-www-form-urlencoded')
      .send(JSON.stringify({ url: 'https://a.example.com/' }));
    expect(raw.status).toBe(200);
    const parsed = await request(appFor(stubs, { preParse: true }))
      .post('/emulator/v1/stubs')
      .send({ url: 'https://b.example.com/' })
      .expect(200);
    expect(parsed.body.url).toBe('https://b.example.com/');
    expect(stubs.list()).toHaveLength(2);
  });

  it('DELETE /emulator/v1/stubs removes every stub', async () => {
    stubs.add({ url: 'https://a.example.com/' });
    stubs.add({ url: 'https://b.example.com/' });
    await request(appFor(stubs)).delete('/emulator/v1/stubs').expect(200);
    expect(stubs.list()).toEqual([]);
  });

  it('lists, filters and clears recorded requests', async () => {
    const app = appFor(stubs);
    await request(app)
      .post('/emulator/v1/stubs')
      .send({ url: 'https://api.example.com/a', body: 1 })
      .expect(200);
    const t = createOutboundTransport({ stubs });
    const mk = (url: string, executionId: string) => ({
      method: 'GET',
      url,
      headers: {},
      timeoutMs: 1000,
      signal: new AbortController().signal,
      origin: { executionId, workflowId: 'wf', routine: 'main', step: 's' },
    });
    await t.send(mk('https://api.example.com/a', 'e1'));
    await t.send(mk('https://api.example.com/b', 'e2')).catch(() => {});
    const all = await request(app).get('/emulator/v1/requests').expect(200);
    expect(all.body.requests.map((r: { outcome: string }) => r.outcome)).toEqual(['stub', 'blocked']);
    const e2 = await request(app).get('/emulator/v1/requests?executionId=e2').expect(200);
    expect(e2.body.requests).toHaveLength(1);
    expect(e2.body.requests[0].url).toBe('https://api.example.com/b');
    await request(app).delete('/emulator/v1/requests').expect(200);
    expect((await request(app).get('/emulator/v1/requests')).body.requests).toEqual([]);
  });
});

describe('loadStubsFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stubs-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a YAML list and a JSON {stubs} document', async () => {
    const yamlPath = join(dir, 'stubs.yaml');
    await writeFile(
      yamlPath,
      [
        '- method: POST',
        '  url: https://api.example.com/pay',
        '  status: 201',
        '  headers:',
        '    Retry-After: 5',
        '  body: {ok: true}',
        '',
      ].join('\n'),
    );
    const defs = await loadStubsFile(yamlPath);
    expect(defs).toEqual([
      {
        method: 'POST',
        url: 'https://api.example.com/pay',
        status: 201,
        headers: { 'Retry-After': 5 },
        body: { ok: true },
      },
    ]);
    const [info] = stubs.addAll(defs);
    expect(info!.headers).toEqual({ 'Retry-After': '5' });

    const jsonPath = join(dir, 'stubs.json');
    await writeFile(jsonPath, JSON.stringify({ stubs: [{ connector: 'googleapis.*' }] }));
    expect(await loadStubsFile(jsonPath)).toEqual([{ connector: 'googleapis.*' }]);
  });

  it('rejects a document that is not a list of stubs', async () => {
    const p = join(dir, 'bad.yaml');
    await writeFile(p, 'url: https://x.example.com/\n');
    await expect(loadStubsFile(p)).rejects.toBeInstanceOf(StubValidationError);
    await writeFile(p, '- [unclosed\n');
    await expect(loadStubsFile(p)).rejects.toThrow(/cannot parse stubs file/);
  });
});
