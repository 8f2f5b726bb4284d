/**
 * `http.*` (https://cloud.google.com/workflows/docs/reference/stdlib/http/overview): the request
 * functions (blocking; encoding, the call and decoding are in http-call.ts), the default retry
 * policies and their predicates.
 */
import { typeError } from '../values/raised-error.js';
import { Double, isNumber, toJsNumber, type Value, type WfMap } from '../values/types.js';
import { performHttpCall } from './http-call.js';
import {
  blocking,
  constant,
  NUMBER,
  optional,
  param,
  pure,
  type BlockingFunction,
  type CallContext,
  type ParamSpec,
  type StdlibMember,
} from './registry.js';
import { defaultBackoff } from './retry.js';

const IDEMPOTENT_CODES: ReadonlySet<number> = new Set([429, 502, 503, 504]);
const IDEMPOTENT_TAGS: ReadonlySet<string> = new Set([
  'ConnectionError',
  'ConnectionFailedError',
  'TimeoutError',
]);
const NON_IDEMPOTENT_CODES: ReadonlySet<number> = new Set([429, 503]);
const NON_IDEMPOTENT_TAGS: ReadonlySet<string> = new Set(['ConnectionFailedError']);

function shouldRetry(e: Value, codes: ReadonlySet<number>, tags: ReadonlySet<string>): boolean {
  if (!(e instanceof Map)) return false;
  const t = e.get('tags');
  if (!Array.isArray(t)) return false;
  if (t.some((x) => typeof x === 'string' && tags.has(x))) return true;
  if (!t.includes('HttpError')) return false;
  const code = e.get('code');
  const n = code !== undefined && isNumber(code) ? toJsNumber(code) : NaN;
  return codes.has(n);
}

/**
 * Functions are not values in this model, so a policy carries its predicate as the
 * function's name; the executor resolves it through the registry.
 */
function policy(predicate: string): WfMap {
  return new Map<string, Value>([
    ['predicate', predicate],
    ['max_retries', 5],
    ['backoff', defaultBackoff()],
  ]);
}

// Positional order used by expressions (https://cloud.google.com/workflows/docs/reference/stdlib/http/request). `timeout` defaults to 300 s (https://cloud.google.com/workflows/docs/reference/stdlib/http/request).
const tail: ParamSpec[] = [
  optional('headers', null, 'map'),
  optional('query', null, 'map'),
  optional('auth', null, 'map'),
  optional('private_service_name', null, 'string'),
  // Untyped: a non-bytes certificate is a ValueError (https://cloud.google.com/workflows/docs/reference/stdlib/http/request), which the executor raises.
  optional('ca_certificate', null),
];
const url = param('url', 'string');
const timeout = optional('timeout', new Double(300), ...NUMBER);
const body = optional('body', null);

/** `http.get`... (method from the name) or `http.request` (method from the arguments). */
function request(name: string, params: readonly ParamSpec[]): BlockingFunction {
  const fixedMethod = name === 'http.request' ? null : name.slice('http.'.length).toUpperCase();
  return blocking(name, params, (a, ctx: CallContext) => {
    const args: WfMap = new Map(params.map((p, i) => [p.name, a[i] ?? null]));
    const method = fixedMethod ?? args.get('method');
    if (typeof method !== 'string') throw typeError(`http.request: argument 'method' must be a string`);
    return performHttpCall(
      {
        method,
        url: args.get('url') ?? null,
        timeout: args.get('timeout') ?? null,
        body: args.get('body') ?? null,
        hasBody: (args.get('body') ?? null) !== null,
        headers: args.get('headers') ?? null,
        query: args.get('query') ?? null,
        auth: args.get('auth') ?? null,
        privateServiceName: args.get('private_service_name') ?? null,
        caCertificate: args.get('ca_certificate') ?? null,
      },
      ctx.transport,
      ctx.origin,
      ctx.signal,
      ctx.maxHttpResponseBytes,
    );
  });
}

export function httpFunctions(): StdlibMember[] {
  return [
    request('http.get', [url, timeout, ...tail]),
    request('http.post', [url, timeout, body, ...tail]),
    request('http.put', [url, timeout, body, ...tail]),
    request('http.patch', [url, timeout, body, ...tail]),
    request('http.delete', [url, timeout, body, ...tail]),
    request('http.request', [param('method', 'string'), url, timeout, body, ...tail]),
    pure('http.default_retry_predicate', [param('e')], ([e]) =>
      shouldRetry(e ?? null, IDEMPOTENT_CODES, IDEMPOTENT_TAGS),
    ),
    pure('http.default_retry_predicate_non_idempotent', [param('e')], ([e]) =>
      shouldRetry(e ?? null, NON_IDEMPOTENT_CODES, NON_IDEMPOTENT_TAGS),
    ),
    constant('http.default_retry', () => policy('http.default_retry_predicate')),
    constant('http.default_retry_non_idempotent', () =>
      policy('http.default_retry_predicate_non_idempotent'),
    ),
  ];
}
