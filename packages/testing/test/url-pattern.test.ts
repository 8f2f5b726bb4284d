import { describe, it, expect } from 'vitest';
import { InvalidUrlPatternError, UrlPatternMatcher } from '../src/url-pattern.js';

const m = (pattern: string, url: string) => new UrlPatternMatcher(pattern).match(url);

describe('UrlPatternMatcher', () => {
  it('matches exact URLs, ignoring the query', () => {
    expect(m('https://api.example.com/a', 'https://api.example.com/a?x=1')).toEqual({});
    expect(m('https://api.example.com/a', 'https://api.example.com/b')).toBeUndefined();
    expect(m('https://api.example.com/a', 'http://api.example.com/a')).toBeUndefined();
    expect(m('https://API.example.com/a', 'https://api.example.com/a')).toEqual({});
    expect(m('https://api.example.com', 'https://api.example.com/')).toEqual({});
  });

  it('captures :params, one segment each, decoded', () => {
    expect(m('https://h/users/:id/posts/:post', 'https://h/users/7/posts/a%2Fb')).toEqual({
      id: '7',
      post: 'a/b',
    });
    expect(m('https://h/users/:id', 'https://h/users/7/more')).toBeUndefined();
    expect(m('https://h/users/:id', 'https://h/users/')).toBeUndefined();
    // As msw: an unnamed `*` is captured by position.
    expect(m('https://h/users/:id/*', 'https://h/users/7/a/b/c')).toEqual({ id: '7', '0': 'a/b/c' });
  });

  it('supports * wildcards, path-only patterns and *', () => {
    expect(m('https://*.example.com/*', 'https://eu.example.com/x/y')).toEqual({ '0': 'eu', '1': 'x/y' });
    expect(m('https://*.example.com/*', 'https://example.org/x')).toBeUndefined();
    expect(m('/health', 'https://anything.test/health')).toEqual({});
    expect(m('/health', 'https://anything.test/x/health')).toBeUndefined();
    expect(m('/orders/:id', 'http://localhost:8080/orders/3')).toEqual({ id: '3' });
    expect(m('*', 'https://whatever/x?y')).toEqual({ '0': 'https://whatever/x' });
  });

  it('follows msw (path-to-regexp 6): optional trailing slash, any case', () => {
    expect(m('https://h/users/:id', 'https://h/users/42/')).toEqual({ id: '42' });
    expect(m('/users/:id', 'https://h/users/42/')).toEqual({ id: '42' });
    expect(m('https://api.example.com/items', 'https://api.example.com/items/')).toEqual({});
    expect(m('https://api.example.com/Users/:id', 'https://API.example.com/users/AbC')).toEqual({
      id: 'AbC',
    });
    expect(m('https://h/users/:id', 'https://h/users/42//')).toBeUndefined();
  });

  it('follows msw: optional and repeated parameters, custom groups, ports, * inside a segment', () => {
    expect(m('https://h/user/:userId?', 'https://h/user')).toEqual({});
    expect(m('https://h/user/:userId?', 'https://h/user/abc-123')).toEqual({ userId: 'abc-123' });
    expect(m('/files/:path*', 'https://h/files')).toEqual({});
    expect(m('/files/:path*', 'https://h/files/a/b%20c')).toEqual({ path: 'a/b c' });
    expect(m('/files/:path+', 'https://h/files')).toBeUndefined();
    expect(m('/files/:path+', 'https://h/files/a/b')).toEqual({ path: 'a/b' });
    expect(m('/orders/:id(\\d+)', 'https://h/orders/12')).toEqual({ id: '12' });
    expect(m('/orders/:id(\\d+)', 'https://h/orders/ab')).toBeUndefined();
    expect(m('http://localhost:3000/api/:id', 'http://localhost:3000/api/1')).toEqual({ id: '1' });
    expect(m('http://localhost:3000/api/:id', 'http://localhost:4000/api/1')).toBeUndefined();
    expect(m('/us*', 'https://h/users')).toEqual({ '0': 'ers' });
    // `/user/*` needs the slash, as in msw.
    expect(m('/user/*', 'https://h/user')).toBeUndefined();
    expect(m('/user/*', 'https://h/user/')).toEqual({ '0': '' });
    const url = 'http://example.com:5001/example';
    expect(
      m(
        'https://test.mswjs.io/reflect-url/:url',
        `https://test.mswjs.io/reflect-url/${encodeURIComponent(url)}`,
      ),
    ).toEqual({ url });
  });

  it('runs patterns on RE2: a group that backtracks exponentially in JavaScript answers at once', () => {
    const matcher = new UrlPatternMatcher('/x/:p((?:a+)+b)');
    // In JavaScript's engine this takes about 2^40 steps: far beyond the test's time-out.
    expect(matcher.match(`https://h/x/${'a'.repeat(40)}`)).toBeUndefined();
    expect(matcher.match(`https://h/x/aab`)).toEqual({ p: 'aab' });
    expect(() => new UrlPatternMatcher('/x/:p((?!a).*)')).toThrow(InvalidUrlPatternError);
    expect(() => new UrlPatternMatcher('/x/:p(')).toThrow(InvalidUrlPatternError);
  });

  it('rejects patterns with a query or without scheme', () => {
    expect(() => new UrlPatternMatcher('https://h/a?b=1')).toThrow(InvalidUrlPatternError);
    expect(() => new UrlPatternMatcher('h/a')).toThrow(InvalidUrlPatternError);
  });
});
