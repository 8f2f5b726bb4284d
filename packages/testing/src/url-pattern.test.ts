import { describe, it, expect } from 'vitest';
import { InvalidUrlPatternError, UrlPatternMatcher } from './url-pattern.js';

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
    expect(m('https://h/users/:id/*', 'https://h/users/7/a/b/c')).toEqual({ id: '7' });
  });

  it('supports * wildcards, path-only patterns and *', () => {
    expect(m('https://*.example.com/*', 'https://eu.example.com/x/y')).toEqual({});
    expect(m('https://*.example.com/*', 'https://example.org/x')).toBeUndefined();
    expect(m('/health', 'https://anything.test/health')).toEqual({});
    expect(m('/health', 'https://anything.test/x/health')).toBeUndefined();
    expect(m('/orders/:id', 'http://localhost:8080/orders/3')).toEqual({ id: '3' });
    expect(m('*', 'https://whatever/x?y')).toEqual({});
  });

  it('gives the registry a *-only glob', () => {
    expect(new UrlPatternMatcher('https://h/users/:id').glob).toBe('https://h/users/*');
    expect(new UrlPatternMatcher('/users/:id').glob).toBe('*/users/*');
  });

  it('rejects patterns with a query or without scheme', () => {
    expect(() => new UrlPatternMatcher('https://h/a?b=1')).toThrow(InvalidUrlPatternError);
    expect(() => new UrlPatternMatcher('h/a')).toThrow(InvalidUrlPatternError);
  });
});
