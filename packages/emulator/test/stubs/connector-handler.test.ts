import { describe, it, expect, beforeEach } from 'vitest';
import type { Clock } from '../../src/values/seams.js';
import { RaisedError } from '../../src/values/raised-error.js';
import { Double, type Value } from '../../src/values/types.js';
import { createConnectorHandler, StubRegistry } from '../../src/stubs/index.js';

const origin = { executionId: 'exec-9', workflowId: 'wf', routine: 'main', step: 'read' };
const GET = 'googleapis.firestore.v1.projects.databases.documents.get';
const signal = () => new AbortController().signal;

function args(entries: [string, Value][]): Value {
  return new Map(entries);
}

async function failure(p: Promise<unknown>): Promise<RaisedError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(RaisedError);
    return err as RaisedError;
  }
  throw new Error('expected a rejection');
}

const instant: Clock & { sleeps: number[] } = {
  sleeps: [],
  now: () => 0,
  sleep: async function (ms) {
    this.sleeps.push(ms);
  },
};

let stubs: StubRegistry;
beforeEach(() => {
  stubs = new StubRegistry();
  instant.sleeps.length = 0;
});

describe('createConnectorHandler', () => {
  it('returns the stub body as a Workflows value', async () => {
    stubs.add({
      connector: GET,
      body: { name: 'doc', fields: { n: { integerValue: '3' } }, score: 1.5, count: 2 },
    });
    const h = createConnectorHandler(stubs);
    const v = await h.call(
      GET,
      args([['name', 'projects/p/databases/(default)/documents/c/d']]),
      origin,
      signal(),
    );
    expect(v).toBeInstanceOf(Map);
    const m = v as Map<string, Value>;
    expect(m.get('name')).toBe('doc');
    expect(m.get('count')).toBe(2);
    expect(m.get('score')).toEqual(new Double(1.5));
    expect((m.get('fields') as Map<string, Value>).get('n')).toBeInstanceOf(Map);
  });

  it('matches connector names with wildcards, newest first, and no stub body gives null', async () => {
    stubs.add({ connector: 'googleapis.firestore.*', body: 'any firestore' });
    stubs.add({ connector: 'googleapis.storage.*' });
    const h = createConnectorHandler(stubs);
    expect(await h.call(GET, null, origin, signal())).toBe('any firestore');
    expect(await h.call('googleapis.storage.v1.objects.get', null, origin, signal())).toBe(null);
  });

  it('computes the result from {name, args} with bodyExpression and matches with match', async () => {
    stubs.add({
      connector: GET,
      match: 'args.name = "x"',
      bodyExpression: '{"got": args.name, "via": name}',
    });
    const h = createConnectorHandler(stubs);
    const v = (await h.call(GET, args([['name', 'x']]), origin, signal())) as Map<string, Value>;
    expect([...v]).toEqual([
      ['got', 'x'],
      ['via', GET],
    ]);
    const err = await failure(h.call(GET, args([['name', 'y']]), origin, signal()));
    expect(err.tags).toEqual(['ConnectionFailedError']);
  });

  it('raises an HttpError map for a status >= 400', async () => {
    stubs.add({ connector: GET, status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not Found' });
    const h = createConnectorHandler(stubs);
    const err = await failure(h.call(GET, null, origin, signal()));
    expect(err.tags).toEqual(['HttpError']);
    const m = err.value as Map<string, Value>;
    expect(m.get('message')).toBe('HTTP server responded with error code 404');
    expect(m.get('code')).toBe(404);
    expect(m.get('body')).toBe('Not Found');
    expect([...(m.get('headers') as Map<string, Value>)]).toEqual([['Content-Type', 'text/plain']]);
  });

  it('fails an unstubbed call with a message saying how to stub it, and records it', async () => {
    const h = createConnectorHandler(stubs);
    const err = await failure(h.call(GET, args([['name', 'd']]), origin, signal()));
    expect(err.tags).toEqual(['ConnectionFailedError']);
    expect(err.message).toContain(GET);
    expect(err.message).toContain(`POST /emulator/v1/stubs {"connector":"${GET}"`);
    expect(stubs.requests()[0]).toMatchObject({
      kind: 'connector',
      connector: GET,
      method: null,
      url: null,
      body: { name: 'd' },
      outcome: 'blocked',
      executionId: 'exec-9',
      step: 'read',
    });
  });

  it('plays faults and sequences, and honours delays with the connector timeout', async () => {
    stubs.add({ connector: GET, responses: [{ fault: 'TimeoutError' }, { body: 'ok', delayMs: 100 }] });
    const h = createConnectorHandler(stubs, { clock: instant });
    expect((await failure(h.call(GET, null, origin, signal()))).tags).toEqual(['TimeoutError']);
    expect(await h.call(GET, null, origin, signal())).toBe('ok');
    expect(instant.sleeps).toEqual([100]);
    stubs.add({ connector: 'googleapis.slow.*', delayMs: 5000, body: 'late' });
    const slowArgs = args([['connector_params', new Map<string, Value>([['timeout', 2]])]]);
    expect((await failure(h.call('googleapis.slow.x', slowArgs, origin, signal()))).tags).toEqual([
      'TimeoutError',
    ]);
    expect(instant.sleeps).toEqual([100, 2000]);
    expect(stubs.requests().map((r) => r.outcome)).toEqual(['fault', 'stub', 'stub']);
  });

  it('lets a programmatic stub answer connector calls', async () => {
    stubs.addHandler({
      connector: 'googleapis.pubsub.*',
      resolve: (req, n) => ({ body: { call: n, name: req.kind === 'connector' ? req.name : '' } }),
    });
    const h = createConnectorHandler(stubs);
    const v = (await h.call('googleapis.pubsub.v1.projects.topics.publish', null, origin, signal())) as Map<
      string,
      Value
    >;
    expect(v.get('call')).toBe(1);
    expect(v.get('name')).toBe('googleapis.pubsub.v1.projects.topics.publish');
  });

  it('does not let HTTP stubs answer connector calls or connector stubs answer HTTP calls', async () => {
    stubs.add({ url: '*', body: 'http' });
    const h = createConnectorHandler(stubs);
    expect((await failure(h.call(GET, null, origin, signal()))).tags).toEqual(['ConnectionFailedError']);
  });
});
