/**
 * URL patterns of HTTP stubs, matched as msw 2 matches them: msw turns a pattern into a
 * regular expression with path-to-regexp 6 (after rewriting `*` into `(.*)` and escaping the
 * `:` of the scheme and port), and tests the request's origin and path against it. This does
 * the same with the same package, so `/users/:id` matches `/users/42/` (an optional trailing
 * slash), matching ignores case, `:id?` is optional and `:path*` / `:path+` take several
 * segments. The expression then runs on RE2 (re2js), never on JavaScript's backtracking
 * engine, so no pattern can make matching slow.
 *
 * Where this differs from msw (each listed in the README):
 * - A path pattern (`/users/:id`) matches that path on any origin; msw in Node matches a
 *   relative pattern against nothing unless a base URL is set.
 * - A query or fragment in a pattern is refused (msw warns and drops it).
 * - `:path*` / `:path+` give one string, the segments joined with `/` (msw gives an array);
 *   a parameter that is not valid percent-encoding is given as sent (msw throws).
 * - Custom groups (`/:id(\\d+)`) use RE2 syntax: no look-around or back-references.
 */
import { pathToRegexp, type Key } from 'path-to-regexp';
import { RE2JS } from 're2js';
import { globMatch } from '@workflows-kit/emulator/seams';

export { globMatch };

/** Thrown for a pattern that cannot be matched, so a typo fails loudly at registration. */
export class InvalidUrlPatternError extends TypeError {
  override readonly name = 'InvalidUrlPatternError';
}

const NAME_CHAR = /[A-Za-z0-9_]/;
const WILDCARD_NAME_CHAR = /[:a-zA-Z_-]/;

/**
 * msw's `coercePath`, as a linear scan: a run of `*` becomes the group `(.*)` unless it
 * follows a `:name` (then it is that parameter's repeat modifier); the `:` before a port
 * and the `:` of `scheme://` are escaped so path-to-regexp does not read them as parameters.
 */
function coerce(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c !== '*') {
      out += c;
      continue;
    }
    while (pattern[i + 1] === '*') i++;
    let j = out.length;
    while (j > 0 && WILDCARD_NAME_CHAR.test(out[j - 1] as string)) j--;
    out += out[j] === ':' ? '*' : '(.*)';
  }
  // The first `:` followed by digits and preceded by something other than `/`: a port.
  out = out.replace(/([^/]):(?=\d)/, '$1\\:');
  // `scheme://`
  const scheme = /^[^/]+?:(?=\/\/)/.exec(out);
  if (scheme) out = `${out.slice(0, scheme[0].length - 1)}\\:${out.slice(scheme[0].length)}`;
  return out;
}

/**
 * A `?` that starts a query: not the optional modifier of a `:name` parameter or of a
 * `(group)`, and not inside a custom group's regular expression.
 */
function hasQuery(source: string): boolean {
  let depth = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    if (c !== '?' || depth > 0) continue;
    if (source[i - 1] === ')' || source[i - 1] === '}') continue;
    let j = i;
    while (j > 0 && NAME_CHAR.test(source[j - 1] as string)) j--;
    if (j === i || source[j - 1] !== ':') return true;
  }
  return false;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export class UrlPatternMatcher {
  private readonly re: RE2JS;
  private readonly keys: Key[] = [];
  /** Path patterns match the path on any origin; others the origin and path. */
  private readonly pathOnly: boolean;

  constructor(readonly source: string) {
    if (source.includes('#') || hasQuery(source)) {
      throw new InvalidUrlPatternError(
        `URL pattern '${source}' has a query or fragment: patterns match the URL without its query; ` +
          'read query parameters from `query` in the resolver (or match on them with the `match` option)',
      );
    }
    if (source !== '*' && !source.startsWith('/') && !source.startsWith('*') && !/^[^/]+:\/\//.test(source)) {
      throw new InvalidUrlPatternError(
        `URL pattern '${source}' must be an absolute URL (https://host/path), a path (/path), or '*'`,
      );
    }
    this.pathOnly = source.startsWith('/');
    let regexp: RegExp;
    try {
      regexp = pathToRegexp(coerce(source), this.keys);
    } catch (err) {
      throw new InvalidUrlPatternError(`URL pattern '${source}' is invalid: ${(err as Error).message}`, {
        cause: err,
      });
    }
    try {
      // path-to-regexp matches case-insensitively unless told otherwise, and msw does not tell it.
      this.re = RE2JS.compile(regexp.source, RE2JS.CASE_INSENSITIVE);
    } catch (err) {
      throw new InvalidUrlPatternError(
        `URL pattern '${source}' uses a regular expression RE2 cannot run (no look-around or back-references): ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  /**
   * The parameters when the URL matches, else undefined: named ones by name, `*` wildcards by
   * position (`'0'`, `'1'`…) as msw gives them. The query and fragment are ignored.
   */
  match(url: string): Record<string, string> | undefined {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return undefined;
    }
    const subject = this.pathOnly ? parsed.pathname : `${parsed.origin}${parsed.pathname}`;
    const m = this.re.matcher(subject);
    if (!m.matches()) return undefined;
    const params: Record<string, string> = {};
    this.keys.forEach((key, i) => {
      const value = m.group(i + 1);
      if (value === null || value === undefined) return;
      const repeated = key.modifier === '*' || key.modifier === '+';
      params[String(key.name)] = repeated
        ? value
            .split(`${key.prefix}${key.suffix}`)
            .map(safeDecode)
            .join(key.prefix || '/')
        : safeDecode(value);
    });
    return params;
  }
}
