/**
 * `events.*` (https://cloud.google.com/workflows/docs/reference/stdlib/events/overview):
 * callback endpoints. Both functions block.
 */
import { CALLBACK_DEFAULT_TIMEOUT_S } from './limits.js';
import type { CallOrigin } from '../values/seams.js';
import { timeoutError, typeError, valueError } from '../values/raised-error.js';
import { Double, isMap, isNumber, toJsNumber, type Value, type WfMap } from '../values/types.js';
import { blocking, NUMBER, optional, param, type CallContext, type StdlibMember } from './registry.js';

/** https://cloud.google.com/workflows/docs/reference/stdlib/events/create_callback_endpoint */
const CALLBACK_METHODS: readonly string[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'];

export function eventsFunctions(): StdlibMember[] {
  return [
    blocking(
      'events.create_callback_endpoint',
      [optional('http_callback_method', 'POST', 'string')],
      async ([method], ctx) => createCallbackEndpoint(method ?? 'POST', ctx),
    ),
    blocking(
      'events.await_callback',
      [param('callback', 'map'), optional('timeout', new Double(CALLBACK_DEFAULT_TIMEOUT_S), ...NUMBER)],
      ([callback, timeout], ctx) => awaitCallback(callback ?? null, timeout ?? null, ctx),
    ),
  ];
}

/** `projects/{p}/locations/{l}/workflows/{w}/executions/{e}` of the calling execution. */
function executionName(origin: CallOrigin): string {
  return `projects/${origin.projectId}/locations/${origin.location}/workflows/${origin.workflowId}/executions/${origin.executionId}`;
}

function createCallbackEndpoint(method: Value, ctx: CallContext): Value {
  if (typeof method !== 'string') throw typeError('http_callback_method must be a string');
  const upper = method.toUpperCase();
  if (!CALLBACK_METHODS.includes(upper)) throw valueError(`unsupported http_callback_method '${method}'`);
  // From the IdSource, so a seeded test environment hands out the same callback URLs.
  const cb = ctx.callbacks.create(executionName(ctx.origin), upper, ctx.ids.uuid().replaceAll('-', ''));
  return new Map<string, Value>([['url', cb.url]]);
}

async function awaitCallback(callback: Value, timeout: Value, ctx: CallContext): Promise<Value> {
  if (!isMap(callback) || typeof callback.get('url') !== 'string') {
    throw typeError(
      'events.await_callback: callback must be the map returned by events.create_callback_endpoint',
    );
  }
  const url = callback.get('url') as string;
  const name = executionName(ctx.origin);
  const info = ctx.callbacks.findByUrl(url);
  if (!info || !info.name.startsWith(`${name}/`)) {
    throw valueError('events.await_callback: the callback does not belong to this execution');
  }
  let seconds = CALLBACK_DEFAULT_TIMEOUT_S;
  if (timeout !== null) {
    if (!isNumber(timeout)) throw typeError('events.await_callback: timeout must be a number');
    seconds = toJsNumber(timeout);
  }
  const req = await ctx.callbacks.await(name, info.id, seconds * 1000, ctx.signal);
  if (!req) throw timeoutError(`Timeout waiting for callback ${url}`);
  const headers: WfMap = new Map(Object.entries(req.headers));
  const query: WfMap = new Map(Object.entries(req.query).map(([k, v]) => [k, v as Value]));
  return new Map<string, Value>([
    [
      'http_request',
      new Map<string, Value>([
        ['body', req.body],
        ['headers', headers],
        ['method', req.method],
        ['query', query],
        ['url', req.url],
      ]),
    ],
    ['received_time', req.receivedAt.toISOString()],
    ['type', 'HTTP'],
  ]);
}
