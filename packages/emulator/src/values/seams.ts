/**
 * The seams through which an execution touches the outside world: interfaces only, at the
 * bottom of the layers so that every layer can name them. The emulator wires real
 * implementations (runtime/default-seams.ts, stubs/); the testing package swaps in stubs and a
 * virtual clock.
 */
import type { Value } from './types.js';

/** Where an outbound call comes from (recorded with stubbed requests). */
export interface CallOrigin {
  executionId: string;
  workflowId: string;
  /** Project ID and location of the calling execution. */
  projectId?: string;
  location?: string;
  routine: string;
  step: string;
}

export interface TransportRequest {
  method: string;
  url: string;
  /** Header names as the workflow wrote them. */
  headers: Record<string, string>;
  body?: Uint8Array;
  timeoutMs: number;
  signal: AbortSignal;
  origin: CallOrigin;
}

export interface TransportResponse {
  status: number;
  /** Header names in canonical MIME case (`Content-Type`). */
  headers: Record<string, string>;
  body: Uint8Array;
}

export type TransportFailureKind = 'ConnectionFailedError' | 'ConnectionError' | 'TimeoutError';

/** Thrown by an HttpTransport for network failures; the executor turns it into the tagged error. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly kind: TransportFailureKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The only way a workflow reaches the network. */
export interface HttpTransport {
  send(request: TransportRequest): Promise<TransportResponse>;
}

/**
 * A connector the emulator can answer itself when no stub matches (e.g. running a child workflow
 * through the Workflow Executions connector). Keyed by connector name.
 */
export type BuiltinConnector = (args: Value, origin: CallOrigin, signal: AbortSignal) => Promise<Value>;

/** Answers `googleapis.*` connector calls (there is no real Google behind the emulator). */
export interface ConnectorHandler {
  /** Returns the connector's result, or throws a RaisedError (e.g. an HttpError map). */
  call(name: string, args: Value, origin: CallOrigin, signal: AbortSignal): Promise<Value>;
}

/** A request delivered to a callback endpoint. */
export interface CallbackRequest {
  method: string;
  /** The full URL the request was sent to. */
  url: string;
  headers: Record<string, string>;
  query: Record<string, string[]>;
  /** JSON bodies arrive decoded; other bodies as a string (null when empty). */
  body: Value;
  receivedAt: Date;
}

export interface CallbackInfo {
  /** `{executionName}/callbacks/{id}` */
  name: string;
  id: string;
  method: string;
  url: string;
  waiters: number;
  availablePayloads: number;
}

/**
 * Callback endpoints as `events.create_callback_endpoint` and `events.await_callback` use them
 * (implemented by CallbackHub; the server delivers the incoming requests).
 */
export interface CallbackEndpoints {
  create(executionName: string, method: string, id?: string): CallbackInfo;
  /** Finds a callback by the URL the workflow handed out (the `url` field of the endpoint map). */
  findByUrl(url: string): CallbackInfo | undefined;
  /** The next request to the callback; null on time-out; rejects with the signal's reason when aborted. */
  await(
    executionName: string,
    callbackId: string,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<CallbackRequest | null>;
}

export interface Clock {
  /** Milliseconds since the Unix epoch, with sub-millisecond precision where available. */
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface IdSource {
  /** A lowercase hyphenated UUID v4. */
  uuid(): string;
}

/** The severities of Cloud Logging, which `sys.log` accepts (https://cloud.google.com/workflows/docs/reference/stdlib/sys/log). */
export const LOG_SEVERITIES = [
  'DEFAULT',
  'DEBUG',
  'INFO',
  'NOTICE',
  'WARNING',
  'ERROR',
  'CRITICAL',
  'ALERT',
  'EMERGENCY',
] as const;
export type LogSeverity = (typeof LOG_SEVERITIES)[number];

export interface LogEntry {
  severity: LogSeverity;
  /** A string (textPayload) or a JSON-compatible value (jsonPayload). */
  payload: Value;
  executionId: string;
  workflowId: string;
  timestamp: Date;
}

export interface Logger {
  log(entry: LogEntry): void;
}
