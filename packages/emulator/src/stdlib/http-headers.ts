/** HTTP header helpers shared by `http.*`, the transports and the stubs. */

/** `application/json` and `application/<type>+json` (parameters ignored). */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const essence = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return essence === 'application/json' || /^application\/[^/]+\+json$/.test(essence);
}

/** Case-insensitive header lookup. */
export function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const want = name.toLowerCase();
  for (const k of Object.keys(headers)) if (k.toLowerCase() === want) return headers[k];
  return undefined;
}

/** Go's CanonicalMIMEHeaderKey: `content-type` -> `Content-Type`, `x-cloud-trace-context` -> `X-Cloud-Trace-Context`. */
export function canonicalHeaderName(name: string): string {
  // Go leaves keys with characters outside the token set untouched; so do we.
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) return name;
  return name
    .split('-')
    .map((part) => (part.length === 0 ? part : part[0]!.toUpperCase() + part.slice(1).toLowerCase()))
    .join('-');
}

/** Canonicalises header names; values of names that collide after canonicalisation are joined with ", ". */
export function canonicalHeaders(headers: Iterable<readonly [string, string]>): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of headers) {
    const key = canonicalHeaderName(name);
    out[key] = Object.hasOwn(out, key) ? `${out[key]}, ${value}` : value;
  }
  return out;
}
