/**
 * The stubs and the log of outbound calls, shared by the outbound HTTP transport, the
 * connector handler and the admin API.
 *
 * Matching rule: stubs are tried newest first and the first one that matches answers.
 * A later registration therefore overrides an earlier, broader one (as msw's `use()`
 * prepends handlers), and a test can layer a specific stub over a file's defaults
 * without removing anything. A stub with `times` stops matching once used up, so the
 * next older matching stub takes over.
 */
import { claimId } from '../runtime/fresh-id.js';
import type jsonata from 'jsonata';
import type { CallOrigin, TransportFailureKind } from '../values/seams.js';
import {
  compileJsonata,
  parseStubDefinition,
  type StubDefinition,
  type StubResponseDefinition,
} from './schema.js';
import { UrlPattern, globMatch, methodMatches } from './pattern.js';
import { redactRecord } from './redact.js';
import { requestBodyMatches } from './request-body.js';

/** What an HTTP stub sees of an outbound call. `body` is decoded (JSON, text, or base64 for binary). */
export interface HttpStubRequest {
  kind: 'http';
  method: string;
  url: string;
  path: string;
  query: Record<string, string | string[]>;
  /** Canonical MIME-case names. */
  headers: Record<string, string>;
  body: unknown;
  /** The body bytes as sent, for programmatic stubs. */
  rawBody: Uint8Array | undefined;
  origin: CallOrigin;
}

/** What a connector stub sees of a `googleapis.*` call; `args` is plain JSON. */
export interface ConnectorStubRequest {
  kind: 'connector';
  name: string;
  args: unknown;
  origin: CallOrigin;
}

export type StubRequest = HttpStubRequest | ConnectorStubRequest;

/**
 * A stub's answer. `body` is a JSON value, a string (sent verbatim under a non-JSON
 * content type) or, from programmatic stubs, raw bytes.
 */
export type StubResponse =
  | { status?: number; headers?: Record<string, string>; body?: unknown; delayMs?: number; fault?: undefined }
  | { fault: TransportFailureKind; message?: string; delayMs?: number };

/** A stub answered by code (the testing package), with the same matching fields as a definition. */
export interface ProgrammaticStub {
  id?: string;
  /** HTTP method; undefined or `*` for any. */
  method?: string;
  /** URL pattern (see StubDefinition.url); exactly one of url / connector. */
  url?: string;
  /** Connector call name pattern. */
  connector?: string;
  times?: number;
  /** A JSONata expression over the request, or a predicate. */
  match?: string | ((request: StubRequest) => boolean | Promise<boolean>);
  /** Shown by `list()` and in unhandled-request messages. */
  description?: string;
  resolve(request: StubRequest, callNumber: number): StubResponse | Promise<StubResponse>;
}

/** A stub as `GET /emulator/v1/stubs` shows it. */
export interface StubInfo {
  id: string;
  kind: 'http' | 'connector';
  /** Times the stub has answered. */
  calls: number;
  programmatic: boolean;
  method?: string;
  url?: string;
  connector?: string;
  times?: number;
  description?: string;
  [field: string]: unknown;
}

/**
 * 'emulated': a connector the emulator answered itself (a child workflow run); 'replay': answered
 * from a recording (stubId: its stub in the recording); 'mocked': a step mock answered the call
 * step, and no call was made (stepMockId: the mock).
 */
export type RequestOutcome = 'stub' | 'network' | 'blocked' | 'fault' | 'emulated' | 'replay' | 'mocked';

/** One outbound call as `GET /emulator/v1/requests` shows it. */
export interface RecordedRequest {
  id: string;
  /** RFC 3339 time the call was made. */
  time: string;
  kind: 'http' | 'connector';
  /** HTTP method; null for connector calls. */
  method: string | null;
  /** Request URL; null for connector calls. */
  url: string | null;
  /** Connector call name; null for HTTP calls. */
  connector: string | null;
  headers: Record<string, string>;
  /** Decoded body (JSON value when the content type is JSON, else text); connector args. */
  body: unknown;
  stubId: string | null;
  /** The step mock that answered instead of the call (outcome 'mocked'). */
  stepMockId?: string;
  outcome: RequestOutcome;
  /** Response status, once known (null for faults, blocked and failed calls). */
  status: number | null;
  /** Failure text (fault, blocked call, network error), else null. */
  error: string | null;
  executionId: string;
  workflowId: string;
  /** Location of the calling execution, when known. */
  location?: string;
  routine: string;
  step: string;
  /**
   * The start of the response the workflow got (its body as text, at most
   * RESPONSE_EXCERPT_CHARS characters), once the call has ended with one.
   */
  response?: string;
  /** Problems met while matching (e.g. a `match` expression that failed to evaluate). */
  notes?: string[];
}

/** How much of a response body the request log keeps. */
export const RESPONSE_EXCERPT_CHARS = 2048;

/** What a request-log listener is told: a call was recorded, or its record is complete. */
export type RequestLogListener = (record: RecordedRequest, phase: 'started' | 'ended') => void;

export interface StubRegistryOptions {
  /** The request log keeps the most recent calls only. Default 1000. */
  maxRecordedRequests?: number;
  /** Clock for request timestamps. */
  now?: () => Date;
}

interface Entry {
  id: string;
  kind: 'http' | 'connector';
  method: string | undefined;
  url: UrlPattern | undefined;
  connector: string | undefined;
  times: number | undefined;
  calls: number;
  programmatic: boolean;
  matchRequest: ((request: StubRequest) => Promise<boolean>) | undefined;
  /** `requestBody` of a definition: the decoded body must equal it (see request-body.ts). */
  requestBody?: { value: unknown };
  resolve: (request: StubRequest, callNumber: number) => Promise<StubResponse>;
  info: () => Record<string, unknown>;
}

/** A matched stub; `respond()` computes its response for this call. */
export interface StubMatch {
  stubId: string;
  callNumber: number;
  respond(): Promise<StubResponse>;
}

export interface FindResult {
  match: StubMatch | undefined;
  notes: string[];
}

/** A stub's JSONata expression failed while computing the response. */
export class StubEvaluationError extends Error {
  override readonly name = 'StubEvaluationError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The input JSONata expressions see: `{method,url,path,query,headers,body}` or `{name,args}`. */
export function jsonataInput(request: StubRequest): unknown {
  if (request.kind === 'connector') return { name: request.name, args: request.args };
  const { method, url, path, query, headers, body } = request;
  return { method, url, path, query, headers, body };
}

/** JSONata truthiness as users expect it from `match`: empty results and falsy scalars do not match. */
function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0 && v.some(truthy);
  return true;
}

function compile(expr: string): jsonata.Expression {
  return compileJsonata(expr);
}

function staticResolver(def: StubDefinition): Entry['resolve'] {
  const bodyExpr = def.bodyExpression !== undefined ? compile(def.bodyExpression) : undefined;
  const perResponseExprs = new Map<StubResponseDefinition, jsonata.Expression>();
  for (const r of def.responses ?? [])
    if (r.bodyExpression !== undefined) perResponseExprs.set(r, compile(r.bodyExpression));

  return async (request, callNumber) => {
    const responses = def.responses;
    const entry = responses ? responses[Math.min(callNumber, responses.length) - 1] : undefined;
    const entryRaw = entry && rawBody(entry);
    // An entry that sets its own status or body is a response, whatever the top-level fault says.
    const entryAnswers =
      entry !== undefined &&
      (entry.status !== undefined || entry.body !== undefined || entryRaw !== undefined);
    const fault = entry?.fault ?? (entryAnswers ? undefined : def.fault);
    const delayMs = entry?.delayMs ?? def.delayMs;
    if (fault) return { fault, delayMs };
    const status = entry?.status ?? def.status;
    const headers = entry?.headers ?? def.headers;
    const ownsBody = entry !== undefined && (entry.body !== undefined || entry.bodyExpression !== undefined);
    const raw = entryRaw ?? (ownsBody ? undefined : rawBody(def));
    if (raw !== undefined) return { status, headers, body: raw, delayMs };
    const expr = entry
      ? (perResponseExprs.get(entry) ?? (entry.body === undefined ? bodyExpr : undefined))
      : bodyExpr;
    let body: unknown = entry && entry.body !== undefined ? entry.body : def.body;
    if (expr) {
      try {
        body = await expr.evaluate(jsonataInput(request), undefined);
      } catch (err) {
        throw new StubEvaluationError(`bodyExpression failed: ${(err as Error).message}`, { cause: err });
      }
    }
    return { status, headers, body, delayMs };
  };
}

/** `bodyText` / `bodyBase64` as the bytes to send, or undefined when neither is given. */
function rawBody(d: {
  bodyText?: string | undefined;
  bodyBase64?: string | undefined;
}): Uint8Array | undefined {
  if (d.bodyText !== undefined) return new TextEncoder().encode(d.bodyText);
  if (d.bodyBase64 !== undefined) return new Uint8Array(Buffer.from(d.bodyBase64, 'base64'));
  return undefined;
}

function jsonataPredicate(expr: string): (request: StubRequest) => Promise<boolean> {
  const compiled = compile(expr);
  return async (request) => {
    return truthy(await compiled.evaluate(jsonataInput(request), undefined));
  };
}

export class StubRegistry {
  private entries: Entry[] = [];
  /** The request log is `log.slice(logStart)`: dropping the oldest moves `logStart`, compacting now and then. */
  private log: RecordedRequest[] = [];
  private logStart = 0;
  private nextStub = 1;
  private nextRequest = 1;
  private evictedRequests = 0;
  /** The request log keeps this many records, the most recent. */
  readonly maxRecordedRequests: number;
  private readonly now: () => Date;
  private readonly requestListeners = new Set<RequestLogListener>();

  constructor(options: StubRegistryOptions = {}) {
    this.maxRecordedRequests = options.maxRecordedRequests ?? 1000;
    if (!Number.isSafeInteger(this.maxRecordedRequests) || this.maxRecordedRequests < 1)
      throw new RangeError(`maxRecordedRequests must be a positive integer, got ${this.maxRecordedRequests}`);
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Validates and registers a stub definition (throws StubValidationError). A definition
   * whose `id` is already registered replaces that stub.
   */
  add(def: unknown): StubInfo {
    const d = parseStubDefinition(def);
    const id = this.claimId(d.id);
    const entry: Entry = {
      id,
      kind: d.connector !== undefined ? 'connector' : 'http',
      method: d.method,
      url: d.url !== undefined ? new UrlPattern(d.url) : undefined,
      connector: d.connector,
      times: d.times,
      calls: 0,
      programmatic: false,
      matchRequest: d.match !== undefined ? jsonataPredicate(d.match) : undefined,
      ...(d.requestBody !== undefined && { requestBody: { value: d.requestBody } }),
      resolve: staticResolver(d),
      info: () => ({ ...d, id }),
    };
    this.entries.push(entry);
    return this.describe(entry);
  }

  /** Validates several definitions and registers all of them, or none. */
  addAll(defs: readonly unknown[]): StubInfo[] {
    defs.forEach((d, i) => parseStubDefinition(d, `stub at index ${i}`));
    return defs.map((d) => this.add(d));
  }

  /** Registers a stub answered by code. */
  addHandler(handler: ProgrammaticStub): StubInfo {
    if ((handler.url === undefined) === (handler.connector === undefined)) {
      throw new TypeError('a programmatic stub needs exactly one of url or connector');
    }
    const id = this.claimId(handler.id);
    const match = handler.match;
    const entry: Entry = {
      id,
      kind: handler.connector !== undefined ? 'connector' : 'http',
      method: handler.method?.toUpperCase(),
      url: handler.url !== undefined ? new UrlPattern(handler.url) : undefined,
      connector: handler.connector,
      times: handler.times,
      calls: 0,
      programmatic: true,
      matchRequest:
        match === undefined
          ? undefined
          : typeof match === 'string'
            ? jsonataPredicate(match)
            : async (r) => Boolean(await match(r)),
      resolve: async (request, n) => handler.resolve(request, n),
      info: () => ({
        id,
        method: handler.method?.toUpperCase(),
        url: handler.url,
        connector: handler.connector,
        times: handler.times,
        match: typeof match === 'function' ? '<function>' : match,
        description: handler.description,
      }),
    };
    this.entries.push(entry);
    return this.describe(entry);
  }

  list(): StubInfo[] {
    return this.entries.map((e) => this.describe(e));
  }

  remove(id: string): boolean {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.id !== id);
    return this.entries.length !== before;
  }

  /** Removes every stub (ids start again at stub-1). */
  clear(): void {
    this.entries = [];
    this.nextStub = 1;
  }

  /**
   * The log, oldest first. Credentials (Authorization, Cookie, API-key headers, secret query
   * parameters) are replaced by `<redacted>` unless `redact: false`.
   */
  requests(options: { redact?: boolean } = {}): RecordedRequest[] {
    const copy = structuredClone(this.log.slice(this.logStart));
    return options.redact === false ? copy : copy.map(redactRecord);
  }

  clearRequests(): void {
    this.log = [];
    this.logStart = 0;
    this.nextRequest = 1;
    this.evictedRequests = 0;
  }

  /** Records in the log, and records dropped from it (oldest first) since the last clear. */
  requestLogSize(): { retained: number; evicted: number } {
    return { retained: this.log.length - this.logStart, evicted: this.evictedRequests };
  }

  reset(): void {
    this.clear();
    this.clearRequests();
  }

  /**
   * Finds the newest stub matching the request and counts the use. JSONata `match`
   * expressions that fail to evaluate count as "no match" and are reported in `notes`.
   */
  async find(request: StubRequest): Promise<FindResult> {
    const notes: string[] = [];
    const candidates = [...this.entries].reverse();
    for (const e of candidates) {
      if (!this.staticMatch(e, request)) continue;
      if (e.matchRequest) {
        let ok: boolean;
        try {
          ok = await e.matchRequest(request);
        } catch (err) {
          notes.push(`${e.id}: match failed: ${(err as Error).message}`);
          continue;
        }
        if (!ok) continue;
        // The await let other calls run: check again that the stub is still there and not
        // used up, and count the use in the same tick so `times` holds under concurrency.
        if (!this.entries.includes(e) || !this.staticMatch(e, request)) continue;
      }
      const callNumber = ++e.calls;
      return { match: { stubId: e.id, callNumber, respond: () => e.resolve(request, callNumber) }, notes };
    }
    return { match: undefined, notes };
  }

  /**
   * Appends to the request log; the returned record may be updated until the call ends, when
   * the caller reports it with `ended`.
   */
  record(r: Omit<RecordedRequest, 'id' | 'time'>): RecordedRequest {
    const rec: RecordedRequest = { id: `req-${this.nextRequest++}`, time: this.now().toISOString(), ...r };
    if (rec.notes && rec.notes.length === 0) delete rec.notes;
    if (rec.location === undefined) delete rec.location;
    this.log.push(rec);
    if (this.log.length - this.logStart > this.maxRecordedRequests) {
      this.logStart++;
      this.evictedRequests++;
      // Compacting only once the dropped half is as long as the kept one keeps recording O(1).
      if (this.logStart >= this.maxRecordedRequests) {
        this.log = this.log.slice(this.logStart);
        this.logStart = 0;
      }
    }
    this.tell(rec, 'started');
    return rec;
  }

  /** The call of a record returned by `record` has ended (its status, error or response is final). */
  ended(rec: RecordedRequest): void {
    this.tell(rec, 'ended');
  }

  /**
   * Calls `listener` when a call is recorded and when it ends, with the live record (copy what
   * you keep). Returns the function that stops it.
   */
  onRequest(listener: RequestLogListener): () => void {
    this.requestListeners.add(listener);
    return () => this.requestListeners.delete(listener);
  }

  private tell(rec: RecordedRequest, phase: 'started' | 'ended'): void {
    for (const l of this.requestListeners) {
      try {
        l(rec, phase);
      } catch {
        // A listener never breaks an outbound call.
      }
    }
  }

  private staticMatch(e: Entry, request: StubRequest): boolean {
    if (e.times !== undefined && e.calls >= e.times) return false;
    if (
      e.requestBody &&
      !requestBodyMatches(e.requestBody.value, request.kind === 'http' ? request.body : request.args)
    )
      return false;
    if (request.kind === 'connector') {
      return e.kind === 'connector' && e.connector !== undefined && globMatch(e.connector, request.name);
    }
    return (
      e.kind === 'http' &&
      methodMatches(e.method, request.method) &&
      e.url !== undefined &&
      e.url.test(request.url)
    );
  }

  private claimId(wanted: string | undefined): string {
    return claimId(
      wanted,
      () => `stub-${this.nextStub++}`,
      (id) => this.entries.some((e) => e.id === id),
      (id) => this.remove(id),
    );
  }

  private describe(e: Entry): StubInfo {
    const info: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(e.info())) if (v !== undefined) info[k] = v;
    return {
      ...info,
      id: e.id,
      kind: e.kind,
      programmatic: e.programmatic,
      calls: e.calls,
    };
  }
}
