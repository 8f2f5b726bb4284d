/**
 * RE2 regular expressions for `text.*_regex` (https://cloud.google.com/workflows/docs/reference/stdlib/overview), through re2js: RE2 syntax
 * and linear-time matching. User patterns never reach the JS RegExp engine, whose
 * backtracking makes a pattern like `(a+)+$` a denial of service.
 */
import { RE2JS } from 're2js';
import { valueError } from '../values/raised-error.js';
import { codePointWidthAt } from './text-util.js';

export interface RegexMatch {
  /** UTF-16 offsets into the source. */
  start: number;
  end: number;
}

const CACHE_LIMIT = 64;
const cache = new Map<string, RE2JS>();

/**
 * Compiles with leftmost-longest semantics, as Google documents for find_all_regex ("If the
 * overlapping matches start at the same index, then the longest match is considered",
 * https://cloud.google.com/workflows/docs/reference/stdlib/text/find_all_regex) and
 * replace_all_regex. For match_regex the choice cannot change the answer.
 */
export function compileRegex(fn: string, pattern: string): RE2JS {
  const hit = cache.get(pattern);
  if (hit) return hit;
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern, RE2JS.LONGEST_MATCH);
  } catch (e) {
    throw valueError(`${fn}: invalid regular expression ${JSON.stringify(pattern)}: ${(e as Error).message}`);
  }
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(pattern, re);
  return re;
}

/**
 * Every successive non-overlapping match, RE2/Go style: after an empty match the search
 * moves on by one code point, and an empty match right where the previous match ended is
 * skipped (so `a*` over `baaac` matches at 0, 1-4 and 5, not also at 4).
 */
export function allMatches(re: RE2JS, source: string): RegexMatch[] {
  const out: RegexMatch[] = [];
  const m = re.matcher(source);
  let pos = 0;
  let prevEnd = -1;
  while (pos <= source.length && m.find(pos)) {
    const start = m.start();
    const end = m.end();
    if (end === start) {
      if (start !== prevEnd) out.push({ start, end });
      pos = start < source.length ? start + codePointWidthAt(source, start) : source.length + 1;
    } else {
      out.push({ start, end });
      pos = end;
    }
    prevEnd = end;
  }
  return out;
}
