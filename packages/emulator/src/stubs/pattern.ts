/**
 * Matching of stub URL / connector-name patterns and of the outbound host policy.
 *
 * `*` in a pattern matches any run of characters, `/` included. Matching is linear in the
 * pattern and the text together (see globMatch), never a regular expression, so no pattern
 * can make it backtrack.
 */

/**
 * Glob match where `*` is the only special character, in O(pattern + text) time.
 *
 * The pattern is split at its `*`s: the first piece must be a prefix of the text, the last
 * a suffix, and the pieces between must occur in order, without overlapping, in what lies
 * between. Taking each middle piece at its leftmost occurrence is always safe (it leaves the
 * most room for the rest), and each is found with Knuth-Morris-Pratt, which never rescans
 * the text: a 10,000-character pattern against a 100,000-character URL costs about 110,000
 * steps, where the classic two-pointer glob costs up to their product.
 */
export function globMatch(pattern: string, text: string): boolean {
  const star = pattern.indexOf('*');
  if (star === -1) return pattern === text;
  const parts = pattern.split('*');
  const first = parts[0] as string;
  const last = parts[parts.length - 1] as string;
  if (first.length + last.length > text.length) return false;
  if (!text.startsWith(first) || !text.endsWith(last)) return false;
  let pos = first.length;
  const end = text.length - last.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const piece = parts[i] as string;
    if (piece === '') continue;
    const at = kmpIndexOf(text, piece, pos, end);
    if (at === -1) return false;
    pos = at + piece.length;
  }
  return true;
}

/** First index >= from where `needle` occurs wholly before `end`, or -1. Linear time. */
function kmpIndexOf(text: string, needle: string, from: number, end: number): number {
  const m = needle.length;
  if (m > end - from) return -1;
  // failure[i]: length of the longest proper border of needle[0..i].
  const failure = new Int32Array(m);
  for (let i = 1, k = 0; i < m; i++) {
    while (k > 0 && needle.charCodeAt(i) !== needle.charCodeAt(k)) k = failure[k - 1] as number;
    if (needle.charCodeAt(i) === needle.charCodeAt(k)) k++;
    failure[i] = k;
  }
  for (let i = from, k = 0; i < end; i++) {
    while (k > 0 && text.charCodeAt(i) !== needle.charCodeAt(k)) k = failure[k - 1] as number;
    if (text.charCodeAt(i) === needle.charCodeAt(k)) k++;
    if (k === m) return i - m + 1;
  }
  return -1;
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
