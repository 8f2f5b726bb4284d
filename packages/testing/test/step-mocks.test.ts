/**
 * Step mocks through the testing API: real deploys into an in-process emulator, executions on
 * the virtual clock, and no URL stubs at all (any call actually made would fail the test as an
 * unhandled request).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestEnvironment, StepMockError, type TestEnvironment } from '../src/index.js';

const ORDER = `
main:
  params: [args]
  steps:
    - get_order:
        call: http.get
        args:
          url: https://orders.example.com/orders/1
        result: order
    - charge:
        try:
          call: http.post
          args:
            url: https://pay.example.com/charge
            body:
              amount: \${order.body.amount}
          result: payment
        retry:
          predicate: \${http.default_retry_predicate}
          max_retries: 3
          backoff:
            initial_delay: 2
            max_delay: 60
            multiplier: 2
        except:
          as: e
          steps:
            - failed:
                return:
                  tags: \${e.tags}
                  message: \${e.message}
                  code: \${default(map.get(e, "code"), null)}
                  body: \${default(map.get(e, "body"), null)}
                  headers: \${default(map.get(e, "headers"), null)}
    - check:
        switch:
          - condition: \${payment.code == 200}
            next: done
    - done:
        return:
          order: \${order.body}
          payment: \${payment.body}
`;

/** Raises whatever its call step raised, caught and returned whole. */
const PUBLISH = `
main:
  steps:
    - publish:
        try:
          call: googleapis.pubsub.v1.projects.topics.publish
          args:
            topic: projects/p/topics/orders
            body:
              messages:
                - data: aGk=
          result: published
        except:
          as: e
          steps:
            - caught:
                return:
                  error: \${e}
    - done:
        return:
          published: \${published}
`;

let env: TestEnvironment;
beforeEach(async () => {
  env = await createTestEnvironment({ workflows: { order: ORDER, publish: PUBLISH } });
});
afterEach(async () => {
  await env.teardown();
});

const ORDER_FOUND = { return: { code: 200, body: { id: 1, amount: 5 }, headers: {} } };

describe('env.mockStep', () => {
  it('answers a call step with a value: no call is made, and the request log says it was mocked', async () => {
    const getOrder = env.mockStep('order', 'get_order', ORDER_FOUND);
    env.mockStep({ workflow: 'order', step: 'charge', return: { code: 200, body: { paid: true } } });
    const status = await env.execute('order');
    expect(status.state).toBe('SUCCEEDED');
    expect(status.result).toEqual({ order: { id: 1, amount: 5 }, payment: { paid: true } });
    expect(getOrder.calls()).toBe(1);
    const calls = env.stubs.calls();
    expect(calls.map((c) => [c.method, c.url, c.outcome, c.stepMockId, c.step])).toEqual([
      ['GET', 'https://orders.example.com/orders/1', 'mocked', getOrder.id, 'get_order'],
      ['POST', 'https://pay.example.com/charge', 'mocked', 'mock-2', 'charge'],
    ]);
    expect(calls[1]?.body).toEqual({ amount: 5 });
    expect(calls[1]?.status).toBe(200);
    // The step entries say so too.
    const mocked = env.executionHistory(status.id).map((s) => [s.step, s.mocked]);
    expect(mocked).toEqual([
      ['get_order', { id: getOrder.id, attempt: 0 }],
      ['charge', { id: 'mock-2', attempt: 0 }],
      ['check', undefined],
      ['done', undefined],
    ]);
  });

  it('drives retries with attempt keys: 0, 1-2, default', async () => {
    env.mockStep('order', 'get_order', ORDER_FOUND);
    const charge = env.mockStep('order', 'charge', {
      answers: {
        '0': { httpError: { code: 503, body: 'busy' } },
        '1-2': { fault: 'ConnectionError' },
        default: { return: { code: 200, body: { paid: 'at last' } } },
      },
    });
    const status = await env.execute('order');
    expect(status.result).toEqual({ order: { id: 1, amount: 5 }, payment: { paid: 'at last' } });
    expect(charge.calls()).toBe(4);
    const chargeEntry = env.executionHistory(status.id).find((s) => s.step === 'charge');
    expect(chargeEntry?.mocked).toEqual({ id: charge.id, attempt: 3 });
    // Backoff 2 s, 4 s, 8 s, in virtual time.
    expect(status.duration).toBe(14_000);
    const outcomes = env.stubs
      .calls('https://pay.example.com/charge')
      .map((c) => [c.outcome, c.status, c.error?.startsWith('ConnectionError in step "charge"') ?? null]);
    expect(outcomes).toEqual([
      ['mocked', 503, null],
      ['mocked', null, true],
      ['mocked', null, true],
      ['mocked', 200, null],
    ]);
  });

  it('counts attempts per execution: a second execution starts again at attempt 0', async () => {
    env.mockStep('order', 'get_order', ORDER_FOUND);
    env.mockStep('order', 'charge', {
      answers: { '0': { httpError: { code: 400 } }, '1': { return: { code: 200, body: 'second' } } },
    });
    const first = await env.execute('order');
    const second = await env.execute('order');
    // 400 is not retried by http.default_retry_predicate: the except block returns it, twice.
    expect(first.result).toMatchObject({ tags: ['HttpError'], code: 400 });
    expect(second.result).toMatchObject({ tags: ['HttpError'], code: 400 });
  });

  it('repeats the last answer past the last key when there is no default', async () => {
    env.mockStep('order', 'get_order', ORDER_FOUND);
    env.mockStep('order', 'charge', { answers: { '0-1': { fault: 'TimeoutError', message: 'slow' } } });
    const status = await env.execute('order');
    // Four attempts, all timing out: the retries run out and the except block sees the error.
    expect(status.result).toEqual({
      tags: ['TimeoutError'],
      message: 'slow',
      code: null,
      body: null,
      headers: null,
    });
    expect(env.stepMocks()[1]?.calls).toBe(4);
  });

  it('raises an HttpError map as http.* raises it: message, tags, code, headers, body', async () => {
    env.mockStep('order', 'get_order', ORDER_FOUND);
    env.mockStep('order', 'charge', {
      httpError: { code: 402, headers: { 'Content-Type': 'application/json' }, body: { reason: 'card' } },
    });
    const status = await env.execute('order');
    expect(status.result).toEqual({
      tags: ['HttpError'],
      message: 'HTTP server responded with error code 402',
      code: 402,
      body: { reason: 'card' },
      headers: { 'Content-Type': 'application/json' },
    });
  });

  it('raises the transport errors with their tags, and any value given to raise', async () => {
    for (const fault of ['ConnectionError', 'ConnectionFailedError', 'TimeoutError'] as const) {
      const mock = env.mockStep('publish', 'publish', { fault });
      const status = await env.execute('publish');
      expect(status.result).toEqual({
        error: {
          tags: [fault],
          message: `${fault} in step "publish", routine "main" (simulated by step mock ${mock.id})`,
        },
      });
    }
    env.mockStep('publish', 'publish', { raise: { reason: 'quota', retry: false } });
    expect((await env.execute('publish')).result).toEqual({ error: { reason: 'quota', retry: false } });
    env.mockStep('publish', 'publish', { raise: 'plain text' });
    expect((await env.execute('publish')).result).toEqual({ error: 'plain text' });
  });

  it('answers a connector step, logged as the connector call it replaced', async () => {
    const mock = env.mockStep('publish', 'publish', { return: { messageIds: ['7'] } });
    const status = await env.execute('publish');
    expect(status.result).toEqual({ published: { messageIds: ['7'] } });
    const [call] = env.stubs.calls('googleapis.pubsub.*');
    expect(call).toMatchObject({ kind: 'connector', outcome: 'mocked', stepMockId: mock.id, status: 200 });
    expect(call?.body).toEqual({ topic: 'projects/p/topics/orders', body: { messages: [{ data: 'aGk=' }] } });
  });

  it('waits the delay in virtual time before answering', async () => {
    env.mockStep('order', 'get_order', { ...ORDER_FOUND, delayMs: 90_000 });
    env.mockStep('order', 'charge', { return: { code: 200, body: null }, delayMs: 500 });
    const status = await env.execute('order');
    expect(status.state).toBe('SUCCEEDED');
    expect(status.duration).toBe(90_500);
  });

  it('waits the delay on the manual clock only as time is advanced', async () => {
    const manual = await createTestEnvironment({ workflows: { order: ORDER }, clock: 'manual' });
    try {
      manual.mockStep('order', 'get_order', { ...ORDER_FOUND, delayMs: 60_000 });
      manual.mockStep('order', 'charge', { return: { code: 200, body: 'ok' } });
      const { id } = await manual.invoke('order');
      await manual.clock.advance(59_999);
      expect(manual.getExecution(id).state).toBe('ACTIVE');
      await manual.clock.advance(1);
      expect((await manual.waitForExecution(id)).result).toEqual({
        order: { id: 1, amount: 5 },
        payment: 'ok',
      });
    } finally {
      await manual.teardown();
    }
  });

  it('the newest mock of a step answers; removing it brings back the older one', async () => {
    env.mockStep('publish', 'publish', { return: 'old' });
    const newer = env.mockStep('publish', 'publish', { return: 'new' });
    expect((await env.execute('publish')).result).toEqual({ published: 'new' });
    expect(newer.remove()).toBe(true);
    expect(newer.remove()).toBe(false);
    expect((await env.execute('publish')).result).toEqual({ published: 'old' });
    env.clearStepMocks();
    expect(env.stepMocks()).toEqual([]);
  });
});

describe('steps of subworkflows, and null', () => {
  const NESTED = `
main:
  steps:
    - run:
        call: fetch_all
        result: all
    - done:
        return: \${all}
fetch_all:
  steps:
    - init:
        assign:
          - last: null
    - loop:
        for:
          value: id
          in: [1, 2]
          steps:
            - fetch:
                call: http.get
                args:
                  url: \${"https://api.example.com/items/" + string(id)}
                result: item
            - keep:
                assign:
                  - last: \${item}
    - done:
        return: \${last}
`;

  it('mocks a step of a subworkflow nested in a loop; each iteration is the next attempt', async () => {
    env.deploy('nested', NESTED);
    const fetch = env.mockStep({
      workflow: 'nested',
      routine: 'fetch_all',
      step: 'fetch',
      answers: { '0': { return: 'first' }, '1': { return: null } },
    });
    const status = await env.execute('nested');
    expect(status.result).toBeNull();
    expect(fetch.calls()).toBe(2);
    expect(env.stubs.calls().map((c) => [c.url, c.routine, c.step])).toEqual([
      ['https://api.example.com/items/1', 'fetch_all', 'fetch'],
      ['https://api.example.com/items/2', 'fetch_all', 'fetch'],
    ]);
    // The same step name in main is another step: naming main's routine is refused.
    expect(() => env.mockStep('nested', 'fetch', { return: 1 })).toThrow(
      'routine "main" of workflow "nested" (us-central1) has no step "fetch"; its steps: run, done',
    );
  });

  it('mocks a subworkflow call step: the subworkflow does not run', async () => {
    env.deploy('nested', NESTED);
    env.mockStep('nested', 'run', { return: { from: 'mock' } });
    const status = await env.execute('nested');
    expect(status.result).toEqual({ from: 'mock' });
    expect(env.executionHistory(status.id).map((s) => s.step)).toEqual(['run', 'done']);
  });
});

describe('registration errors', () => {
  it('names the missing step and lists the routine steps', () => {
    expect(() => env.mockStep('order', 'charge_card', { return: 1 })).toThrow(StepMockError);
    expect(() => env.mockStep('order', 'charge_card', { return: 1 })).toThrow(
      'invalid step mock: routine "main" of workflow "order" (us-central1) has no step "charge_card"; its steps: get_order, charge, failed, check, done',
    );
  });

  it('refuses a step that makes no call, listing those that do', () => {
    expect(() => env.mockStep('order', 'done', { return: 1 })).toThrow(
      'step "done" of routine "main" (workflow "order") makes no call; its call steps: get_order, charge',
    );
  });

  it('refuses an unknown workflow or routine, and bad answers', () => {
    expect(() => env.mockStep('nope', 'x', { return: 1 })).toThrow('workflow "nope" is not deployed');
    expect(() => env.mockStep({ workflow: 'order', routine: 'sub', step: 'x', return: 1 })).toThrow(
      'workflow "order" (us-central1) has no routine "sub"; its routines: main',
    );
    expect(() => env.mockStep('order', 'charge', {})).toThrow(
      'an answer needs one of return, raise, httpError or fault',
    );
    expect(() => env.mockStep('order', 'charge', { return: 1, raise: 2 })).toThrow(
      'give one of return, raise, httpError or fault (got return, raise)',
    );
    expect(() => env.mockStep('order', 'charge', { answers: { '1': { return: 1 } } })).toThrow(
      'no answer for attempt 0',
    );
    expect(() =>
      env.mockStep('order', 'charge', { answers: { '0-2': { return: 1 }, '2': { return: 2 } } }),
    ).toThrow('attempt 2 has two answers');
    expect(() => env.mockStep('order', 'charge', { answers: { first: { return: 1 } } })).toThrow(
      'attempt key "first" must be a number ("0"), a range ("1-2") or "default"',
    );
    expect(() => env.mockStep('order', 'charge', { httpError: { code: 200 } } as never)).toThrow(
      StepMockError,
    );
    expect(env.stepMocks()).toEqual([]);
  });
});

describe('env.useStubsFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'step-mocks-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const FILE = `
stubs:
  - method: GET
    url: https://orders.example.com/orders/1
    body: { id: 1, amount: 5 }
steps:
  - workflow: order
    step: charge
    return: { code: 200, body: paid }
cases:
  card-declined:
    steps:
      - workflow: order
        step: charge
        httpError: { code: 402, body: declined }
  flaky:
    steps:
      - workflow: order
        step: charge
        answers:
          "0": { fault: ConnectionError }
          default: { return: { code: 200, body: second try } }
`;

  it('loads the URL stubs and the step mocks; a named case overrides them', async () => {
    const file = join(dir, 'stubs.yaml');
    await writeFile(file, FILE);
    const loaded = await env.useStubsFile(file);
    expect([loaded.stubs.length, loaded.steps.length]).toEqual([1, 1]);
    expect((await env.execute('order')).result).toEqual({ order: { id: 1, amount: 5 }, payment: 'paid' });

    await env.useStubsFile(file, { case: 'card-declined' });
    expect((await env.execute('order')).result).toMatchObject({
      tags: ['HttpError'],
      code: 402,
      body: 'declined',
    });

    await env.useStubsFile(file, { case: 'flaky' });
    expect((await env.execute('order')).result).toEqual({
      order: { id: 1, amount: 5 },
      payment: 'second try',
    });
  });

  it('names the cases when the one asked for is not there, and registers nothing from a file with a bad mock', async () => {
    const file = join(dir, 'stubs.yaml');
    await writeFile(file, FILE);
    await expect(env.useStubsFile(file, { case: 'happy' })).rejects.toThrow(
      `has no case "happy" (its cases: card-declined, flaky)`,
    );
    const bad = join(dir, 'bad.yaml');
    await writeFile(
      bad,
      `stubs:\n  - url: https://a.example.com/x\nsteps:\n  - workflow: order\n    step: nope\n    return: 1\n`,
    );
    await expect(env.useStubsFile(bad)).rejects.toThrow('has no step "nope"; its steps: get_order, charge');
    expect(env.stubs.list()).toEqual([]);
  });
});
