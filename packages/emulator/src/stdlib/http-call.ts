/**
 * `http.get/post/put/patch/delete/request` (https://cloud.google.com/workflows/docs/reference/stdlib/http/request): request encoding, the call through
 * the HttpTransport seam, response decoding and the documented errors.
 */
import { parseJson, stringifyJson } from '../values/json.js';
import { formatNumber } from '../values/format.js';
import { Bytes, Double, isMap, typeName, type Value, type WfMap } from '../values/types.js';
import { HTTP_DEFAULT_TIMEOUT_S, HTTP_MAX_TIMEOUT_S } from './limits.js';
import { canonicalHeaderName, headerValue, isJsonContentType } from './http-headers.js';
import { TransportError, type CallOrigin, type HttpTransport } from '../values/seams.js';
import { platformError, resourceLimitError, typeError, valueError } from '../values/raised-error.js';

export const USER_AGENT = 'GoogleCloudWorkflows; (+https://cloud.google.com/workflows/docs)';
/**
 * https://cloud.google.com/workflows/docs/reference/stdlib/http/request: `method` is "One of: GET,
 * HEAD, POST, PUT, DELETE, OPTIONS, PATCH" — written exactly so; any other value is a ValueError
 * and no request is sent.
 */
const METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']);

export interface HttpCallArgs {
  method: string;
  url: Value;
  timeout: Value;
  body: Value;
  hasBody: boolean;
  headers: Value;
  query: Value;
  auth: Value;
  privateServiceName: Value;
  caCertificate: Value;
}

export async function performHttpCall(
  args: HttpCallArgs,
  transport: HttpTransport,
  origin: CallOrigin,
  signal: AbortSignal,
  maxResponseBytes: number,
): Promise<WfMap> {
  const method = args.method;
  if (!METHODS.has(method)) {
    throw valueError(`http.request: method must be one of ${[...METHODS].join(', ')}, got '${method}'`);
  }
  if (typeof args.url !== 'string')
    throw typeError(`http: argument 'url' must be a string, got ${typeName(args.url)}`);
  let url: URL;
  try {
    url = new URL(args.url);
  } catch {
    throw valueError(`http: invalid URL '${args.url}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw valueError(`http: URL scheme must be http or https: '${args.url}'`);
  }
  appendQuery(url, args.query);

  let timeoutS = HTTP_DEFAULT_TIMEOUT_S;
  if (args.timeout !== null) {
    if (typeof args.timeout === 'number') timeoutS = args.timeout;
    else if (args.timeout instanceof Double) timeoutS = args.timeout.value;
    else throw typeError(`http: argument 'timeout' must be a number, got ${typeName(args.timeout)}`);
    if (!(timeoutS > 0)) throw valueError(`http: timeout must be positive, got ${timeoutS}`);
    if (timeoutS > HTTP_MAX_TIMEOUT_S) {
      throw valueError(`http: timeout ${timeoutS} exceeds the maximum of ${HTTP_MAX_TIMEOUT_S} seconds`);
    }
  }

  const headers: Record<string, string> = {};
  if (args.headers !== null) {
    if (!isMap(args.headers))
      throw typeError(`http: argument 'headers' must be a map, got ${typeName(args.headers)}`);
    // https://cloud.google.com/workflows/docs/reference/stdlib/http/request: headers "must be a map
    // of strings". Nothing converts a number or a boolean, so any other value is a TypeError.
    for (const [k, v] of args.headers) {
      if (typeof v !== 'string') {
        throw typeError(
          `http: header '${k}' must be a string, got ${typeName(v)} (convert it with string())`,
        );
      }
      headers[k] = v;
    }
  }
  if (args.privateServiceName !== null) {
    // Service Directory is not emulated: the call goes to the URL, after the documented checks.
    if (typeof args.privateServiceName !== 'string')
      throw typeError(`http: private_service_name must be a string`);
    if (
      !/^projects\/[^/]+\/locations\/[^/]+\/namespaces\/[^/]+\/services\/[^/]+$/.test(args.privateServiceName)
    ) {
      throw valueError(
        `http: private_service_name must be projects/P/locations/L/namespaces/N/services/S, got '${args.privateServiceName}'`,
      );
    }
    if (url.port !== '')
      throw valueError('http: the URL must not contain a port when private_service_name is set');
  }
  if (args.caCertificate !== null && !(args.caCertificate instanceof Bytes)) {
    throw valueError(
      `http: ca_certificate must be bytes (a DER certificate), got ${typeName(args.caCertificate)}`,
    );
  }
  if (args.auth !== null && !isMap(args.auth)) throw typeError(`http: argument 'auth' must be a map`);
  if (isMap(args.auth)) {
    const type = args.auth.get('type');
    if (type !== 'OIDC' && type !== 'OAuth2')
      throw valueError(
        `http: auth type must be OIDC or OAuth2, got ${typeof type === 'string' ? type : typeName(type ?? null)}`,
      );
  }

  const uaKey = findHeader(headers, 'user-agent');
  if (uaKey) headers[uaKey] = `${headers[uaKey]} ${USER_AGENT}`;
  else headers['User-Agent'] = USER_AGENT;

  const body = args.hasBody && args.body !== null ? encodeBody(args.body, headers) : undefined;

  let response;
  try {
    signal.throwIfAborted();
    response = await transport.send({
      method,
      url: url.toString(),
      headers,
      body,
      timeoutMs: timeoutS * 1000,
      signal,
      origin,
    });
  } catch (err) {
    if (err instanceof TransportError) throw platformError(err.kind, err.message);
    throw err;
  }
  if (response.body.byteLength > maxResponseBytes) {
    throw resourceLimitError(
      `HTTP response body of ${response.body.byteLength} bytes exceeds the 2 MB limit`,
    );
  }
  const responseHeaders: WfMap = new Map();
  for (const [k, v] of Object.entries(response.headers)) responseHeaders.set(canonicalHeaderName(k), v);
  const decoded = decodeBody(response.body, response.headers);
  if (response.status >= 400) {
    throw platformError('HttpError', `HTTP server responded with error code ${response.status}`, [
      ['code', response.status],
      ['headers', responseHeaders],
      ['body', decoded],
    ]);
  }
  return new Map<string, Value>([
    ['body', decoded],
    ['code', response.status],
    ['headers', responseHeaders],
  ]);
}

function appendQuery(url: URL, query: Value): void {
  if (query === null) return;
  if (!isMap(query)) throw typeError(`http: argument 'query' must be a map, got ${typeName(query)}`);
  for (const [k, v] of query) {
    const items = Array.isArray(v) ? v : [v];
    for (const item of items) url.searchParams.append(k, queryText(k, item));
  }
}

function queryText(key: string, v: Value): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || v instanceof Double) return formatNumber(v);
  if (typeof v === 'boolean') return String(v);
  throw typeError(`http: query parameter '${key}' must be a string, number or boolean, got ${typeName(v)}`);
}

function findHeader(headers: Record<string, string>, lower: string): string | undefined {
  return Object.keys(headers).find((k) => k.toLowerCase() === lower);
}

const mediaTypeOf = (contentType: string | undefined): string =>
  (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();

/** Encodes the request body as documented in https://cloud.google.com/workflows/docs/reference/stdlib/http/request. */
function encodeBody(body: Value, headers: Record<string, string>): Uint8Array {
  const ctKey = findHeader(headers, 'content-type');
  if (!ctKey) {
    if (body instanceof Bytes) {
      headers['Content-Type'] = 'application/octet-stream';
      return body.data;
    }
    headers['Content-Type'] = 'application/json; charset=utf-8';
    return new TextEncoder().encode(stringifyJson(body));
  }
  const mediaType = mediaTypeOf(headers[ctKey]);
  if (body instanceof Bytes) return body.data;
  if (isJsonContentType(mediaType)) {
    return new TextEncoder().encode(stringifyJson(body));
  }
  if (mediaType === 'application/x-www-form-urlencoded') {
    if (typeof body === 'string') return new TextEncoder().encode(body);
    if (isMap(body)) {
      const params = new URLSearchParams();
      for (const [k, v] of body) params.append(k, queryText(k, v));
      return new TextEncoder().encode(params.toString());
    }
    throw typeError('http: a form-urlencoded body must be a string');
  }
  if (mediaType.startsWith('text/')) {
    if (typeof body === 'string') return new TextEncoder().encode(body);
    throw typeError(`http: a ${mediaType} body must be a string, got ${typeName(body)}`);
  }
  throw valueError(
    `http: unsupported Content-Type '${headers[ctKey]}' for a non-bytes body (use application/json, ` +
      `application/x-www-form-urlencoded or text/*, or send bytes)`,
  );
}

/** JSON media types are decoded, text as a string, anything else stays bytes. */
export function decodeBody(body: Uint8Array, headers: Record<string, string>): Value {
  const mediaType = mediaTypeOf(headerValue(headers, 'content-type'));
  if (isJsonContentType(mediaType)) {
    const text = new TextDecoder().decode(body);
    if (text.trim() === '') return null;
    try {
      return parseJson(text);
    } catch {
      return text;
    }
  }
  if (body.byteLength === 0) return null;
  if (
    mediaType.startsWith('text/') ||
    mediaType === 'application/xml' ||
    mediaType === 'application/javascript'
  ) {
    return new TextDecoder().decode(body);
  }
  return new Bytes(body);
}
