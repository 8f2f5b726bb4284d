/**
 * Answers `googleapis.*` connector calls from connector stubs. There is no Google behind
 * the emulator, so an unstubbed connector call fails with a message saying how to stub it.
 */
import { realClock } from '../runtime/default-seams.js';
import {
  type BuiltinConnector,
  type CallOrigin,
  type Clock,
  type ConnectorHandler,
} from '../values/seams.js';
import { platformError, systemError } from '../values/raised-error.js';
import { jsonToValue, valueToJs } from '../values/json.js';
import { Double, type Value } from '../values/types.js';
import { encodeStubBody, responseExcerpt } from './codec.js';
import { isJsonContentType } from '../stdlib/http-headers.js';
import {
  RESPONSE_EXCERPT_CHARS,
  StubEvaluationError,
  type ConnectorStubRequest,
  type RecordedRequest,
  type StubRegistry,
} from './registry.js';

export interface ConnectorHandlerOptions {
  /** Called for every connector call no stub matches; throwing from it fails the call with that error. */
  onUnhandled?: (request: ConnectorStubRequest) => void | Promise<void>;
  /** Times stub delays; a virtual clock makes them instant in tests. */
  clock?: Clock;
  /** Connectors the emulator answers itself when no stub matches (read at call time). */
  builtins?: ReadonlyMap<string, BuiltinConnector>;
}

/** Documented default of `connector_params.timeout` (https://cloud.google.com/workflows/docs/reference/googleapis). */
const DEFAULT_CONNECTOR_TIMEOUT_S = 1800;

/** Plain JSON for JSONata and the request log: big integers as numbers, bytes as base64. */
function toJsonable(x: unknown): unknown {
  if (typeof x === 'bigint') return Number(x);
  if (x instanceof Uint8Array) return Buffer.from(x).toString('base64');
  if (Array.isArray(x)) return x.map(toJsonable);
  if (x !== null && typeof x === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(x)) {
      Object.defineProperty(out, k, {
        value: toJsonable((x as Record<string, unknown>)[k]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return x;
}

function connectorTimeoutMs(args: Value): number {
  if (args instanceof Map) {
    const params = args.get('connector_params');
    if (params instanceof Map) {
      const t = params.get('timeout');
      if (typeof t === 'number') return t * 1000;
      if (t instanceof Double) return t.value * 1000;
    }
  }
  return DEFAULT_CONNECTOR_TIMEOUT_S * 1000;
}

function unstubbedMessage(name: string): string {
  return (
    `No stub matches connector call ${name}: the emulator does not call Google APIs. ` +
    `Register a stub with POST /emulator/v1/stubs {"connector":"${name}","body":{...}}`
  );
}

export function createConnectorHandler(
  stubs: StubRegistry,
  options: ConnectorHandlerOptions = {},
): ConnectorHandler {
  const clock = options.clock ?? realClock;
  /** One call; its request-log record is reported ended (with the result's start) when the call ends. */
  async function call(name: string, args: Value, origin: CallOrigin, signal: AbortSignal): Promise<Value> {
    const made: { rec?: RecordedRequest } = {};
    const record = (r: Omit<RecordedRequest, 'id' | 'time'>): RecordedRequest => (made.rec = stubs.record(r));
    try {
      const result = await answer(name, args, origin, signal, record);
      if (made.rec && made.rec.response === undefined) {
        const text = JSON.stringify(toJsonable(valueToJs(result))) ?? 'null';
        made.rec.response =
          text.length > RESPONSE_EXCERPT_CHARS ? `${text.slice(0, RESPONSE_EXCERPT_CHARS)}…` : text;
      }
      return result;
    } finally {
      if (made.rec) stubs.ended(made.rec);
    }
  }

  async function answer(
    name: string,
    args: Value,
    origin: CallOrigin,
    signal: AbortSignal,
    record: (r: Omit<RecordedRequest, 'id' | 'time'>) => RecordedRequest,
  ): Promise<Value> {
    signal.throwIfAborted();
    const jsArgs = toJsonable(valueToJs(args));
    const request: ConnectorStubRequest = { kind: 'connector', name, args: jsArgs, origin };
    const { match, notes } = await stubs.find(request);
    const base = {
      kind: 'connector' as const,
      method: null,
      url: null,
      connector: name,
      headers: {},
      body: jsArgs,
      status: null,
      error: null,
      executionId: origin.executionId,
      workflowId: origin.workflowId,
      ...(origin.location !== undefined && { location: origin.location }),
      routine: origin.routine,
      step: origin.step,
      notes,
    };

    if (!match) {
      const builtin = options.builtins?.get(name);
      if (builtin) {
        const rec = record({ ...base, outcome: 'emulated', stubId: null });
        try {
          return await builtin(args, origin, signal);
        } catch (err) {
          rec.error = err instanceof Error ? err.message : String(err);
          throw err;
        }
      }
      const rec = record({ ...base, outcome: 'blocked', stubId: null });
      rec.error = unstubbedMessage(name);
      await options.onUnhandled?.(request);
      throw platformError('ConnectionFailedError', rec.error);
    }

    let response;
    try {
      response = await match.respond();
    } catch (err) {
      const rec = record({ ...base, outcome: 'stub', stubId: match.stubId });
      rec.error = `stub ${match.stubId}: ${(err as Error).message}`;
      if (err instanceof StubEvaluationError) throw systemError(rec.error);
      throw err;
    }
    const rec = record({ ...base, outcome: response.fault ? 'fault' : 'stub', stubId: match.stubId });

    const delayMs = response.delayMs ?? 0;
    const timeoutMs = connectorTimeoutMs(args);
    if (delayMs > timeoutMs) {
      await clock.sleep(timeoutMs, signal);
      rec.error = `connector call ${name} timed out after ${timeoutMs / 1000}s (the stub delays ${delayMs} ms)`;
      throw platformError('TimeoutError', rec.error);
    }
    if (delayMs > 0) await clock.sleep(delayMs, signal);

    if (response.fault) {
      rec.error =
        response.message ?? `${response.fault} in connector call ${name} (simulated by stub ${match.stubId})`;
      throw platformError(response.fault, rec.error);
    }

    const status = response.status ?? 200;
    rec.status = status;
    // Encode and decode like an HTTP response so strings under non-JSON content types,
    // bytes and JSON values reach the workflow exactly as an http.* call would see them.
    const encoded = encodeStubBody(response.body, response.headers);
    rec.response = responseExcerpt(encoded.body, encoded.headers, RESPONSE_EXCERPT_CHARS);
    const body =
      response.body === undefined ? null : wireBodyToValue(response.body, encoded.body, encoded.headers);
    if (status >= 400) {
      const headers = new Map<string, Value>(Object.entries(encoded.headers));
      throw platformError('HttpError', `HTTP server responded with error code ${status}`, [
        ['code', status],
        ['headers', headers],
        ['body', body],
      ]);
    }
    return body;
  }

  return { call };
}

function wireBodyToValue(original: unknown, bytes: Uint8Array, headers: Record<string, string>): Value {
  if (
    typeof original === 'string' ||
    original instanceof Uint8Array ||
    isJsonContentType(headers['Content-Type'])
  ) {
    return jsonToValue(original);
  }
  // A JSON value under a non-JSON content type travels as JSON text, and arrives as text.
  return new TextDecoder().decode(bytes);
}
