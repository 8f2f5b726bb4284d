import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { realClock } from '../../src/runtime/default-seams.js';
import {
  TransportError,
  type Clock,
  type TransportRequest,
  type TransportResponse,
  type HttpTransport,
} from '../../src/values/seams.js';
import { RaisedError } from '../../src/values/raised-error.js';
import {
  createOutboundTransport,
  StubRegistry,
  StubValidationError,
  type HttpStubRequest,
} from '../../src/stubs/index.js';

import { transportRequest } from '../transport-request.js';
const origin = { executionId: 'exec-1', workflowId: 'wf', routine: 'main', step: 'pay' };
const enc = new TextEncoder();
const dec = new TextDecoder();

const request = (method: string, url: string, extra: Partial<TransportRequest> = {}) =>
  transportRequest(method, url, { timeoutMs: 300_000, origin }, extra);

function jsonRequest(method: string, url: string, body: unknown): TransportRequest {
  return request(method, url, {
    headers: { 'content-type': 'application/json' },
    body: enc.encode(JSON.stringify(body)),
  });
}

const text = (r: TransportResponse) => dec.decode(r.body);
const json = (r: TransportResponse) => JSON.parse(text(r)) as unknown;

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

/** A network that must never be reached, recording any attempt. */
function spyNetwork(): HttpTransport & { calls: TransportRequest[] } {
  const calls: TransportRequest[] = [];
  return {
    calls,
    send: async (r) => {
      calls.push(r);
      return { status: 299, headers: {}, body: new Uint8Array() };
    },
  };
}

/** A clock whose sleeps return at once and are recorded. */
function instantClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => 0,
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      sleeps.push(ms);
    },
  };
}

let stubs: StubRegistry;
let network: ReturnType<typeof spyNetwork>;
let clock: ReturnType<typeof instantClock>;
let transport: HttpTransport;

beforeEach(() => {
  stubs = new StubRegistry();
  network = spyNetwork();
  clock = instantClock();
  transport = createOutboundTransport({ stubs, network, clock });
});

describe('stub definitions', () => {
  it('rejects invalid definitions with a readable StubValidationError', () => {
    const err = (() => {
      try {
        stubs.add({ method: 'GET', status: 'ok', delay: 5 });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(StubValidationError);
    const msg = (err as Error).message;
    expect(msg).toContain('status');
    expect(msg).toContain('delay');
    expect(msg).toContain('exactly one of "url" or "connector"');
    expect(() => stubs.add({ url: 'https://x.example.com/', match: '$$$(' })).toThrow(/invalid JSONata/);
    expect(() => stubs.add({ url: 'https://x.example.com/', fault: 'Boom' })).toThrow(StubValidationError);
    expect(() => stubs.add({ url: 'https://x.example.com/', times: 0 })).toThrow(StubValidationError);
    expect(stubs.list()).toEqual([]);
  });

  it('assigns ids, lists JSON-able stubs, removes and clears them', () => {
    const a = stubs.add({ method: 'get', url: 'https://api.example.com/a', body: { x: 1 } });
    const b = stubs.add({ url: 'https://api.example.com/b', headers: { 'Retry-After': '5' } });
    expect(a).toMatchObject({
      id: 'stub-1',
      kind: 'http',
      method: 'GET',
      status: 200,
      calls: 0,
      programmatic: false,
    });
    expect(b.id).toBe('stub-2');
    expect(JSON.parse(JSON.stringify(stubs.list()))).toEqual(stubs.list());
    expect(stubs.remove('stub-1')).toBe(true);
    expect(stubs.remove('stub-1')).toBe(false);
    expect(stubs.list().map((s) => s.id)).toEqual(['stub-2']);
    stubs.clear();
    expect(stubs.list()).toEqual([]);
    expect(stubs.add({ url: 'https://api.example.com/c' }).id).toBe('stub-1');
  });

  it('replaces a stub registered again under the same id', async () => {
    stubs.add({ id: 'pay', url: 'https://api.example.com/pay', body: 'first' });
    stubs.add({ id: 'pay', url: 'https://api.example.com/pay', body: 'second' });
    expect(stubs.list()).toHaveLength(1);
    expect(json(await transport.send(request('POST', 'https://api.example.com/pay')))).toBe('second');
  });
});

describe('matching', () => {
  it('matches method case-insensitively, any method when left out', async () => {
    stubs.add({ method: 'post', url: 'https://api.example.com/pay', status: 201, body: { paid: true } });
    stubs.add({ url: 'https://api.example.com/any', body: 'any' });
    const r = await transport.send(request('POST', 'https://api.example.com/pay'));
    expect(r.status).toBe(201);
    expect(json(r)).toEqual({ paid: true });
    expect(r.headers['Content-Type']).toBe('application/json');
    for (const m of ['GET', 'DELETE', 'PATCH']) {
      expect(json(await transport.send(request(m, 'https://api.example.com/any')))).toBe('any');
    }
    const err = await failure(transport.send(request('GET', 'https://api.example.com/pay')));
    expect((err as TransportError).kind).toBe('ConnectionFailedError');
  });

  it('matches wildcards and ignores the query unless the pattern has one', async () => {
    stubs.add({ url: 'https://api.example.com/orders/*', body: 'order' });
    stubs.add({ url: 'https://api.example.com/search?q=*', body: 'search' });
    expect(json(await transport.send(request('GET', 'https://api.example.com/orders/42?expand=1')))).toBe(
      'order',
    );
    expect(json(await transport.send(request('GET', 'https://api.example.com/search?q=cats')))).toBe(
      'search',
    );
    const err = await failure(transport.send(request('GET', 'https://api.example.com/search')));
    expect(err).toBeInstanceOf(TransportError);
  });

  it('prefers the newest matching stub', async () => {
    stubs.add({ url: 'https://api.example.com/*', body: 'broad' });
    stubs.add({ url: 'https://api.example.com/special', body: 'specific' });
    expect(json(await transport.send(request('GET', 'https://api.example.com/special')))).toBe('specific');
    expect(json(await transport.send(request('GET', 'https://api.example.com/other')))).toBe('broad');
    stubs.add({ url: 'https://api.example.com/*', body: 'newest broad' });
    expect(json(await transport.send(request('GET', 'https://api.example.com/special')))).toBe(
      'newest broad',
    );
  });

  it('stops matching after `times` uses, letting an older stub answer', async () => {
    stubs.add({ url: 'https://api.example.com/x', body: 'fallback' });
    stubs.add({ url: 'https://api.example.com/x', body: 'once', times: 1 });
    expect(json(await transport.send(request('GET', 'https://api.example.com/x')))).toBe('once');
    expect(json(await transport.send(request('GET', 'https://api.example.com/x')))).toBe('fallback');
    expect(stubs.list().map((s) => s.calls)).toEqual([1, 1]);
  });

  it('keeps `times` under concurrent calls with an async match', async () => {
    stubs.add({ url: 'https://api.example.com/x', body: 'fallback' });
    stubs.add({ url: 'https://api.example.com/x', body: 'limited', times: 2, match: 'method = "GET"' });
    const results = await Promise.all(
      Array.from({ length: 6 }, () => transport.send(request('GET', 'https://api.example.com/x'))),
    );
    const bodies = results.map(json);
    expect(bodies.filter((b) => b === 'limited')).toHaveLength(2);
    expect(bodies.filter((b) => b === 'fallback')).toHaveLength(4);
  });

  it('plays `responses` in order, repeating the last one, to script retries', async () => {
    stubs.add({
      url: 'https://api.example.com/flaky',
      responses: [{ status: 503 }, { fault: 'ConnectionError' }, { status: 200, body: { ok: true } }],
    });
    const first = await transport.send(request('GET', 'https://api.example.com/flaky'));
    expect(first.status).toBe(503);
    const second = await failure(transport.send(request('GET', 'https://api.example.com/flaky')));
    expect(second).toBeInstanceOf(TransportError);
    expect((second as TransportError).kind).toBe('ConnectionError');
    for (let i = 0; i < 2; i++) {
      const ok = await transport.send(request('GET', 'https://api.example.com/flaky'));
      expect(ok.status).toBe(200);
      expect(json(ok)).toEqual({ ok: true });
    }
  });

  it('falls back to top-level fields for response entries', async () => {
    stubs.add({
      url: 'https://api.example.com/seq',
      headers: { 'x-version': '1' },
      body: 'default',
      responses: [{ status: 202 }, { body: 'second' }],
      times: 2,
    });
    const a = await transport.send(request('GET', 'https://api.example.com/seq'));
    expect([a.status, json(a), a.headers['X-Version']]).toEqual([202, 'default', '1']);
    const b = await transport.send(request('GET', 'https://api.example.com/seq'));
    expect([b.status, json(b)]).toEqual([200, 'second']);
    await expect(transport.send(request('GET', 'https://api.example.com/seq'))).rejects.toBeInstanceOf(
      TransportError,
    );
  });
});

describe('JSONata', () => {
  it('matches on method, path, query, headers and decoded JSON body', async () => {
    stubs.add({
      url: 'https://api.example.com/pay*',
      match:
        'body.amount > 100 and headers."Idempotency-Key" = "k1" and query.currency = "EUR" and path = "/pay"',
      status: 402,
      body: { error: 'too much' },
    });
    stubs.add({ url: 'https://api.example.com/pay*', match: 'body.amount <= 100', body: { ok: true } });
    const big = await transport.send({
      ...jsonRequest('POST', 'https://api.example.com/pay?currency=EUR', { amount: 500 }),
      headers: { 'content-type': 'application/json', 'idempotency-key': 'k1' },
    });
    expect(big.status).toBe(402);
    const small = await transport.send(
      jsonRequest('POST', 'https://api.example.com/pay?currency=EUR', { amount: 5 }),
    );
    expect(json(small)).toEqual({ ok: true });
    const err = await failure(
      transport.send(jsonRequest('POST', 'https://api.example.com/pay', { amount: 500 })),
    );
    expect((err as TransportError).kind).toBe('ConnectionFailedError');
  });

  it('computes the response body with bodyExpression', async () => {
    stubs.add({
      url: 'https://api.example.com/echo',
      bodyExpression: '{"id": body.id, "total": $sum(body.items.price), "method": method}',
    });
    const r = await transport.send(
      jsonRequest('POST', 'https://api.example.com/echo', { id: 'o-1', items: [{ price: 2 }, { price: 3 }] }),
    );
    expect(json(r)).toEqual({ id: 'o-1', total: 5, method: 'POST' });
  });

  it('treats a match expression that fails to evaluate as no match and notes it', async () => {
    stubs.add({ url: 'https://api.example.com/n', match: '$number("x") = 1', body: 'never' });
    stubs.add({ url: 'https://api.example.com/n', match: 'undefinedField', body: 'never either' });
    await expect(transport.send(request('GET', 'https://api.example.com/n'))).rejects.toBeInstanceOf(
      TransportError,
    );
    const [rec] = stubs.requests();
    expect(rec!.outcome).toBe('blocked');
    expect(rec!.notes?.[0]).toMatch(/^stub-1: match failed/);
  });

  it('reports a failing bodyExpression as a SystemError naming the stub', async () => {
    stubs.add({ url: 'https://api.example.com/bad', bodyExpression: '$number("not a number")' });
    const err = await failure(transport.send(request('GET', 'https://api.example.com/bad')));
    expect(err).toBeInstanceOf(RaisedError);
    expect((err as RaisedError).tags).toEqual(['SystemError']);
    expect((err as RaisedError).message).toContain('stub-1');
  });
});

describe('response bodies', () => {
  it('sends a string verbatim under a non-JSON content type, as JSON otherwise', async () => {
    stubs.add({
      url: 'https://api.example.com/html',
      headers: { 'content-type': 'text/html' },
      body: '<p>hi</p>',
    });
    stubs.add({ url: 'https://api.example.com/str', body: 'plain' });
    const html = await transport.send(request('GET', 'https://api.example.com/html'));
    expect(text(html)).toBe('<p>hi</p>');
    expect(html.headers).toEqual({ 'Content-Type': 'text/html' });
    const str = await transport.send(request('GET', 'https://api.example.com/str'));
    expect(text(str)).toBe('"plain"');
    expect(str.headers['Content-Type']).toBe('application/json');
  });

  it('sends an empty body when the stub has none', async () => {
    stubs.add({ url: 'https://api.example.com/empty', status: 204 });
    const r = await transport.send(request('DELETE', 'https://api.example.com/empty'));
    expect(r.status).toBe(204);
    expect(r.body.byteLength).toBe(0);
    expect(r.headers).toEqual({});
  });
});

describe('faults and delays', () => {
  it.each(['ConnectionFailedError', 'ConnectionError', 'TimeoutError'] as const)(
    'raises a %s fault',
    async (fault) => {
      stubs.add({ url: 'https://api.example.com/f', fault });
      const err = await failure(transport.send(request('GET', 'https://api.example.com/f')));
      expect(err).toBeInstanceOf(TransportError);
      expect((err as TransportError).kind).toBe(fault);
      expect(stubs.requests()[0]).toMatchObject({ outcome: 'fault', stubId: 'stub-1', status: null });
    },
  );

  it('waits delayMs before answering', async () => {
    stubs.add({ url: 'https://api.example.com/slow', delayMs: 250, body: 1 });
    const r = await transport.send(request('GET', 'https://api.example.com/slow', { timeoutMs: 1000 }));
    expect(json(r)).toBe(1);
    expect(clock.sleeps).toEqual([250]);
  });

  it('times out after timeoutMs when the delay is longer', async () => {
    stubs.add({ url: 'https://api.example.com/slow', delayMs: 5000, body: 1 });
    const err = await failure(
      transport.send(request('GET', 'https://api.example.com/slow', { timeoutMs: 1000 })),
    );
    expect((err as TransportError).kind).toBe('TimeoutError');
    expect(clock.sleeps).toEqual([1000]);
  });

  it('honours the abort signal during a delay (real clock)', async () => {
    // The real clock, told when the delay starts: the abort comes then, and a delay it did not
    // interrupt would outlast the test's time-out.
    let delaying!: () => void;
    const delayed = new Promise<void>((resolve) => (delaying = resolve));
    const real = createOutboundTransport({
      stubs,
      network,
      clock: {
        now: () => realClock.now(),
        sleep: (ms, signal) => {
          delaying();
          return realClock.sleep(ms, signal);
        },
      },
    });
    stubs.add({ url: 'https://api.example.com/slow', delayMs: 600_000, body: 1 });
    const ac = new AbortController();
    const reason = new Error('cancelled');
    const sent = failure(
      real.send(request('GET', 'https://api.example.com/slow', { signal: ac.signal, timeoutMs: 900_000 })),
    );
    await delayed;
    ac.abort(reason);
    expect(await sent).toBe(reason);
  });
});

describe('programmatic stubs', () => {
  it('resolve() receives the request and the call number', async () => {
    const seen: [HttpStubRequest, number][] = [];
    const info = stubs.addHandler({
      method: 'POST',
      url: 'https://api.example.com/*',
      description: 'payments',
      resolve: (req, n) => {
        seen.push([req as HttpStubRequest, n]);
        return n === 1 ? { fault: 'ConnectionError' } : { status: 200, body: { attempt: n } };
      },
    });
    expect(info).toMatchObject({ id: 'stub-1', programmatic: true, description: 'payments' });
    await expect(
      transport.send(jsonRequest('POST', 'https://api.example.com/p', { a: 1 })),
    ).rejects.toMatchObject({
      kind: 'ConnectionError',
    });
    const r = await transport.send(jsonRequest('POST', 'https://api.example.com/p', { a: 1 }));
    expect(json(r)).toEqual({ attempt: 2 });
    expect(seen.map(([req, n]) => [req.body, req.path, n])).toEqual([
      [{ a: 1 }, '/p', 1],
      [{ a: 1 }, '/p', 2],
    ]);
    expect(seen[0]![0].origin).toEqual(origin);
  });

  it('accepts a predicate as match', async () => {
    stubs.addHandler({
      url: 'https://api.example.com/*',
      match: (r) => r.kind === 'http' && r.headers['X-Tenant'] === 't1',
      resolve: () => ({ body: 'tenant' }),
    });
    const ok = await transport.send(
      request('GET', 'https://api.example.com/a', { headers: { 'x-tenant': 't1' } }),
    );
    expect(json(ok)).toBe('tenant');
    await expect(transport.send(request('GET', 'https://api.example.com/a'))).rejects.toBeInstanceOf(
      TransportError,
    );
  });
});

describe('outbound policy', () => {
  let server: Server;
  let base: string;
  let hits: string[];

  beforeAll(async () => {
    hits = [];
    server = createServer((req, res) => {
      hits.push(`${req.method} ${req.url}`);
      if (req.url === '/to-prod') {
        res.writeHead(302, { location: 'https://api.example.com/pay' });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ local: true }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('blocks an unstubbed, unallowed host before any network access, with a helpful message', async () => {
    const err = await failure(
      transport.send(jsonRequest('POST', 'https://api.example.com/pay', { amount: 1 })),
    );
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).kind).toBe('ConnectionFailedError');
    const msg = (err as Error).message;
    expect(msg).toContain('No stub matches POST https://api.example.com/pay');
    expect(msg).toContain('api.example.com is not an allowed host');
    expect(msg).toContain('POST /emulator/v1/stubs');
    expect(msg).toContain('--allow-host api.example.com');
    expect(network.calls).toEqual([]);
    expect(stubs.requests()[0]).toMatchObject({ outcome: 'blocked', stubId: null, error: msg });
  });

  it('sends loopback calls to the network', async () => {
    const real = createOutboundTransport({ stubs });
    const r = await real.send(request('GET', `${base}/hello`));
    expect(json(r)).toEqual({ local: true });
    expect(hits).toContain('GET /hello');
    const localhost = await real.send(request('GET', `${base.replace('127.0.0.1', 'localhost')}/again`));
    expect(localhost.status).toBe(200);
    expect(stubs.requests().map((x) => [x.outcome, x.status])).toEqual([
      ['network', 200],
      ['network', 200],
    ]);
  });

  it('sends allowed hosts to the network and nothing else', async () => {
    const allowed = createOutboundTransport({
      stubs,
      network,
      allowHosts: ['*.example.com', 'api.other.test'],
    });
    expect((await allowed.send(request('GET', 'https://pay.example.com/x'))).status).toBe(299);
    expect((await allowed.send(request('GET', 'https://api.other.test/y'))).status).toBe(299);
    await expect(allowed.send(request('GET', 'https://example.org/z'))).rejects.toBeInstanceOf(
      TransportError,
    );
    expect(network.calls.map((c) => c.url)).toEqual([
      'https://pay.example.com/x',
      'https://api.other.test/y',
    ]);
  });

  it('prefers a stub to the network even for loopback hosts', async () => {
    const real = createOutboundTransport({ stubs });
    stubs.add({ url: `${base}/hello`, body: 'stubbed' });
    hits.length = 0;
    expect(json(await real.send(request('GET', `${base}/hello`)))).toBe('stubbed');
    expect(hits).toEqual([]);
  });

  it('checks every redirect hop: a loopback server cannot bounce a call to a production host', async () => {
    const real = createOutboundTransport({ stubs });
    const err = await failure(real.send(request('GET', `${base}/to-prod`)));
    expect((err as TransportError).kind).toBe('ConnectionFailedError');
    expect((err as Error).message).toContain('https://api.example.com/pay');
    // ...but a redirect to a stubbed URL gets the stub.
    stubs.add({ method: 'GET', url: 'https://api.example.com/pay', body: 'stubbed after redirect' });
    expect(json(await real.send(request('GET', `${base}/to-prod`)))).toBe('stubbed after redirect');
  });

  it('calls onUnhandled for unmatched calls; its error fails the call', async () => {
    const unhandled: string[] = [];
    const strict = createOutboundTransport({
      stubs,
      network,
      onUnhandled: (r) => {
        unhandled.push(`${r.method} ${r.url}`);
        if (r.url.includes('strict'))
          throw new TransportError('ConnectionFailedError', 'no handler for strict');
      },
    });
    await expect(strict.send(request('GET', 'https://api.example.com/a'))).rejects.toBeInstanceOf(
      TransportError,
    );
    await expect(strict.send(request('GET', 'http://127.0.0.1:1/strict'))).rejects.toThrow(
      'no handler for strict',
    );
    expect(unhandled).toEqual(['GET https://api.example.com/a', 'GET http://127.0.0.1:1/strict']);
    expect(network.calls).toEqual([]);
  });
});

describe('request log', () => {
  it('records every call with origin, decoded body, stub and outcome', async () => {
    stubs.add({ url: 'https://api.example.com/pay', body: { ok: true } });
    await transport.send({
      ...jsonRequest('POST', 'https://api.example.com/pay', { amount: 5 }),
      headers: { 'content-type': 'application/json', authorization: 'Bearer t' },
    });
    await transport
      .send(
        request('PUT', 'https://api.example.com/text', {
          headers: { 'Content-Type': 'text/plain' },
          body: enc.encode('hi'),
        }),
      )
      .catch(() => {});
    const log = stubs.requests();
    expect(log).toHaveLength(2);
    expect(log[0]).toMatchObject({
      id: 'req-1',
      kind: 'http',
      method: 'POST',
      url: 'https://api.example.com/pay',
      connector: null,
      // Credentials are redacted in the log (redact.test.ts covers raw values).
      headers: { 'Content-Type': 'application/json', Authorization: '<redacted>' },
      body: { amount: 5 },
      stubId: 'stub-1',
      outcome: 'stub',
      status: 200,
      error: null,
      executionId: 'exec-1',
      workflowId: 'wf',
      routine: 'main',
      step: 'pay',
    });
    expect(Number.isNaN(Date.parse(log[0]!.time))).toBe(false);
    expect(log[1]).toMatchObject({ id: 'req-2', body: 'hi', outcome: 'blocked', stubId: null });
    expect(JSON.parse(JSON.stringify(log))).toEqual(log);
    // requests() hands out copies
    log[0]!.method = 'CHANGED';
    expect(stubs.requests()[0]!.method).toBe('POST');
    stubs.clearRequests();
    expect(stubs.requests()).toEqual([]);
    expect(stubs.list()).toHaveLength(1);
    stubs.reset();
    expect(stubs.list()).toEqual([]);
  });

  it('keeps only the most recent calls', async () => {
    const small = new StubRegistry({ maxRecordedRequests: 3 });
    const t = createOutboundTransport({ stubs: small, network });
    small.add({ url: 'https://api.example.com/*', body: 1 });
    for (let i = 0; i < 5; i++) await t.send(request('GET', `https://api.example.com/${i}`));
    expect(small.requests().map((r) => r.url)).toEqual([
      'https://api.example.com/2',
      'https://api.example.com/3',
      'https://api.example.com/4',
    ]);
    expect(small.requestLogSize()).toEqual({ retained: 3, evicted: 2 });
    // Past twice the bound the log compacts: still the three most recent, in order.
    for (let i = 5; i < 11; i++) await t.send(request('GET', `https://api.example.com/${i}`));
    expect(small.requests().map((r) => r.id)).toEqual(['req-9', 'req-10', 'req-11']);
    expect(small.requestLogSize()).toEqual({ retained: 3, evicted: 8 });
    small.clearRequests();
    expect(small.requestLogSize()).toEqual({ retained: 0, evicted: 0 });
  });
});
