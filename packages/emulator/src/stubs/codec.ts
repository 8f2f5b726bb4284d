/**
 * Conversions between wire bodies and the JSON-able shapes that stubs, JSONata and the
 * request log work with.
 */
import {
  canonicalHeaderName,
  canonicalHeaders,
  headerValue,
  isJsonContentType,
} from '../stdlib/http-headers.js';

const utf8 = new TextEncoder();

/**
 * Decodes a request body for matching and for the request log: JSON when the content
 * type says JSON (text if it does not parse), UTF-8 text when the bytes are valid UTF-8,
 * otherwise base64 text. No body -> null.
 */
export function decodeBody(body: Uint8Array | undefined, headers: Record<string, string>): unknown {
  if (!body || body.byteLength === 0) return null;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return Buffer.from(body).toString('base64');
  }
  if (isJsonContentType(headerValue(headers, 'Content-Type'))) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

/**
 * The start of a response body for the request log: the text when the bytes are UTF-8 (cut
 * at `maxChars`, with an ellipsis), else how many bytes of which type it had.
 */
export function responseExcerpt(body: Uint8Array, headers: Record<string, string>, maxChars: number): string {
  if (body.byteLength === 0) return '';
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body.subarray(0, maxChars * 4));
  } catch {
    const type = headerValue(headers, 'Content-Type');
    return `<${body.byteLength} bytes${type ? ` of ${type}` : ''}>`;
  }
  return text.length > maxChars || body.byteLength > maxChars * 4 ? `${text.slice(0, maxChars)}…` : text;
}

function jsonText(body: unknown): string {
  // bigint has no JSON form in JSON.stringify; programmatic stubs may hand us one.
  return JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)) ?? 'null';
}

/**
 * Encodes a stub response body.
 *
 * - No body: empty, headers untouched.
 * - Bytes (`Uint8Array`, programmatic stubs only): sent as-is, `application/octet-stream` by default.
 * - A JSON content type, or no content type at all: the body is a JSON value and is sent as
 *   JSON; without a content type `Content-Type: application/json` is added. A string body
 *   without a content type therefore arrives as a JSON string, which the executor decodes
 *   back to exactly that string: the workflow sees the stub's value either way.
 * - Any other content type: a string is sent verbatim (UTF-8), anything else as JSON text.
 *
 * Header names come back in canonical MIME case (`content-type` -> `Content-Type`).
 */
export function encodeStubBody(
  body: unknown,
  headers: Record<string, string> | undefined,
): { headers: Record<string, string>; body: Uint8Array } {
  const out = canonicalHeaders(Object.entries(headers ?? {}));
  if (body === undefined) return { headers: out, body: new Uint8Array(0) };
  const contentType = out[canonicalHeaderName('content-type')];
  if (body instanceof Uint8Array) {
    if (contentType === undefined) out['Content-Type'] = 'application/octet-stream';
    return { headers: out, body };
  }
  if (contentType === undefined) {
    out['Content-Type'] = 'application/json';
    return { headers: out, body: utf8.encode(jsonText(body)) };
  }
  if (!isJsonContentType(contentType) && typeof body === 'string')
    return { headers: out, body: utf8.encode(body) };
  return { headers: out, body: utf8.encode(jsonText(body)) };
}

/** `path` and `query` of a URL for JSONata `match` (repeated keys give a list). */
export function splitUrl(url: string): { path: string; query: Record<string, string | string[]> } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { path: url, query: {} };
  }
  const query: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const [k, v] of parsed.searchParams) {
    const prev = query[k];
    if (prev === undefined) query[k] = v;
    else if (Array.isArray(prev)) prev.push(v);
    else query[k] = [prev, v];
  }
  return { path: parsed.pathname, query };
}
