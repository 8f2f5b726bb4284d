/**
 * Record and replay at the outbound transport, against a real express service on 127.0.0.1:
 * record its answers, stop it, replay them from the file.
 */
import { afterEach, describe, expect, it } from 'vitest';
import express from 'express';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { TransportError, type TransportRequest, type TransportResponse } from '../../src/values/seams.js';
import {
  createOutboundTransport,
  defaultRecordMode,
  loadStubsFile,
  Recording,
  RecordingFileError,
  StubRegistry,
  type RecordingOptions,
} from '../../src/stubs/index.js';

import { transportRequest } from '../transport-request.js';
const origin = { executionId: 'exec-1', workflowId: 'wf', routine: 'main', step: 'call' };
const enc = new TextEncoder();
const dec = new TextDecoder();

const request = (method: string, url: string, extra: Partial<TransportRequest> = {}) =>
  transportRequest(method, url, { timeoutMs: 30_000, origin }, extra);
function jsonRequest(method: string, url: string, body: unknown, headers: Record<string, string> = {}) {
  return request(method, url, {
    headers: { 'Content-Type': 'application/json', ...headers },
    body: enc.encode(JSON.stringify(body)),
  });
}

/** A small service with state, so that repeated identical calls get different answers. */
function createService() {
  const app = express();
  app.use(express.json());
  let counter = 0;
  const hits: string[] = [];
  app.use((req, _res, next) => {
    hits.push(`${req.method} ${req.url}`);
    next();
  });
  app.get('/counter', (_req, res) => {
    counter++;
    res
      .cookie('session', `secret-session-${counter}`)
      .set('X-Request-Number', String(counter))
      .json({ counter });
  });
  app.post('/charge', (req, res) => {
    const body = req.body as { amount: number };
    res.status(201).json({ charged: body.amount, currency: 'EUR', id: `ch_${body.amount}` });
  });
  app.get('/price', (_req, res) => {
    // Doubles that JSON.stringify would turn into integers, and an integer past 2^53.
    res
      .type('application/json')
      .send('{"price": 10.0, "ratio": 2.5e3, "big": 12345678901234567890, "tax": 0.2}');
  });
  app.get('/session', (_req, res) => {
    res.type('application/json').send('{"expires_in": 3600.0, "access_token": "tok-456", "scopes": ["a"]}');
  });
  app.get('/logo', (_req, res) => {
    res.type('image/png').send(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0xfe, 0x00, 0x01]));
  });
  app.get('/hello', (_req, res) => {
    res.type('text/plain').send('hello, world');
  });
  app.post('/token', (_req, res) => {
    res.type('application/x-www-form-urlencoded').send('access_token=tok-123&token_type=bearer');
  });
  app.get('/search', (req, res) => {
    res.json({ q: req.query['q'] ?? null });
  });
  return { app, hits };
}

async function listen(app: express.Express): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (!server.listening) return resolve();
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

const dirs: string[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function tempFile(name = 'recording.yaml'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wk-recording-'));
  dirs.push(dir);
  return join(dir, 'nested', name);
}

async function transportWith(options: RecordingOptions) {
  const recording = await Recording.open(options);
  const stubs = new StubRegistry();
  return { recording, stubs, transport: createOutboundTransport({ stubs, recording }) };
}

const json = (r: TransportResponse) => JSON.parse(dec.decode(r.body)) as unknown;

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('record, stop the service, replay', () => {
  it('replays every answer as recorded, repeated calls in order, with no network', async () => {
    const service = createService();
    const live = await listen(service.app);
    closers.push(live.close);
    const file = await tempFile();
    const base = live.url;

    const calls = (t: { send(r: TransportRequest): Promise<TransportResponse> }) =>
      Promise.all([
        // Sequential where order matters (the counter), so both runs make the same calls.
        (async () => {
          const a = await t.send(
            request('GET', `${base}/counter`, { headers: { Authorization: 'Bearer top-secret' } }),
          );
          const b = await t.send(request('GET', `${base}/counter`));
          return [a, b];
        })(),
        t.send(jsonRequest('POST', `${base}/charge`, { amount: 5, card: { number: '4242', cvc: '123' } })),
        t.send(jsonRequest('POST', `${base}/charge`, { amount: 7 })),
        t.send(request('GET', `${base}/price`)),
        t.send(request('GET', `${base}/logo`)),
        t.send(request('GET', `${base}/hello`)),
        t.send(
          request('POST', `${base}/token`, {
            body: enc.encode('client_id=app&client_secret=shh'),
            headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          }),
        ),
        t.send(request('GET', `${base}/search?q=cats&key=api-key-value`)),
      ]);

    const rec = await transportWith({ file, mode: 'record' });
    const recorded = await calls(rec.transport);
    expect(await rec.recording.save()).toBe(true);
    expect(rec.stubs.requests().map((r) => r.outcome)).toEqual(Array(9).fill('network'));
    await live.close();
    const hitsWhileRecording = service.hits.length;

    const rep = await transportWith({ file, mode: 'replay' });
    const replayed = await calls(rep.transport);
    expect(service.hits).toHaveLength(hitsWhileRecording); // the service is stopped anyway
    expect(rep.stubs.requests().map((r) => r.outcome)).toEqual(Array(9).fill('replay'));

    const [[c1, c2], charge5, charge7, price, logo, hello, token, search] = recorded;
    const [[r1, r2], rCharge5, rCharge7, rPrice, rLogo, rHello, rToken, rSearch] = replayed;
    expect(json(r1!)).toEqual({ counter: 1 });
    expect(json(r2!)).toEqual({ counter: 2 });
    expect(json(c1!)).toEqual({ counter: 1 });
    expect(json(c2!)).toEqual({ counter: 2 });
    expect(r2!.headers['X-Request-Number']).toBe('2');
    for (const [a, b] of [
      [charge5, rCharge5],
      [charge7, rCharge7],
      [search, rSearch],
    ] as const) {
      expect(b.status).toBe(a.status);
      expect(json(b)).toEqual(json(a));
    }
    expect(rCharge5.status).toBe(201);
    // Text, JSON numbers that a JS number cannot carry, and bytes arrive byte for byte.
    expect(dec.decode(rPrice.body)).toBe(
      '{"price": 10.0, "ratio": 2.5e3, "big": 12345678901234567890, "tax": 0.2}',
    );
    expect(dec.decode(price.body)).toContain('10.0');
    expect([...rLogo.body]).toEqual([...logo.body]);
    expect(rLogo.headers['Content-Type']).toBe('image/png');
    expect(dec.decode(rHello.body)).toBe(dec.decode(hello.body));
    expect(rHello.headers['Content-Type']).toBe(hello.headers['Content-Type']);
    // Headers are as recorded, except secrets.
    expect(r1!.headers['Set-Cookie']).toBe('<redacted>');
    expect(c1!.headers['Set-Cookie']).toContain('secret-session-1');
    expect(dec.decode(rToken.body)).toBe('access_token=<redacted>&token_type=bearer');
    expect(dec.decode(token.body)).toContain('tok-123');

    // A third identical call: the two recorded answers are used up.
    const err = await failure(rep.transport.send(request('GET', `${base}/counter`)));
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).kind).toBe('ConnectionFailedError');
    expect((err as Error).message).toContain(`No recorded call matches GET ${base}/counter`);
    expect((err as Error).message).toContain('2 answers, 2 used');
  });

  it('writes a stable, readable stubs file without secrets', async () => {
    const service = createService();
    const live = await listen(service.app);
    closers.push(live.close);
    const file = await tempFile();
    const { transport, recording } = await transportWith({
      file,
      mode: 'record',
      ignoreBodyFields: ['requestedAt'],
      redact: { headers: ['X-Request-Number'], fields: ['cvc'] },
    });
    await transport.send(
      request('GET', `${live.url}/counter`, { headers: { Authorization: 'Bearer top-secret' } }),
    );
    await transport.send(
      jsonRequest('POST', `${live.url}/charge`, {
        amount: 5,
        requestedAt: '2026-01-01T00:00:00Z',
        cvc: '123',
        password: 'pw',
      }),
    );
    await transport.send(request('GET', `${live.url}/logo`));
    await transport.send(request('GET', `${live.url}/search?q=cats&key=api-key-value`));
    await transport.send(request('GET', `${live.url}/session`));
    await recording.save();
    const text = await readFile(file, 'utf8');
    // A double kept as text, its secret redacted all the same.
    expect(text).toContain('bodyText: \'{"access_token":"<redacted>","expires_in":3600.0,"scopes":["a"]}\'');

    for (const secret of [
      'top-secret',
      'secret-session',
      'api-key-value',
      '"123"',
      'pw',
      '2026-01-01',
      'tok-456',
    ])
      expect(text).not.toContain(secret);
    expect(text.startsWith('# Recorded by workflows-kit')).toBe(true);
    expect(text).not.toMatch(/[*&]\w+\n/); // no YAML anchors or aliases
    const stubs = (await loadStubsFile(file)) as Record<string, unknown>[];
    // Sorted by URL, then method; one stub per method, URL and body.
    expect(stubs.map((s) => `${String(s['method'])} ${String(s['url'])}`)).toEqual([
      `POST ${live.url}/charge`,
      `GET ${live.url}/counter`,
      `GET ${live.url}/logo`,
      `GET ${live.url}/search?q=cats&key=*`,
      `GET ${live.url}/session`,
    ]);
    const [charge, counter, logo] = stubs;
    expect(charge).toEqual({
      method: 'POST',
      url: `${live.url}/charge`,
      requestBody: { amount: 5, cvc: '<redacted>', password: '<redacted>', requestedAt: '<ignored>' },
      times: 1,
      responses: [
        {
          status: 201,
          headers: expect.objectContaining({ 'Content-Type': 'application/json; charset=utf-8' }) as unknown,
          body: { charged: 5, currency: 'EUR', id: 'ch_5' },
        },
      ],
    });
    const counterResponse = (counter!['responses'] as Record<string, Record<string, string>>[])[0]!;
    expect(counterResponse['headers']!['Set-Cookie']).toBe('<redacted>');
    expect(counterResponse['headers']!['X-Request-Number']).toBe('<redacted>');
    expect(Object.keys(counterResponse['headers']!)).toEqual(Object.keys(counterResponse['headers']!).sort());
    expect(counterResponse['body']).toEqual({ counter: 1 });
    expect((logo!['responses'] as Record<string, unknown>[])[0]!['bodyBase64']).toBe('iVBOR//+AAE=');
  });

  it('writes the same file for the same calls, whatever their timing and order', async () => {
    const texts: string[] = [];
    for (const order of [0, 1]) {
      const service = createService();
      const live = await listen(service.app);
      closers.push(live.close);
      const file = await tempFile();
      const { transport, recording } = await transportWith({ file, mode: 'record' });
      const sends = [
        () => transport.send(request('GET', `${live.url}/hello`)),
        () => transport.send(jsonRequest('POST', `${live.url}/charge`, { amount: 1 })),
        () => transport.send(jsonRequest('POST', `${live.url}/charge`, { amount: 2 })),
        () => transport.send(request('GET', `${live.url}/price`)),
      ];
      await Promise.all((order === 0 ? sends : [...sends].reverse()).map((f) => f()));
      await recording.save();
      texts.push((await readFile(file, 'utf8')).replaceAll(live.url, 'http://service'));
    }
    expect(texts[1]).toBe(texts[0]);
    expect(texts[0]).not.toContain('Date:'); // it would change the file on every recording
  });

  it('matches bodies exactly by default, ignores configured fields, or ignores bodies', async () => {
    const service = createService();
    const live = await listen(service.app);
    closers.push(live.close);
    const charge = (amount: number, extra: Record<string, unknown> = {}) =>
      jsonRequest('POST', `${live.url}/charge`, { amount, ...extra });

    const exact = await tempFile();
    const r1 = await transportWith({ file: exact, mode: 'record' });
    await r1.transport.send(charge(5, { requestedAt: 1 }));
    await r1.recording.save();
    const p1 = await transportWith({ file: exact, mode: 'replay' });
    expect(((await failure(p1.transport.send(charge(5, { requestedAt: 2 })))) as Error).message).toMatch(
      /No recorded call matches POST .*\/charge[\s\S]*body: \{"amount":5,"requestedAt":2\}[\s\S]*Recorded for the body \{"amount":5,"requestedAt":1\}: 1 answer, 0 used/,
    );
    expect(json(await p1.transport.send(charge(5, { requestedAt: 1 })))).toMatchObject({ charged: 5 });

    const ignoring = await tempFile();
    const r2 = await transportWith({ file: ignoring, mode: 'record', ignoreBodyFields: ['requestedAt'] });
    await r2.transport.send(charge(5, { requestedAt: 1 }));
    await r2.recording.save();
    const p2 = await transportWith({ file: ignoring, mode: 'replay' });
    expect(json(await p2.transport.send(charge(5, { requestedAt: 99 })))).toMatchObject({ charged: 5 });

    const bodiless = await tempFile();
    const r3 = await transportWith({ file: bodiless, mode: 'record', matchBody: false });
    await r3.transport.send(charge(5));
    await r3.recording.save();
    expect(await readFile(bodiless, 'utf8')).not.toContain('requestBody');
    const p3 = await transportWith({ file: bodiless, mode: 'replay' });
    expect(json(await p3.transport.send(charge(6)))).toMatchObject({ charged: 5 });
  });

  it('record-missing replays what is recorded, records the rest, and keeps the old entries', async () => {
    const service = createService();
    const live = await listen(service.app);
    closers.push(live.close);
    const file = await tempFile('recording.json');
    const first = await transportWith({ file, mode: 'record-missing' });
    await first.transport.send(request('GET', `${live.url}/counter`));
    expect(await first.recording.save()).toBe(true);
    expect(service.hits).toEqual(['GET /counter']);

    const second = await transportWith({ file, mode: 'record-missing' });
    expect(json(await second.transport.send(request('GET', `${live.url}/counter`)))).toEqual({ counter: 1 });
    expect(service.hits).toEqual(['GET /counter']); // replayed
    expect(json(await second.transport.send(request('GET', `${live.url}/counter`)))).toEqual({ counter: 2 });
    await second.transport.send(request('GET', `${live.url}/hello`));
    expect(service.hits).toEqual(['GET /counter', 'GET /counter', 'GET /hello']);
    expect(second.stubs.requests().map((r) => r.outcome)).toEqual(['replay', 'network', 'network']);
    await second.recording.save();
    const doc = JSON.parse(await readFile(file, 'utf8')) as { stubs: { url: string; times: number }[] };
    expect(doc.stubs.map((s) => [s.url.slice(live.url.length), s.times])).toEqual([
      ['/counter', 2],
      ['/hello', 1],
    ]);

    // Nothing new: the file is left alone.
    const third = await transportWith({ file, mode: 'record-missing' });
    await third.transport.send(request('GET', `${live.url}/hello`));
    expect(await third.recording.save()).toBe(false);
  });

  it('passthrough and record reach the network only for allowed hosts, and passthrough writes nothing', async () => {
    const service = createService();
    const live = await listen(service.app);
    closers.push(live.close);
    const file = await tempFile();
    const { transport, recording } = await transportWith({ file, mode: 'passthrough' });
    expect(json(await transport.send(request('GET', `${live.url}/counter`)))).toEqual({ counter: 1 });
    expect(await recording.save()).toBe(false);
    await expect(readFile(file)).rejects.toMatchObject({ code: 'ENOENT' });
    const blocked = await failure(transport.send(request('GET', 'https://api.example.com/x')));
    expect((blocked as Error).message).toContain('api.example.com is not an allowed host');
  });

  it('lets stubs answer first: a stubbed call is neither replayed nor recorded', async () => {
    const service = createService();
    const live = await listen(service.app);
    closers.push(live.close);
    const file = await tempFile();
    const { transport, recording, stubs } = await transportWith({ file, mode: 'record' });
    stubs.add({ method: 'GET', url: `${live.url}/counter`, body: { stubbed: true } });
    expect(json(await transport.send(request('GET', `${live.url}/counter`)))).toEqual({ stubbed: true });
    expect(recording.recordedCalls).toBe(0);
    expect(service.hits).toEqual([]);
  });

  it('replays through --stubs too: a recording is an ordinary stubs file', async () => {
    const service = createService();
    const live = await listen(service.app);
    closers.push(live.close);
    const file = await tempFile();
    const rec = await transportWith({ file, mode: 'record' });
    await rec.transport.send(request('GET', `${live.url}/counter`));
    await rec.transport.send(jsonRequest('POST', `${live.url}/charge`, { amount: 3, password: 'pw' }));
    await rec.recording.save();
    await live.close();

    const stubs = new StubRegistry();
    stubs.addAll(await loadStubsFile(file));
    const transport = createOutboundTransport({ stubs });
    expect(json(await transport.send(request('GET', `${live.url}/counter`)))).toEqual({ counter: 1 });
    // A redacted field matches any value.
    const charged = await transport.send(
      jsonRequest('POST', `${live.url}/charge`, { amount: 3, password: 'other' }),
    );
    expect(json(charged)).toMatchObject({ charged: 3 });
    // The answers are used up: the call is unhandled (loopback, so it reaches the stopped service).
    const err = await failure(transport.send(request('GET', `${live.url}/counter`)));
    expect((err as TransportError).kind).toBe('ConnectionFailedError');
  });

  it('refuses a recording that is not a valid stubs file, naming it', async () => {
    const file = await tempFile();
    await rm(join(file, '..'), { recursive: true, force: true });
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(file, 'stubs:\n  - method: GET\n    status: 700\n');
    const err = await failure(Recording.open({ file, mode: 'replay' }));
    expect(err).toBeInstanceOf(RecordingFileError);
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toContain('stub at index 0');
    // record mode does not read the file, so it can replace a broken one.
    await expect(Recording.open({ file, mode: 'record' })).resolves.toBeInstanceOf(Recording);
  });

  it('autosaves after each recorded call, and reports a save that fails', async () => {
    const service = createService();
    const live = await listen(service.app);
    closers.push(live.close);
    const good = await tempFile();
    const saved = await transportWith({ file: good, mode: 'record', autosave: true });
    await saved.transport.send(request('GET', `${live.url}/hello`));
    await saved.recording.save(); // waits for the autosave queued before it
    expect(await readFile(good, 'utf8')).toContain('hello, world');

    const blocker = await tempFile('not-a-directory');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(blocker, '..'), { recursive: true });
    await writeFile(blocker, 'a file where a directory should be');
    let reported: (err: unknown) => void = () => {};
    const failed = new Promise<unknown>((resolve) => (reported = resolve));
    const broken = await transportWith({
      file: join(blocker, 'recording.yaml'),
      mode: 'record',
      autosave: true,
      onAutosaveError: (err) => reported(err),
    });
    await broken.transport.send(request('GET', `${live.url}/hello`));
    // mkdir -p of a path that is a file: EEXIST (Linux) or ENOTDIR.
    expect(await failed).toMatchObject({ code: expect.stringMatching(/^(EEXIST|ENOTDIR)$/) as unknown });
  });

  it('says in a replay miss that the recording is empty when the file does not exist', async () => {
    const file = await tempFile();
    const { transport } = await transportWith({ file, mode: 'replay', recordHint: 'Record it: do X.' });
    const err = await failure(transport.send(request('DELETE', 'https://api.example.com/orders/1')));
    expect((err as Error).message).toBe(
      [
        `No recorded call matches DELETE https://api.example.com/orders/1 (record mode replay, recording ${file})`,
        '  from step "call" (routine "main") of workflow "wf", execution exec-1',
        '  The recording is empty (or its file does not exist yet).',
        'Record it: do X.',
      ].join('\n'),
    );
  });
});

describe('defaultRecordMode', () => {
  it('is replay under CI and record-missing elsewhere', () => {
    expect(defaultRecordMode({ CI: 'true' })).toBe('replay');
    expect(defaultRecordMode({ CI: '1' })).toBe('replay');
    expect(defaultRecordMode({})).toBe('record-missing');
    expect(defaultRecordMode({ CI: 'false' })).toBe('record-missing');
    expect(defaultRecordMode({ CI: '' })).toBe('record-missing');
  });
});

describe('the recorded file parses as YAML with the documented shape', () => {
  it('keeps method and url first in each stub', async () => {
    const service = createService();
    const live = await listen(service.app);
    closers.push(live.close);
    const file = await tempFile();
    const { transport, recording } = await transportWith({ file, mode: 'record' });
    await transport.send(request('GET', `${live.url}/hello`));
    await recording.save();
    const doc = parse(await readFile(file, 'utf8')) as { stubs: Record<string, unknown>[] };
    expect(Object.keys(doc.stubs[0]!)).toEqual(['method', 'url', 'requestBody', 'times', 'responses']);
    expect(doc.stubs[0]!['requestBody']).toBeNull();
  });
});
