import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { EventEmitter, once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { canonicalHeaderName } from '../../src/stdlib/http-headers.js';
import {
  createFetchTransport,
  fetchTransport,
  MAX_RESPONSE_BYTES,
} from '../../src/runtime/http-transport.js';
import { TransportError, type TransportRequest } from '../../src/values/seams.js';
import { RaisedError } from '../../src/values/raised-error.js';

import { transportRequest } from '../transport-request.js';
const origin = { executionId: 'e1', workflowId: 'w1', routine: 'main', step: 's1' };

const request = (method: string, url: string, extra: Partial<TransportRequest> = {}) =>
  transportRequest(method, url, { timeoutMs: 5000, origin }, extra);

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

let server: Server;
let base: string;
const seen: { method: string; url: string; body: string; headers: Record<string, unknown> }[] = [];
/** Emits each request's path once the server has read it, so a test can act on its arrival. */
const arrivals = new EventEmitter();

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, body, headers: req.headers });
      arrivals.emit(req.url!);
      switch (req.url) {
        case '/json':
          res.writeHead(200, { 'content-type': 'application/json', 'x-cloud-trace-context': 'abc' });
          res.end(JSON.stringify({ ok: true, echo: body }));
          return;
        case '/missing':
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end('Not Found');
          return;
        case '/reset':
          res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100000' });
          // Headers and part of the body are on the wire; then the connection drops.
          res.write('partial', () => res.socket?.destroy());
          return;
        case '/never':
          // Never answers: only the client's time-out or abort ends the request.
          return;
        case '/exactly-2mb':
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          res.end(Buffer.alloc(MAX_RESPONSE_BYTES, 1));
          return;
        case '/big':
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          res.end(Buffer.alloc(MAX_RESPONSE_BYTES + 1, 1));
          return;
        case '/redirect':
          res.writeHead(302, { location: '/json' });
          res.end();
          return;
        default:
          res.writeHead(500);
          res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('canonicalHeaderName', () => {
  it('writes header names in MIME case', () => {
    expect(canonicalHeaderName('content-type')).toBe('Content-Type');
    expect(canonicalHeaderName('X-CLOUD-TRACE-CONTEXT')).toBe('X-Cloud-Trace-Context');
    expect(canonicalHeaderName('etag')).toBe('Etag');
  });
});

describe('fetchTransport', () => {
  it('returns status, canonical headers and the body bytes; sends method, headers and body', async () => {
    const res = await fetchTransport.send(
      request('POST', `${base}/json`, {
        headers: { 'Content-Type': 'text/plain', 'X-Test': 'yes' },
        body: new TextEncoder().encode('hello'),
      }),
    );
    expect(res.status).toBe(200);
    expect(res.headers['Content-Type']).toBe('application/json');
    expect(res.headers['X-Cloud-Trace-Context']).toBe('abc');
    expect(JSON.parse(new TextDecoder().decode(res.body))).toEqual({ ok: true, echo: 'hello' });
    const last = seen.at(-1)!;
    expect(last.method).toBe('POST');
    expect(last.headers['x-test']).toBe('yes');
  });

  it('returns a 404 as a response, not an error', async () => {
    const res = await fetchTransport.send(request('GET', `${base}/missing`));
    expect(res.status).toBe(404);
    expect(new TextDecoder().decode(res.body)).toBe('Not Found');
  });

  it('follows redirects', async () => {
    const res = await fetchTransport.send(request('GET', `${base}/redirect`));
    expect(res.status).toBe(200);
    expect(JSON.parse(new TextDecoder().decode(res.body))).toMatchObject({ ok: true });
  });

  it('does not follow redirects when told not to', async () => {
    const res = await createFetchTransport({ followRedirects: false }).send(
      request('GET', `${base}/redirect`),
    );
    expect(res.status).toBe(302);
    expect(res.headers['Location']).toBe('/json');
  });

  it('maps a refused connection to ConnectionFailedError', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await failure(fetchTransport.send(request('GET', `http://127.0.0.1:${port}/`)));
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).kind).toBe('ConnectionFailedError');
  });

  it('maps a socket destroyed mid-response to ConnectionError', async () => {
    const err = await failure(fetchTransport.send(request('GET', `${base}/reset`)));
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).kind).toBe('ConnectionError');
  });

  it('maps an exceeded timeout to TimeoutError', async () => {
    // The server never answers, so only the 150 ms time-out can end this request.
    const err = await failure(fetchTransport.send(request('GET', `${base}/never`, { timeoutMs: 150 })));
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).kind).toBe('TimeoutError');
    expect((err as TransportError).message).toBe(`HTTP request timed out after 0.15s: GET ${base}/never`);
  });

  it('rethrows the reason when the request signal is aborted', async () => {
    const ac = new AbortController();
    const reason = new Error('execution cancelled');
    const arrived = once(arrivals, '/never');
    const sent = failure(
      fetchTransport.send(request('GET', `${base}/never`, { signal: ac.signal, timeoutMs: 600_000 })),
    );
    await arrived;
    ac.abort(reason);
    expect(await sent).toBe(reason);
  });

  it('reads a response of exactly 2 MB', async () => {
    const res = await fetchTransport.send(request('GET', `${base}/exactly-2mb`));
    expect(res.status).toBe(200);
    expect(res.body.byteLength).toBe(MAX_RESPONSE_BYTES);
  });

  it('refuses a response over 2 MB with a ResourceLimitError', async () => {
    const err = await failure(fetchTransport.send(request('GET', `${base}/big`)));
    expect(err).toBeInstanceOf(RaisedError);
    expect((err as RaisedError).tags).toEqual(['ResourceLimitError']);
    expect((err as RaisedError).message).toBe(
      `HTTP response exceeds 2 MB (the maximum response size): GET ${base}/big`,
    );
  });
});
