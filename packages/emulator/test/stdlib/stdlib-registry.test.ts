import { describe, expect, it } from 'vitest';
import { createStdlib } from '../../src/stdlib/index.js';
import type { CallContext, PureFunction, StdlibMember } from '../../src/stdlib/registry.js';
import { CallbackHub } from '../../src/runtime/callbacks.js';
import type { LogEntry } from '../../src/values/seams.js';
import { Double, type Value, type WfMap } from '../../src/values/types.js';
import { testContext } from './support.js';

const stdlib = createStdlib();

function callPure(name: string, args: Value[]): Value {
  const fn = stdlib.get(name);
  if (fn?.kind !== 'pure') throw new Error(`${name} is not pure`);
  return fn.impl(stdlib.bindPositional(fn, args), testContext());
}

const paramNames = (m: StdlibMember | undefined): string[] =>
  m && m.kind !== 'constant' ? m.params.map((p) => p.name) : [];

describe('createStdlib', () => {
  it('builds a fresh registry per call', () => {
    const a = createStdlib();
    const b = createStdlib();
    expect(a).not.toBe(b);
    expect(a.names().sort()).toEqual(b.names().sort());
  });

  it('registers every documented pure function', () => {
    const expected = [
      'default',
      'keys',
      'len',
      'int',
      'double',
      'string',
      'get_type',
      'if',
      'base64.encode',
      'base64.decode',
      'hash.compute_checksum',
      'hash.compute_hmac',
      'json.decode',
      'json.encode',
      'json.encode_to_string',
      'list.concat',
      'list.prepend',
      'map.get',
      'map.delete',
      'map.merge',
      'map.merge_nested',
      'math.abs',
      'math.floor',
      'math.max',
      'math.min',
      'retry.always',
      'retry.never',
      'sys.now',
      'sys.get_env',
      'text.decode',
      'text.encode',
      'text.find_all',
      'text.find_all_regex',
      'text.match_regex',
      'text.replace_all',
      'text.replace_all_regex',
      'text.split',
      'text.substring',
      'text.to_lower',
      'text.to_upper',
      'text.url_encode',
      'text.url_encode_plus',
      'text.url_decode',
      'time.format',
      'time.parse',
      'uuid.generate',
      'http.default_retry_predicate',
      'http.default_retry_predicate_non_idempotent',
    ];
    for (const name of expected) expect(stdlib.get(name)?.kind, name).toBe('pure');
  });

  it('registers the constants', () => {
    for (const name of ['retry.default_backoff', 'http.default_retry', 'http.default_retry_non_idempotent']) {
      expect(stdlib.get(name)?.kind, name).toBe('constant');
    }
  });

  it('hands out a fresh constant value on every read', () => {
    const m = stdlib.get('retry.default_backoff');
    if (m?.kind !== 'constant') throw new Error('not a constant');
    const first = m.value() as WfMap;
    first.set('max_delay', 1);
    expect((m.value() as WfMap).get('max_delay')).toBe(60);
    expect((m.value() as WfMap).get('multiplier')).toEqual(new Double(1.25));
  });

  it('knows the module names', () => {
    for (const mod of ['text', 'http', 'sys', 'events', 'experimental.executions', 'retry', 'uuid']) {
      expect(stdlib.isModule(mod), mod).toBe(true);
    }
    expect(stdlib.isModule('nope')).toBe(false);
  });
});

describe('blocking functions: declared parameters in positional order', () => {
  const tail = ['headers', 'query', 'auth', 'private_service_name', 'ca_certificate'];
  it.each([
    ['http.get', ['url', 'timeout', ...tail]],
    ['http.post', ['url', 'timeout', 'body', ...tail]],
    ['http.put', ['url', 'timeout', 'body', ...tail]],
    ['http.patch', ['url', 'timeout', 'body', ...tail]],
    ['http.delete', ['url', 'timeout', 'body', ...tail]],
    ['http.request', ['method', 'url', 'timeout', 'body', ...tail]],
    ['sys.sleep', ['seconds']],
    ['sys.sleep_until', ['time']],
    ['sys.log', ['data', 'severity', 'text', 'json', 'timeout']],
    ['events.create_callback_endpoint', ['http_callback_method']],
    ['events.await_callback', ['callback', 'timeout']],
    ['experimental.executions.run', ['workflow_id', 'argument']],
    ['experimental.executions.map', ['workflow_id', 'arguments']],
  ])('%s', (name, params) => {
    const m = stdlib.get(name);
    expect(m?.kind).toBe('blocking');
    expect(paramNames(m)).toEqual(params);
  });

  it('fills documented defaults and checks types through the registry', () => {
    const get = stdlib.get('http.get');
    if (get?.kind !== 'blocking') throw new Error('not blocking');
    const bound = stdlib.bindNamed(get, new Map<string, Value>([['url', 'https://example.com']]));
    expect(bound[0]).toBe('https://example.com');
    expect(bound[1]).toEqual(new Double(300));
    expect(() => stdlib.bindNamed(get, new Map<string, Value>())).toThrow(/url/);
    expect(() => stdlib.bindNamed(get, new Map<string, Value>([['url', 5]]))).toThrow(/url/);
    expect(() =>
      stdlib.bindNamed(
        get,
        new Map<string, Value>([
          ['url', 'u'],
          ['bogus', 1],
        ]),
      ),
    ).toThrow(/bogus/);

    const log = stdlib.get('sys.log');
    if (log?.kind !== 'blocking') throw new Error('not blocking');
    expect(stdlib.bindNamed(log, new Map<string, Value>([['text', 'hi']]))).toEqual([
      null,
      'DEFAULT',
      'hi',
      null,
      null,
    ]);

    const cb = stdlib.get('events.create_callback_endpoint');
    if (cb?.kind !== 'blocking') throw new Error('not blocking');
    expect(stdlib.bindNamed(cb, null)).toEqual(['POST']);
  });

  it('implements every blocking member in its module, against a small call context', async () => {
    for (const name of stdlib.names()) {
      const m = stdlib.get(name);
      if (m?.kind === 'blocking') expect(typeof m.impl, name).toBe('function');
    }
    const logs: LogEntry[] = [];
    const sleeps: number[] = [];
    const ctx: CallContext = {
      ...testContext(),
      clock: {
        now: () => Date.UTC(2026, 0, 1),
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      },
      transport: { send: () => Promise.reject(new Error('no network here')) },
      connectors: { call: () => Promise.reject(new Error('no connectors here')) },
      callbacks: new CallbackHub(() => 'http://127.0.0.1:1', { now: () => 0, sleep: async () => {} }),
      logger: { log: (e) => logs.push(e) },
      signal: new AbortController().signal,
      origin: {
        executionId: 'e1',
        workflowId: 'w1',
        projectId: 'p',
        location: 'l',
        routine: 'main',
        step: 's',
      },
      maxHttpResponseBytes: 1024,
    };
    const call = (name: string, args: Map<string, Value>) => {
      const fn = stdlib.get(name);
      if (fn?.kind !== 'blocking') throw new Error(`${name} is not blocking`);
      return fn.impl(stdlib.bindNamed(fn, args), ctx);
    };
    await expect(
      call(
        'sys.log',
        new Map<string, Value>([
          ['text', 'hi'],
          ['severity', 'warning'],
        ]),
      ),
    ).resolves.toBe(null);
    expect(logs).toEqual([
      {
        severity: 'WARNING',
        payload: 'hi',
        executionId: 'e1',
        workflowId: 'w1',
        timestamp: new Date(Date.UTC(2026, 0, 1)),
      },
    ]);
    await expect(call('sys.sleep', new Map<string, Value>([['seconds', new Double(1.5)]]))).resolves.toBe(
      null,
    );
    expect(sleeps).toEqual([1500]);
    const endpoint = await call('events.create_callback_endpoint', new Map());
    expect((endpoint as WfMap).get('url')).toMatch(
      /^http:\/\/127\.0\.0\.1:1\/v1\/projects\/p\/locations\/l\/workflows\/w1\/executions\/e1\/callbacks\//,
    );
  });
});

describe('regular expressions run in linear time (RE2)', () => {
  it('answers (a+)+$ against 10,000 "a" and a "b" (catastrophic for a backtracking engine)', () => {
    const source = 'a'.repeat(10_000) + 'b';
    expect(callPure('text.match_regex', [source, '(a+)+$'])).toBe(false);
    expect(callPure('text.match_regex', [source.slice(0, -1), '(a+)+$'])).toBe(true);
  });

  it('lists and replaces matches in a long input', () => {
    const source = 'ab'.repeat(50_000);
    const found = callPure('text.find_all_regex', [source, '(a|b)+?b']) as WfMap[];
    expect(found).toHaveLength(1); // leftmost-longest: one match covering everything
    expect(found[0]?.get('index')).toBe(0);
    expect(callPure('text.replace_all_regex', [source, 'a', ''])).toBe('b'.repeat(50_000));
  });
});

describe('inputs are never mutated', () => {
  it('list.concat and list.prepend return new lists', () => {
    const objs: Value[] = [1, 2];
    const a = callPure('list.concat', [objs, 3]);
    const b = callPure('list.prepend', [objs, 0]);
    expect(objs).toEqual([1, 2]);
    expect(a).not.toBe(objs);
    expect(b).not.toBe(objs);
  });

  it('map.delete, map.merge and map.merge_nested return new maps', () => {
    const inner: WfMap = new Map<string, Value>([['x', 1]]);
    const first: WfMap = new Map<string, Value>([
      ['a', inner],
      ['__proto__', 1],
    ]);
    const second: WfMap = new Map<string, Value>([['a', new Map<string, Value>([['y', 2]])]]);
    const deleted = callPure('map.delete', [first, '__proto__']) as WfMap;
    const merged = callPure('map.merge', [first, second]) as WfMap;
    const nested = callPure('map.merge_nested', [first, second]) as WfMap;
    expect([...first.keys()]).toEqual(['a', '__proto__']);
    expect([...inner.keys()]).toEqual(['x']);
    expect([...deleted.keys()]).toEqual(['a']);
    expect(merged.get('a')).toBe(second.get('a'));
    expect([...(nested.get('a') as WfMap).keys()]).toEqual(['x', 'y']);
    expect(nested.get('a')).not.toBe(inner);
  });

  it('never touches Object.prototype through __proto__ keys', () => {
    const m: WfMap = new Map<string, Value>([['__proto__', new Map<string, Value>([['polluted', true]])]]);
    callPure('map.merge_nested', [m, m]);
    callPure('map.merge', [m, m]);
    callPure('json.decode', ['{"__proto__": {"polluted": true}}']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('keys preserves insertion order', () => {
  it('lists keys as inserted', () => {
    const m: WfMap = new Map<string, Value>([
      ['b', 1],
      ['a', 2],
      ['__proto__', 3],
    ]);
    expect(callPure('keys', [m])).toEqual(['b', 'a', '__proto__']);
  });
});

describe('time round trip', () => {
  it('parse(format(t)) returns t to the microsecond', () => {
    for (const t of [0, 1715169660, 1720788633.5, 1e9 + 0.25]) {
      const text = callPure('time.format', [new Double(t)]);
      expect((callPure('time.parse', [text]) as Double).value).toBeCloseTo(t, 6);
    }
  });

  it('formats with the fixed clock of sys.now', () => {
    const now = callPure('sys.now', []) as Double;
    expect(callPure('time.format', [now])).toBe('2024-07-12T12:50:33.500000Z');
  });
});

// Keeps the helper types referenced so a signature change in the registry breaks this file.
export type _Checked = PureFunction;
