/**
 * URL patterns of HTTP stubs, as msw writes them: an absolute URL or a path (any origin),
 * `*` for any run of characters, `:name` for one path segment captured into `params`.
 * Matching is a linear scan, never a regular expression built from the pattern.
 */

import { globMatch } from '@workflows-kit/emulator';

export { globMatch };

/** Thrown for a pattern that cannot be matched, so a typo fails loudly at registration. */
export class InvalidUrlPatternError extends TypeError {
  override readonly name = 'InvalidUrlPatternError';
}

export class UrlPatternMatcher {
  /** `*`-only glob the emulator's registry pre-filters with (params become `*`). */
  readonly glob: string;
  private readonly origin: string | undefined;
  private readonly segments: string[];
  private readonly hasParams: boolean;
  private readonly matchAll: boolean;

  constructor(readonly source: string) {
    if (source.includes('?') || source.includes('#')) {
      throw new InvalidUrlPatternError(
        `URL pattern '${source}' has a query or fragment: patterns match the URL without its query; ` +
          'read query parameters from `query` in the resolver (or match on them with the `match` option)',
      );
    }
    this.matchAll = source === '*';
    let path: string;
    if (this.matchAll) {
      path = '/*';
      this.origin = undefined;
    } else if (source.startsWith('/')) {
      path = source;
      this.origin = undefined;
    } else {
      const scheme = source.indexOf('://');
      if (scheme <= 0) {
        throw new InvalidUrlPatternError(
          `URL pattern '${source}' must be an absolute URL (https://host/path), a path (/path), or '*'`,
        );
      }
      const slash = source.indexOf('/', scheme + 3);
      this.origin = (slash === -1 ? source : source.slice(0, slash)).toLowerCase();
      path = slash === -1 ? '/' : source.slice(slash);
    }
    this.segments = path.slice(1).split('/');
    this.hasParams = this.segments.some((s) => s.startsWith(':'));
    const globPath = '/' + this.segments.map((s) => (s.startsWith(':') ? '*' : s)).join('/');
    this.glob = this.matchAll ? '*' : `${this.origin ?? '*'}${globPath}`;
  }

  /** The path parameters when the URL matches, else undefined. The query is ignored. */
  match(url: string): Record<string, string> | undefined {
    if (this.matchAll) return {};
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return undefined;
    }
    if (this.origin !== undefined && !globMatch(this.origin, `${parsed.protocol}//${parsed.host}`))
      return undefined;
    const path = parsed.pathname;
    if (!this.hasParams) return globMatch('/' + this.segments.join('/'), path) ? {} : undefined;

    const actual = path.slice(1).split('/');
    const params: Record<string, string> = {};
    for (let i = 0; i < this.segments.length; i++) {
      const want = this.segments[i] as string;
      if (want === '*' && i === this.segments.length - 1) return params; // the rest, whatever it is
      const got = actual[i];
      if (got === undefined) return undefined;
      if (want.startsWith(':')) {
        if (got === '') return undefined;
        params[want.slice(1)] = safeDecode(got);
      } else if (!globMatch(want, got)) {
        return undefined;
      }
    }
    return actual.length === this.segments.length ? params : undefined;
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
