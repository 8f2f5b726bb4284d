import { describe, it, expect } from 'vitest';
import { StubRegistry, StubValidationError, type HttpStubRequest } from '../../src/stubs/index.js';

const origin = { executionId: 'e', workflowId: 'w', routine: 'main', step: 's' };
const get = (url: string): HttpStubRequest => {
  const u = new URL(url);
  return {
    kind: 'http',
    method: 'GET',
    url,
    path: u.pathname,
    query: {},
    headers: {},
    body: null,
    rawBody: undefined,
    origin,
  };
};

describe('regular expressions in stub JSONata', () => {
  it('run on RE2: a pattern that backtracks exponentially in JavaScript answers at once', async () => {
    const stubs = new StubRegistry();
    const stub = stubs.add({
      url: 'https://api.example.com/*',
      match: '$match(path, /^\\/(a+)+$/)',
      body: 1,
    });
    // With JavaScript's engine this took about 4 s for 27 `a`s, doubling with each one more
    // (40 would take hours, far beyond the test's time-out), and JSONata's 1 s time limit
    // could not interrupt it.
    const found = await stubs.find(get(`https://api.example.com/${'a'.repeat(40)}!`));
    expect(found.match).toBeUndefined();
    expect(found.notes).toEqual([]);
    const id = (await stubs.find(get(`https://api.example.com/${'a'.repeat(40)}`))).match?.stubId;
    expect(id).toBe(stub.id);
  });

  it('keep the JSONata regex functions working: groups, flags, $replace, $split, $contains', async () => {
    const stubs = new StubRegistry();
    stubs.add({
      url: 'https://api.example.com/*',
      bodyExpression: `{
        "id": $match(path, /\\/users\\/(\\d+)/).groups[0],
        "all": $match("a1b22c333", /\\d+/).match,
        "ci": $contains(path, /USERS/i),
        "replaced": $replace(path, /(\\d+)/, "<$1>"),
        "split": $split("a, b,c", /,\\s*/),
        "multi": $match("x\\ny", /^y$/m).match
      }`,
    });
    const found = await stubs.find(get('https://api.example.com/users/42'));
    const res = await found.match?.respond();
    // JSONata sequences are arrays with extra properties; compare them as the wire sees them.
    expect(JSON.parse(JSON.stringify(res))).toMatchObject({
      body: {
        id: '42',
        all: ['1', '22', '333'],
        ci: true,
        replaced: '/users/<42>',
        split: ['a', 'b', 'c'],
        multi: 'y',
      },
    });
  });

  it('reject a pattern RE2 cannot run when the stub is registered, naming it', () => {
    const stubs = new StubRegistry();
    expect(() => stubs.add({ url: 'https://x.test/*', match: '$match(path, /(?=a)a/)' })).toThrow(
      StubValidationError,
    );
    expect(() => stubs.add({ url: 'https://x.test/*', match: '$match(path, /(a)\\1/)' })).toThrow(/RE2/);
    expect(() =>
      stubs.addHandler({ url: 'https://x.test/*', match: '$match(path, /(?!a)/)', resolve: () => ({}) }),
    ).toThrow(/\(\?!a\)/);
  });
});
