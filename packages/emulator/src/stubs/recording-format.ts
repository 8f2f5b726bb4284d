/**
 * How a real call is written into a recording: a stub definition of the ordinary stubs-file
 * format, stable from one recording to the next (sorted keys, bodies as YAML values) and free of
 * secrets. The credentials the request log redacts (https://cloud.google.com/workflows/docs/log-workflow#call-logging
 * redacts `Authorization` in Google's call logs) are never written: secret headers and body
 * fields become `<redacted>`, and secret query parameters `*`, so that the URL still matches the
 * call on replay.
 */
import type { TransportResponse } from '../values/seams.js';
import { parseJson } from '../values/json.js';
import { Double, type Value } from '../values/types.js';
import { headerValue, isJsonContentType } from '../stdlib/http-headers.js';
import { isSecretHeader, isSecretParam, REDACTED } from './redact.js';
import { IGNORED } from './request-body.js';

/**
 * Body fields (JSON keys at any depth, form fields) that are credentials whatever the API: they
 * are redacted without being configured. Shorter names (`key`, `token`, `secret`) are secrets in
 * query strings but too often ordinary data in bodies; configure them when they are secrets.
 */
const SECRET_BODY_FIELDS = [
  'password',
  'passwd',
  'client_secret',
  'access_token',
  'refresh_token',
  'id_token',
  'api_key',
  'apikey',
  'private_key',
];

/**
 * Response headers not recorded: `Date` differs on every call and would change the file each
 * time; the hop-by-hop headers describe the connection, not the response (RFC 9110 §7.6.1).
 */
const VOLATILE_HEADERS = new Set([
  'date',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'proxy-connection',
]);

export interface RedactionOptions {
  /** More header names to redact (case-insensitive), beside Authorization, Cookie, Set-Cookie and API-key headers. */
  headers?: readonly string[];
  /**
   * More names of body fields (JSON keys at any depth, form fields) and query parameters to
   * redact (case-insensitive), beside the credentials the request log redacts.
   */
  fields?: readonly string[];
}

export interface BodyMatchOptions {
  /** `false`: calls match on method and URL alone, and no `requestBody` is written. Default true. */
  matchBody?: boolean;
  /** Body fields (JSON keys at any depth, form fields) not matched on: written as `<ignored>`. */
  ignoreBodyFields?: readonly string[];
}

/** The redaction and matching rules of one recording, compiled. */
export class RecordingRules {
  readonly #headers: Set<string>;
  readonly #fields: Set<string>;
  readonly #bodyFields: Set<string>;
  readonly #ignored: Set<string>;
  readonly matchBody: boolean;

  constructor(options: RedactionOptions & BodyMatchOptions = {}) {
    const lower = (xs: readonly string[] | undefined) => (xs ?? []).map((x) => x.toLowerCase());
    this.#headers = new Set(lower(options.headers));
    this.#fields = new Set(lower(options.fields));
    this.#bodyFields = new Set([...SECRET_BODY_FIELDS, ...this.#fields]);
    this.#ignored = new Set(lower(options.ignoreBodyFields));
    this.matchBody = options.matchBody ?? true;
  }

  secretHeader(name: string): boolean {
    return isSecretHeader(name) || this.#headers.has(name.toLowerCase());
  }

  secretParam(name: string): boolean {
    return isSecretParam(name) || this.#fields.has(name.toLowerCase());
  }

  /** What a body field is written as: a marker, or undefined to keep its value. */
  bodyFieldMarker(name: string): string | undefined {
    const n = name.toLowerCase();
    if (this.#bodyFields.has(n)) return REDACTED;
    if (this.#ignored.has(n)) return IGNORED;
    return undefined;
  }

  /** Secret header values replaced, names sorted. */
  headers(headers: Record<string, string>): Record<string, string> {
    return Object.fromEntries(
      Object.keys(headers)
        .filter((k) => !VOLATILE_HEADERS.has(k.toLowerCase()))
        .sort()
        .map((k) => [k, this.secretHeader(k) ? REDACTED : headers[k]!]),
    );
  }

  /** The URL to match on: secret query values become `*`, the stub pattern wildcard. */
  url(url: string): string {
    return mapQueryValues(url, (name, value) => (this.secretParam(name) ? '*' : value));
  }

  /**
   * The `requestBody` to write for a call's decoded body (JSON value, text, or base64 for
   * bytes), or undefined when bodies are not matched on.
   */
  requestBody(body: unknown, headers: Record<string, string>): { value: unknown } | undefined {
    if (!this.matchBody) return undefined;
    if (typeof body === 'string' && isFormContentType(headerValue(headers, 'Content-Type')))
      return { value: this.#formText(body, true) };
    return { value: this.#json(body, true) };
  }

  /** A plain JSON value with marked fields replaced and map keys sorted. */
  #json(root: unknown, forMatching: boolean): unknown {
    const marker = (k: string) => {
      const m = this.bodyFieldMarker(k);
      return m === IGNORED && !forMatching ? undefined : m;
    };
    const walk = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(walk);
      if (typeof v !== 'object' || v === null) return v;
      const src = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(src).sort()) {
        Object.defineProperty(out, k, {
          value: marker(k) ?? walk(src[k]),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    };
    return walk(root);
  }

  #formText(text: string, forMatching: boolean): string {
    return text
      .split('&')
      .map((part) => {
        const eq = part.indexOf('=');
        if (eq === -1) return part;
        const m = this.bodyFieldMarker(decodeFormName(part.slice(0, eq)));
        return m === undefined || (m === IGNORED && !forMatching) ? part : `${part.slice(0, eq)}=${m}`;
      })
      .join('&');
  }

  /** One answer of a recorded stub: status, headers and the body in its most readable faithful form. */
  response(response: TransportResponse): Record<string, unknown> {
    const out: Record<string, unknown> = { status: response.status };
    const headers = this.headers(response.headers);
    if (Object.keys(headers).length > 0) out['headers'] = headers;
    Object.assign(out, this.#responseBody(response));
    return out;
  }

  #responseBody(response: TransportResponse): Record<string, unknown> {
    const bytes = response.body;
    if (bytes.byteLength === 0) return {};
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch {
      return { bodyBase64: Buffer.from(bytes).toString('base64') };
    }
    const contentType = headerValue(response.headers, 'Content-Type');
    if (isJsonContentType(contentType)) {
      let value: Value;
      try {
        value = parseJson(text);
      } catch {
        return { bodyText: text }; // not JSON after all: the workflow sees it as text, so will the replay
      }
      // A stub's `body` is sent as JSON.stringify writes it, which cannot tell the double 1.0
      // from the integer 1 and rounds integers past 2^53: such bodies are kept as their text.
      if (lossless(value)) return { body: this.#json(JSON.parse(text) as unknown, false) };
      return { bodyText: this.#redactJsonText(value) ?? text };
    }
    if (contentType === undefined) return { bodyText: text }; // a string `body` would be sent as JSON
    if (isFormContentType(contentType)) return { body: this.#formText(text, false) };
    return { body: text };
  }

  /** JSON text with secret fields redacted, or undefined when there are none (keep the text as sent). */
  #redactJsonText(root: Value): string | undefined {
    let changed = false;
    const walk = (v: Value): Value => {
      if (Array.isArray(v)) return v.map(walk);
      if (!(v instanceof Map)) return v;
      const out = new Map<string, Value>();
      for (const k of [...v.keys()].sort()) {
        if (this.bodyFieldMarker(k) === REDACTED) {
          changed = true;
          out.set(k, REDACTED);
        } else out.set(k, walk(v.get(k)!));
      }
      return out;
    };
    const redacted = walk(root);
    return changed ? stringifyValue(redacted) : undefined;
  }
}

/** Compact JSON with sorted keys that keeps doubles as doubles (`1.0`) and big integers exact. */
function stringifyValue(v: Value): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean' || typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (v instanceof Double) {
    const s = JSON.stringify(v.value);
    return /[.eE]/.test(s) ? s : `${s}.0`;
  }
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(stringifyValue).join(',')}]`;
  if (v instanceof Map)
    return `{${[...v.keys()]
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stringifyValue(v.get(k)!)}`)
      .join(',')}}`;
  return 'null';
}

/** True when JSON.stringify of the plain value would give the workflow the same value back. */
function lossless(root: Value): boolean {
  const stack: Value[] = [root];
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (typeof v === 'bigint') return false;
    if (typeof v === 'number' && !Number.isSafeInteger(v)) return false;
    if (v instanceof Double && !/[.eE]/.test(JSON.stringify(v.value))) return false;
    if (Array.isArray(v)) stack.push(...v);
    else if (v instanceof Map) stack.push(...v.values());
  }
  return true;
}

function isFormContentType(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

function decodeFormName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/** The URL with each query value passed through `map` (names as decoded), the rest byte for byte. */
function mapQueryValues(url: string, map: (name: string, value: string) => string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const hash = url.indexOf('#', q);
  const query = url.slice(q + 1, hash === -1 ? undefined : hash);
  const parts = query.split('&').map((part) => {
    const eq = part.indexOf('=');
    if (eq === -1) return part;
    return `${part.slice(0, eq)}=${map(decodeFormName(part.slice(0, eq)), part.slice(eq + 1))}`;
  });
  return `${url.slice(0, q + 1)}${parts.join('&')}${hash === -1 ? '' : url.slice(hash)}`;
}
