/**
 * The HttpTransport the emulator hands to the executor: stubs first, then a host policy
 * that keeps a local emulator from ever calling a production API by accident.
 */
import {
  TransportError,
  type Clock,
  type TransportRequest,
  type TransportResponse,
  type HttpTransport,
} from '../values/seams.js';
import { realClock } from '../runtime/default-seams.js';
import { canonicalHeaders } from '../stdlib/http-headers.js';
import { createFetchTransport } from '../runtime/http-transport.js';
import { systemError } from '../values/raised-error.js';
import { decodeBody, encodeStubBody, responseExcerpt, splitUrl } from './codec.js';
import { hostAllowed, isLoopbackHost } from './pattern.js';
import type { OutboundRecording } from './recording.js';
import {
  RESPONSE_EXCERPT_CHARS,
  StubEvaluationError,
  type HttpStubRequest,
  type RecordedRequest,
  type StubRegistry,
  type StubResponse,
} from './registry.js';

export interface OutboundTransportOptions {
  stubs: StubRegistry;
  /** `--allow-host` entries: `api.example.com`, `api.example.com:8443`, `*.example.com`, `*`. */
  allowHosts?: readonly string[];
  /**
   * Where allowed calls go. The default does not follow redirects: this transport
   * follows them itself so every hop is checked against the stubs and the host policy.
   */
  network?: HttpTransport;
  /**
   * Called for every call no stub matches, before the host policy applies. Throwing from
   * it fails the call with that error (throw a TransportError to pick the Workflows tag).
   */
  onUnhandled?: (request: HttpStubRequest) => void | Promise<void>;
  /** Times stub delays; a virtual clock makes them instant in tests. */
  clock?: Clock;
  /** Redirect hops followed before the last 3xx response is returned as is. Default 10. */
  maxRedirects?: number;
  /**
   * Record and replay (stubs/recording.ts): asked about every call no stub matches, before
   * `onUnhandled` and the host policy; told the answer of every call that reached the network.
   */
  recording?: OutboundRecording;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

function buildStubRequest(request: TransportRequest): HttpStubRequest {
  const headers = canonicalHeaders(Object.entries(request.headers));
  const { path, query } = splitUrl(request.url);
  return {
    kind: 'http',
    method: request.method.toUpperCase(),
    url: request.url,
    path,
    query,
    headers,
    body: decodeBody(request.body, headers),
    rawBody: request.body,
    origin: request.origin,
  };
}

/**
 * Waits `delayMs`, honouring the call's timeout (a delay beyond it is a TimeoutError after
 * `timeoutMs`, as a slow server would be) and its abort signal (rejects with the reason).
 */
async function simulateDelay(delayMs: number, request: TransportRequest, clock: Clock): Promise<void> {
  if (delayMs <= 0) return;
  if (delayMs > request.timeoutMs) {
    await clock.sleep(request.timeoutMs, request.signal);
    throw new TransportError(
      'TimeoutError',
      `HTTP request timed out after ${request.timeoutMs / 1000}s: ${request.method} ${request.url} (the stub delays ${delayMs} ms)`,
    );
  }
  await clock.sleep(delayMs, request.signal);
}

function blockedMessage(request: TransportRequest, host: string): string {
  return (
    `No stub matches ${request.method.toUpperCase()} ${request.url} and ${host} is not an allowed host: ` +
    `register a stub (POST /emulator/v1/stubs {"method":"${request.method.toUpperCase()}","url":"${request.url}","status":200,"body":{}}) ` +
    `or start the emulator with --allow-host ${host}`
  );
}

function faultMessage(kind: TransportError['kind'], request: TransportRequest, stubId: string): string {
  const target = `${request.method.toUpperCase()} ${request.url}`;
  switch (kind) {
    case 'ConnectionFailedError':
      return `connection to ${target} failed (simulated by stub ${stubId})`;
    case 'ConnectionError':
      return `connection error during ${target} (simulated by stub ${stubId})`;
    case 'TimeoutError':
      return `HTTP request timed out: ${target} (simulated by stub ${stubId})`;
  }
}

export function createOutboundTransport(options: OutboundTransportOptions): HttpTransport {
  const { stubs, onUnhandled } = options;
  const allowHosts = options.allowHosts ?? [];
  const network = options.network ?? createFetchTransport({ followRedirects: false });
  const clock = options.clock ?? realClock;
  const maxRedirects = options.maxRedirects ?? 10;

  /** A stub's (or the recording's) answer: its delay, then the fault or the encoded response. */
  async function answer(
    request: TransportRequest,
    response: StubResponse,
    by: string,
    rec: RecordedRequest,
  ): Promise<TransportResponse> {
    try {
      await simulateDelay(response.delayMs ?? 0, request, clock);
    } catch (err) {
      rec.error = err instanceof Error ? err.message : String(err);
      throw err;
    }
    // A TimeoutError fault fires at once (after any delayMs) rather than after timeoutMs:
    // scripted retries should not make tests wait; use delayMs to simulate real slowness.
    if (response.fault) {
      const message = response.message ?? faultMessage(response.fault, request, by);
      rec.error = message;
      throw new TransportError(response.fault, message);
    }
    const { headers, body } = encodeStubBody(response.body, response.headers);
    const status = response.status ?? 200;
    rec.status = status;
    return { status, headers, body };
  }

  /** One hop: its request-log record is reported ended, with the response's start, when the hop ends. */
  async function sendOnce(request: TransportRequest): Promise<TransportResponse> {
    const made: { rec?: RecordedRequest } = {};
    const record = (r: Omit<RecordedRequest, 'id' | 'time'>): RecordedRequest => (made.rec = stubs.record(r));
    try {
      const response = await answerHop(request, record);
      if (made.rec)
        made.rec.response = responseExcerpt(response.body, response.headers, RESPONSE_EXCERPT_CHARS);
      return response;
    } finally {
      if (made.rec) stubs.ended(made.rec);
    }
  }

  async function answerHop(
    request: TransportRequest,
    record: (r: Omit<RecordedRequest, 'id' | 'time'>) => RecordedRequest,
  ): Promise<TransportResponse> {
    request.signal.throwIfAborted();
    const stubRequest = buildStubRequest(request);
    const { match, notes } = await stubs.find(stubRequest);
    const base: Omit<RecordedRequest, 'id' | 'time' | 'outcome' | 'stubId'> = {
      kind: 'http',
      method: stubRequest.method,
      url: request.url,
      connector: null,
      headers: stubRequest.headers,
      body: stubRequest.body,
      status: null,
      error: null,
      executionId: request.origin.executionId,
      workflowId: request.origin.workflowId,
      ...(request.origin.location !== undefined && { location: request.origin.location }),
      routine: request.origin.routine,
      step: request.origin.step,
      notes,
    };

    if (match) {
      let response;
      try {
        response = await match.respond();
      } catch (err) {
        const rec = record({ ...base, outcome: 'stub', stubId: match.stubId });
        rec.error = `stub ${match.stubId}: ${(err as Error).message}`;
        // A broken stub is the test author's problem, not a network condition: report it
        // as a SystemError so retry policies do not hide it.
        if (err instanceof StubEvaluationError) throw systemError(`stub ${match.stubId}: ${err.message}`);
        throw err;
      }
      return answer(
        request,
        response,
        match.stubId,
        record({ ...base, outcome: response.fault ? 'fault' : 'stub', stubId: match.stubId }),
      );
    }

    if (options.recording) {
      let found;
      try {
        found = await options.recording.lookup(stubRequest);
      } catch (err) {
        record({ ...base, outcome: 'replay', stubId: null, error: (err as Error).message });
        if (err instanceof StubEvaluationError) throw systemError(`recording: ${err.message}`);
        throw err;
      }
      if (found.kind === 'replay') {
        const rec = record({ ...base, outcome: 'replay', stubId: found.stubId });
        return answer(request, found.response, `${found.stubId} of the recording`, rec);
      }
      if (found.kind === 'miss') {
        record({ ...base, outcome: 'blocked', stubId: null, error: found.message });
        throw new TransportError('ConnectionFailedError', found.message);
      }
    }

    await onUnhandled?.(stubRequest);

    let url: URL | undefined;
    try {
      url = new URL(request.url);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      const message = `No stub matches ${request.method.toUpperCase()} ${request.url}, and it is not a valid http(s) URL`;
      record({ ...base, outcome: 'blocked', stubId: null, error: message });
      throw new TransportError('ConnectionFailedError', message);
    }
    // Checked on the parsed URL before anything touches the network: no DNS lookup
    // happens for a blocked host.
    if (!isLoopbackHost(url.hostname) && !hostAllowed(url, allowHosts)) {
      const message = blockedMessage(request, url.hostname);
      record({ ...base, outcome: 'blocked', stubId: null, error: message });
      throw new TransportError('ConnectionFailedError', message);
    }

    const rec = record({ ...base, outcome: 'network', stubId: null });
    try {
      const response = await network.send(request);
      rec.status = response.status;
      options.recording?.add(stubRequest, response);
      return response;
    } catch (err) {
      rec.error = err instanceof Error ? err.message : String(err);
      throw err;
    }
  }

  return {
    async send(request: TransportRequest): Promise<TransportResponse> {
      let current = request;
      for (let hop = 0; ; hop++) {
        const response = await sendOnce(current);
        const location = response.headers['Location'];
        if (!REDIRECT_STATUSES.has(response.status) || location === undefined || hop >= maxRedirects)
          return response;
        try {
          current = redirectRequest(current, response.status, location);
        } catch {
          return response; // an unparseable Location: hand the 3xx to the workflow
        }
      }
    },
  };
}

/** The next hop of a redirect, with fetch's rules for method, body and credentials. */
function redirectRequest(request: TransportRequest, status: number, location: string): TransportRequest {
  const next = new URL(location, request.url);
  const method = request.method.toUpperCase();
  const toGet = status === 303 ? method !== 'HEAD' : (status === 301 || status === 302) && method === 'POST';
  const headers: Record<string, string> = {};
  const crossOrigin = next.origin !== new URL(request.url).origin;
  for (const [k, v] of Object.entries(request.headers)) {
    const lower = k.toLowerCase();
    if (toGet && (lower === 'content-type' || lower === 'content-length')) continue;
    if (crossOrigin && (lower === 'authorization' || lower === 'cookie' || lower === 'proxy-authorization'))
      continue;
    headers[k] = v;
  }
  return {
    ...request,
    method: toGet ? 'GET' : request.method,
    url: next.href,
    headers,
    body: toGet ? undefined : request.body,
  };
}
