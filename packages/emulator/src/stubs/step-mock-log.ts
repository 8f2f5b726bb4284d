/**
 * Mocked calls in the request log (`GET /emulator/v1/requests`): a call step a step mock answered
 * is logged as the request it would have made, with `outcome: 'mocked'` and the mock's id, so
 * that the log of a test run shows every call, made or not. Only calls that would have gone out
 * are logged: `http.*` and connector calls (a mocked `sys.sleep` or subworkflow call is a step
 * entry only).
 */
import { isConnector } from '../stdlib/connectors.js';
import type { MockedCall } from '../runtime/step-mocks.js';
import { stringifyJson, valueToJs } from '../values/json.js';
import { isMap, type Value } from '../values/types.js';
import { RESPONSE_EXCERPT_CHARS, type RecordedRequest, type StubRegistry } from './registry.js';

export function logMockedCall(stubs: StubRegistry, call: MockedCall): void {
  const target = requestOf(call);
  if (!target) return;
  const outcome = call.outcome;
  let status: number | null = null;
  let error: string | null = null;
  let response: string | undefined;
  if ('error' in outcome) {
    const v = outcome.error.value;
    const code = isMap(v) ? v.get('code') : undefined;
    if (typeof code === 'number') status = code;
    else error = outcome.error.message;
    if (isMap(v) && v.has('body')) response = excerpt(v.get('body') ?? null);
  } else {
    // An http.* call returns the response map: its code is the status.
    const code = isMap(outcome.value) ? outcome.value.get('code') : undefined;
    status = typeof code === 'number' ? code : target.kind === 'connector' ? 200 : null;
    response = excerpt(outcome.value);
  }
  const rec = stubs.record({
    ...target,
    stubId: null,
    stepMockId: call.mockId,
    outcome: 'mocked',
    status,
    error,
    executionId: call.executionId,
    workflowId: call.workflowId,
    location: call.location,
    routine: call.routine,
    step: call.step,
    ...(response !== undefined && { response }),
  });
  stubs.ended(rec);
}

type Target = Pick<RecordedRequest, 'kind' | 'method' | 'url' | 'connector' | 'headers' | 'body'>;

/** The request a mocked call would have made, from the function's name and arguments. */
function requestOf(call: MockedCall): Target | undefined {
  const name = call.functionName;
  const args = isMap(call.args) ? call.args : new Map<string, Value>();
  if (isConnector(name))
    return {
      kind: 'connector',
      method: null,
      url: null,
      connector: name,
      headers: {},
      body: plain(call.args),
    };
  if (!name.startsWith('http.')) return undefined;
  const verb = name.slice('http.'.length);
  const method = verb === 'request' ? args.get('method') : verb.toUpperCase();
  const url = args.get('url');
  const headers: Record<string, string> = {};
  const given = args.get('headers') ?? null;
  if (isMap(given)) for (const [k, v] of given) if (typeof v === 'string') headers[k] = v;
  return {
    kind: 'http',
    method: typeof method === 'string' ? method.toUpperCase() : null,
    url: typeof url === 'string' ? url : null,
    connector: null,
    headers,
    body: args.has('body') ? plain(args.get('body') ?? null) : null,
  };
}

function plain(v: Value): unknown {
  try {
    return JSON.parse(stringifyJson(v)) as unknown;
  } catch {
    return String(valueToJs(v));
  }
}

function excerpt(v: Value): string {
  let text: string;
  try {
    text = stringifyJson(v);
  } catch {
    text = String(valueToJs(v));
  }
  return text.length > RESPONSE_EXCERPT_CHARS ? text.slice(0, RESPONSE_EXCERPT_CHARS) : text;
}
