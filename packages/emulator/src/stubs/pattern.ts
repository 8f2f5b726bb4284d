/**
 * Matching of stub URL / connector-name patterns and of the outbound host policy.
 *
 * `*` in a pattern matches any run of characters, `/` included. Matching is a linear
 * two-pointer scan, not a regular expression, so no pattern can make it backtrack badly.
 */

/** Glob match where `*` is the only special character. O(n·m) worst case, no recursion. */
export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === text[t]) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = t;
    } else if (star !== -1) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

function stripFragment(url: string): string {
  const i = url.indexOf('#');
  return i === -1 ? url : url.slice(0, i);
}

function stripQuery(url: string): string {
  const i = url.indexOf('?');
  return i === -1 ? url : url.slice(0, i);
}

/** `new URL(u).href` when `u` parses (lower-case scheme and host, `/` for an empty path, default port dropped). */
function normalizeUrl(url: string): string | undefined {
  try {
    return new URL(url).href;
  } catch {
    return undefined;
  }
}

/** A compiled URL pattern: exact URL or `*` wildcards; query ignored unless the pattern has a `?`. */
export class UrlPattern {
  private readonly patterns: string[];
  readonly matchesQuery: boolean;

  constructor(readonly source: string) {
    const pattern = stripFragment(source);
    this.matchesQuery = pattern.includes('?');
    const variants = new Set([pattern]);
    // An exact URL is compared in normalised form too, so `https://API.example.com` matches
    // `https://api.example.com/`. Wildcard patterns cannot go through the URL parser (it
    // would percent-encode `*` in some positions), so they are compared as written.
    if (!pattern.includes('*')) {
      const n = normalizeUrl(pattern);
      if (n) variants.add(n);
    }
    this.patterns = [...variants];
  }

  test(url: string): boolean {
    const raw = stripFragment(url);
    const normalized = normalizeUrl(raw);
    const candidates = normalized && normalized !== raw ? [raw, normalized] : [raw];
    for (const c of candidates) {
      const subject = this.matchesQuery ? c : stripQuery(c);
      for (const p of this.patterns) if (globMatch(p, subject)) return true;
    }
    return false;
  }
}

/** Method filter: undefined or `*` matches any method; otherwise case-insensitive. */
export function methodMatches(pattern: string | undefined, method: string): boolean {
  return pattern === undefined || pattern === '*' || pattern.toUpperCase() === method.toUpperCase();
}

/** Host names that never leave the machine: 127.0.0.0/8, `localhost`, `::1` (and IPv4-mapped 127/8). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  if (h === 'localhost') return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)) return true;
  // The WHATWG URL parser writes ::ffff:127.0.0.1 as ::ffff:7f00:1.
  if (/^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(h)) return true;
  return false;
}

/**
 * `--allow-host` entries: an exact host (`api.example.com`), a host with port
 * (`api.example.com:8443`), a suffix pattern (`*.example.com`: subdomains only, not
 * `example.com` itself), or `*` for every host.
 */
export function hostAllowed(url: URL, allowHosts: readonly string[]): boolean {
  const hostname = url.hostname.toLowerCase().replace(/\.$/, '');
  const host = url.host.toLowerCase();
  for (const raw of allowHosts) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    if (entry.startsWith('*.')) {
      if (hostname.endsWith(entry.slice(1))) return true;
      continue;
    }
    if (entry === hostname || entry === host) return true;
  }
  return false;
}
