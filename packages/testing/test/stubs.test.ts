import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, expect, vi } from 'vitest';
import {
  connector,
  createTestEnvironment,
  http,
  HttpResponse,
  UnhandledRequestError,
  type TestEnvironment,
  type UnhandledRequest,
} from '../src/index.js';

/** Calls `args.url` with `args.method` and `args.body`; returns the response or the caught error. */
const CALLER = `
main:
  params: [args]
  steps:
    - call:
        try:
          call: http.request
          args:
            url: \${args.url}
            method: \${args.method}
            body: \${default(map.get(args, "body"), null)}
          result: r
        except:
          as: e
          steps:
            - caught:
                return:
                  tags: \${e.tags}
                  message: \${e.message}
                  code: \${default(map.get(e, "code"), null)}
    - done:
        return:
          code: \${r.code}
          body: \${r.body}
          type: \${default(map.get(r.headers, "Content-Type"), null)}
`;

async function withEnv(
  fn: (env: TestEnvironment) => Promise<void>,
  options: Parameters<typeof createTestEnvironment>[0] = {},
): Promise<void> {
  const env = await createTestEnvironment({ workflows: { caller: CALLER }, ...options });
  try {
    await fn(env);
  } finally {
    await env.teardown();
  }
}

const call = (env: TestEnvironment, method: string, url: string, body?: unknown) =>
  env.execute('caller', { method, url, ...(body !== undefined && { body }) });

describe('HTTP stubs', () => {
  it('passes params, query, body, headers and callNumber to the resolver', async () => {
    await withEnv(async (env) => {
      const seen: unknown[] = [];
      env.stubs.use(
        http.post('https://api.example.com/orders/:orderId/items/:item', async (info) => {
          seen.push({ params: info.params, query: info.query, body: info.body, n: info.callNumber });
          expect(await info.request.json()).toEqual(info.body);
          expect(info.request.method).toBe('POST');
          expect(info.origin).toMatchObject({ workflowId: 'caller', step: 'call' });
          return HttpResponse.json({ ok: info.params['orderId'] }, { status: 201 });
        }),
      );
      const s1 = await call(env, 'POST', 'https://api.example.com/orders/42/items/a%20b?page=2&tag=x&tag=y', {
        q: 1,
      });
      expect(s1.result).toEqual({ code: 201, body: { ok: '42' }, type: 'application/json' });
      await call(env, 'POST', 'https://api.example.com/orders/43/items/c', { q: 2 });
      expect(seen).toEqual([
        {
          params: { orderId: '42', item: 'a b' },
          query: { page: '2', tag: ['x', 'y'] },
          body: { q: 1 },
          n: 1,
        },
        { params: { orderId: '43', item: 'c' }, query: {}, body: { q: 2 }, n: 2 },
      ]);
      // A path parameter is one segment: more segments do not match.
      env.stubs.use(http.all('*', () => HttpResponse.text('fallback')));
      const s3 = await call(env, 'POST', 'https://api.example.com/orders/42/items/a/extra');
      expect(s3.result).toMatchObject({ body: 'fallback', type: 'text/plain;charset=UTF-8' });
    });
  });

  it('matches URLs as msw does: trailing slash, any case, optional parameters', async () => {
    await withEnv(async (env) => {
      env.stubs.use(
        http.get('https://api.example.com/users/:id', ({ params }) =>
          HttpResponse.json({ user: params['id'] }),
        ),
        http.get('https://api.example.com/teams/:team?', ({ params }) => HttpResponse.json(params)),
      );
      const slash = await call(env, 'GET', 'https://api.example.com/users/42/');
      expect(slash.result).toMatchObject({ code: 200, body: { user: '42' } });
      const upper = await call(env, 'GET', 'https://API.example.com/Users/Ann');
      expect(upper.result).toMatchObject({ code: 200, body: { user: 'Ann' } });
      const none = await call(env, 'GET', 'https://api.example.com/teams');
      expect(none.result).toMatchObject({ code: 200, body: {} });
      const one = await call(env, 'GET', 'https://api.example.com/teams/red');
      expect(one.result).toMatchObject({ code: 200, body: { team: 'red' } });
    });
  });

  it('matches on method, path-only patterns, wildcards and a match predicate on the body', async () => {
    await withEnv(async (env) => {
      env.stubs.use(
        http.get('/health', () => HttpResponse.json('any-origin')),
        http.put('https://*.example.com/v1/*', () => HttpResponse.json('wild')),
        http.post('https://api.example.com/search', () => HttpResponse.json('big'), {
          match: ({ body }) => (body as { size: number }).size > 10,
        }),
        http.post('https://api.example.com/search', () => HttpResponse.json('small')),
      );
      expect((await call(env, 'GET', 'https://status.internal.test/health')).result).toMatchObject({
        body: 'any-origin',
      });
      expect((await call(env, 'PUT', 'https://eu.example.com/v1/a/b/c')).result).toMatchObject({
        body: 'wild',
      });
      expect((await call(env, 'POST', 'https://api.example.com/search', { size: 50 })).result).toMatchObject({
        body: 'big',
      });
      expect((await call(env, 'POST', 'https://api.example.com/search', { size: 5 })).result).toMatchObject({
        body: 'small',
      });
      // GET /search is stubbed by nobody: the method matters.
      await expect(call(env, 'GET', 'https://api.example.com/search')).rejects.toThrow(UnhandledRequestError);
    });
  });

  it('honours times: a used-up stub gives way to the one registered before it', async () => {
    await withEnv(async (env) => {
      const steady = http.get('https://api.example.com/flaky', () => HttpResponse.json('ok'));
      const twice = http.get(
        'https://api.example.com/flaky',
        () => HttpResponse.json('busy', { status: 503 }),
        { times: 2 },
      );
      env.stubs.use(steady);
      env.stubs.use(twice);
      const codes: unknown[] = [];
      for (let i = 0; i < 3; i++)
        codes.push((await call(env, 'GET', 'https://api.example.com/flaky')).result);
      expect(codes).toEqual([
        { tags: ['HttpError'], message: 'HTTP server responded with error code 503', code: 503 },
        { tags: ['HttpError'], message: 'HTTP server responded with error code 503', code: 503 },
        { code: 200, body: 'ok', type: 'application/json' },
      ]);
      expect(twice.calls.map((c) => c.callNumber)).toEqual([1, 2]);
      expect(steady.calls).toHaveLength(1);
      expect(env.stubs.calls(twice)).toHaveLength(2);
      expect(env.stubs.calls(steady)).toHaveLength(1);
      const once = http.get('https://api.example.com/once', () => HttpResponse.json(1), { once: true });
      expect(once.times).toBe(1);
    });
  });

  it('lists unused stubs, and reset() restores the initial handlers', async () => {
    const base = http.get('https://api.example.com/base', () => HttpResponse.json('base'));
    await withEnv(
      async (env) => {
        const used = http.get('https://api.example.com/used', () => HttpResponse.json(1));
        const unused = http.delete('https://api.example.com/never', () => HttpResponse.json(2));
        env.stubs.use(used, unused);
        await call(env, 'GET', 'https://api.example.com/used');
        expect(env.stubs.unused()).toEqual([base, unused]);
        expect(env.stubs.list().map((s) => s.description)).toEqual([
          'GET https://api.example.com/base',
          'DELETE https://api.example.com/never',
          'GET https://api.example.com/used',
        ]);
        env.stubs.reset();
        expect(env.stubs.calls()).toEqual([]);
        expect(env.stubs.unused()).toEqual([base]);
        expect((await call(env, 'GET', 'https://api.example.com/base')).result).toMatchObject({
          body: 'base',
        });
        await expect(call(env, 'GET', 'https://api.example.com/used')).rejects.toThrow(UnhandledRequestError);
        // reset(...next) replaces the handlers, as msw's resetHandlers(...next) does.
        env.stubs.reset(used);
        expect((await call(env, 'GET', 'https://api.example.com/used')).result).toMatchObject({ body: 1 });
        await expect(call(env, 'GET', 'https://api.example.com/base')).rejects.toThrow(UnhandledRequestError);
      },
      { handlers: [base] },
    );
  });

  it('turns HttpResponse.error() into the Workflows network error tags', async () => {
    await withEnv(async (env) => {
      env.stubs.use(
        http.get('https://api.example.com/refused', () => HttpResponse.error()),
        http.get('https://api.example.com/reset', () => HttpResponse.error('ConnectionError')),
        http.get('https://api.example.com/slow', () => HttpResponse.error('TimeoutError', 'too slow')),
        http.get('https://api.example.com/delayed', () => HttpResponse.json('late', { delay: '10m' })),
      );
      expect((await call(env, 'GET', 'https://api.example.com/refused')).result).toMatchObject({
        tags: ['ConnectionFailedError'],
      });
      expect((await call(env, 'GET', 'https://api.example.com/reset')).result).toMatchObject({
        tags: ['ConnectionError'],
      });
      expect((await call(env, 'GET', 'https://api.example.com/slow')).result).toMatchObject({
        tags: ['TimeoutError'],
        message: 'too slow',
      });
      // A delay beyond the call's timeout (300 s by default) is a time-out after 300 s of
      // virtual time (real time would outlast the test's own time-out).
      const before = env.clock.now();
      expect((await call(env, 'GET', 'https://api.example.com/delayed')).result).toMatchObject({
        tags: ['TimeoutError'],
      });
      expect(env.clock.now() - before).toBe(300_000);
      expect(() => HttpResponse.error('Nope' as never)).toThrow(/kind must be one of/);
    });
  });

  it('answers with plain values, text and custom headers', async () => {
    await withEnv(async (env) => {
      env.stubs.use(
        http.get('https://api.example.com/plain', () => ({ plain: true })),
        http.get('https://api.example.com/text', () =>
          HttpResponse.text('hello', { status: 202, headers: { 'X-Id': '9' } }),
        ),
        http.get('https://api.example.com/static', HttpResponse.json([1, 2])),
      );
      expect((await call(env, 'GET', 'https://api.example.com/plain')).result).toEqual({
        code: 200,
        body: { plain: true },
        type: 'application/json',
      });
      expect((await call(env, 'GET', 'https://api.example.com/text')).result).toEqual({
        code: 202,
        body: 'hello',
        type: 'text/plain;charset=UTF-8',
      });
      expect((await call(env, 'GET', 'https://api.example.com/static')).result).toMatchObject({
        body: [1, 2],
      });
    });
  });

  it('rejects URL patterns with a query', () => {
    expect(() => http.get('https://api.example.com/x?y=1', () => HttpResponse.json(1))).toThrow(/query/);
    expect(() => http.get('api.example.com/x', () => HttpResponse.json(1))).toThrow(/absolute URL/);
  });
});

describe('connector stubs', () => {
  const FIRESTORE = `
main:
  params: [args]
  steps:
    - read:
        try:
          call: googleapis.firestore.v1.projects.databases.documents.get
          args:
            name: \${"projects/p/databases/(default)/documents/orders/" + args.id}
          result: doc
        except:
          as: e
          steps:
            - caught:
                return:
                  tags: \${e.tags}
                  code: \${default(map.get(e, "code"), null)}
                  message: \${e.message}
    - done:
        return: \${doc.fields}
`;

  it('answers connector calls with the resolver result, a status, or a network error', async () => {
    const env = await createTestEnvironment({ workflows: { read: FIRESTORE } });
    try {
      const get = connector(
        'googleapis.firestore.v1.projects.databases.documents.get',
        ({ args, callNumber }) => {
          const name = (args as { name: string }).name;
          if (name.endsWith('/missing'))
            return HttpResponse.json({ error: { status: 'NOT_FOUND' } }, { status: 404 });
          if (name.endsWith('/down')) return HttpResponse.error('ConnectionError');
          return { name, fields: { n: { integerValue: String(callNumber) } } };
        },
      );
      env.stubs.use(get);
      expect((await env.execute('read', { id: 'a' })).result).toEqual({ n: { integerValue: '1' } });
      expect((await env.execute('read', { id: 'missing' })).result).toMatchObject({
        tags: ['HttpError'],
        code: 404,
      });
      expect((await env.execute('read', { id: 'down' })).result).toMatchObject({ tags: ['ConnectionError'] });
      expect(get.calls.map((c) => (c.body as { name: string }).name.split('/').pop())).toEqual([
        'a',
        'missing',
        'down',
      ]);
      const recorded = env.stubs.calls('googleapis.firestore.v1.projects.databases.documents.*');
      expect(recorded).toHaveLength(3);
      expect(recorded[0]).toMatchObject({
        kind: 'connector',
        connector: 'googleapis.firestore.v1.projects.databases.documents.get',
      });
    } finally {
      await env.teardown();
    }
  });

  it('fails an unstubbed connector call with a message naming it', async () => {
    const env = await createTestEnvironment({ workflows: { read: FIRESTORE } });
    try {
      const { id } = await env.invoke('read', { id: 'z' });
      const err = (await env.waitForExecution(id).catch((e: unknown) => e)) as UnhandledRequestError;
      expect(err).toBeInstanceOf(UnhandledRequestError);
      expect(err.message).toContain(
        'No stub matches connector call googleapis.firestore.v1.projects.databases.documents.get',
      );
      expect(err.message).toContain('orders/z');
      expect(err.message).toContain(
        "env.stubs.use(connector('googleapis.firestore.v1.projects.databases.documents.get'",
      );
      expect(err.status?.result).toMatchObject({ tags: ['ConnectionFailedError'] });
    } finally {
      await env.teardown();
    }
  });
});

describe('unhandled requests', () => {
  it("'error': fails the step, and the test, with the request and the registered stubs", async () => {
    await withEnv(async (env) => {
      env.stubs.use(http.get('https://api.example.com/known', () => HttpResponse.json(1), { times: 3 }));
      const { id } = await env.invoke('caller', {
        method: 'POST',
        url: 'https://api.example.com/payments?x=1',
        body: { amount: 12.5, card: 'x'.repeat(400) },
      });
      const err = (await env.waitForExecution(id).catch((e: unknown) => e)) as UnhandledRequestError;
      expect(err).toBeInstanceOf(UnhandledRequestError);
      expect(err.message).toContain('No stub matches POST https://api.example.com/payments?x=1');
      expect(err.message).toContain('from step "call" (routine "main") of workflow "caller"');
      expect(err.message).toContain('body: {"amount":12.5,"card":"xxx');
      expect(err.message).toMatch(/… \(\d+ chars\)/);
      expect(err.message).toContain('GET https://api.example.com/known (0 calls answered, times: 3)');
      expect(err.message).toContain("env.stubs.use(http.post('https://api.example.com/payments?x=1'");
      // The workflow saw a ConnectionFailedError, and caught it: the test still learnt of it.
      expect(err.status?.state).toBe('SUCCEEDED');
      expect(err.status?.result).toMatchObject({ tags: ['ConnectionFailedError'] });
      expect((err.status?.result as { message: string }).message).toContain('No stub matches POST');
      expect(err.requests).toHaveLength(1);
      // Reported once: neither a second wait nor teardown throws again.
      await expect(env.waitForExecution(id)).resolves.toMatchObject({ state: 'SUCCEEDED' });
      expect(env.unhandledRequests()).toHaveLength(1);
    });
  });

  it("'error': teardown throws for unhandled calls nobody looked at", async () => {
    const env = await createTestEnvironment({ workflows: { caller: CALLER } });
    const { id } = await env.invoke('caller', { method: 'GET', url: 'https://unknown.example.com/' });
    // Let it run without waiting through the environment.
    while (env.getExecution(id).state === 'ACTIVE') await new Promise((r) => setImmediate(r));
    await expect(env.teardown()).rejects.toThrow(
      /1 call matched no stub:\n\nNo stub matches GET https:\/\/unknown.example.com\//,
    );
    await expect(env.teardown()).resolves.toBeUndefined();
  });

  it("'error': looking at env.stubs.unhandled() counts as handling them", async () => {
    const env = await createTestEnvironment({ workflows: { caller: CALLER } });
    const { id } = await env.invoke('caller', { method: 'GET', url: 'https://unknown.example.com/' });
    while (env.getExecution(id).state === 'ACTIVE') await new Promise((r) => setImmediate(r));
    const unhandled = env.stubs.unhandled();
    expect(unhandled.map((u: UnhandledRequest) => [u.method, u.url, u.origin.executionId])).toEqual([
      ['GET', 'https://unknown.example.com/', id],
    ]);
    await expect(env.teardown()).resolves.toBeUndefined();
  });

  it("'warn': prints the message and fails only the call", async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      await withEnv(
        async (env) => {
          const status = await call(env, 'GET', 'https://unknown.example.com/x');
          expect(status.result).toMatchObject({ tags: ['ConnectionFailedError'] });
          expect(warn).toHaveBeenCalledTimes(1);
          expect(String(warn.mock.calls[0]![0])).toContain(
            'No stub matches GET https://unknown.example.com/x',
          );
        },
        { onUnhandledRequest: 'warn' },
      );
    } finally {
      warn.mockRestore();
    }
  });

  it("'bypass': lets loopback calls reach the network, and nothing else", async () => {
    const server = createServer((req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ real: true, path: req.url }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      await withEnv(
        async (env) => {
          const local = await call(env, 'GET', `http://127.0.0.1:${port}/ping`);
          expect(local.result).toMatchObject({ code: 200, body: { real: true, path: '/ping' } });
          const remote = await call(env, 'GET', 'https://api.example.com/x');
          expect(remote.result).toMatchObject({ tags: ['ConnectionFailedError'] });
          expect((remote.result as { message: string }).message).toContain(
            "'bypass' lets only loopback calls through",
          );
          expect(env.stubs.calls().map((c) => c.outcome)).toEqual(['network']);
        },
        { onUnhandledRequest: 'bypass' },
      );
    } finally {
      server.close();
    }
  });

  it('callback: receives the request and picks the behaviour with print', async () => {
    const seen: string[] = [];
    await withEnv(
      async (env) => {
        const quiet = await call(env, 'GET', 'https://api.example.com/quiet');
        expect(quiet.result).toMatchObject({ tags: ['ConnectionFailedError'] });
        await expect(call(env, 'GET', 'https://api.example.com/loud')).rejects.toThrow(UnhandledRequestError);
        await expect(call(env, 'GET', 'https://api.example.com/throws')).rejects.toThrow(
          /onUnhandledRequest threw: nope/,
        );
        expect(seen).toEqual([
          'GET https://api.example.com/quiet',
          'GET https://api.example.com/loud',
          'GET https://api.example.com/throws',
        ]);
      },
      {
        onUnhandledRequest: (request, print) => {
          seen.push(`${request.method} ${request.url}`);
          if (request.url?.endsWith('/loud')) print.error();
          if (request.url?.endsWith('/throws')) throw new Error('nope');
        },
      },
    );
  });
});
