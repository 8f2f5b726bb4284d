/**
 * What a stub resolver answers, in msw's vocabulary: `HttpResponse.json()`, `.text()`,
 * `new HttpResponse(body, init)`, and `HttpResponse.error()` for network failures, which the
 * workflow sees as the matching Workflows error tag.
 */
import type { StubResponse } from '@workflows-kit/emulator';
import type { TransportFailureKind } from '@workflows-kit/emulator/seams';
import { toMilliseconds, type Duration } from './duration.js';

export type NetworkErrorKind = TransportFailureKind;

export interface HttpResponseInit {
  /** Default 200. */
  status?: number;
  headers?: Record<string, string> | [string, string][] | Headers;
  /**
   * Answer after this long (virtual time, so instantly in a test). A delay beyond the call's
   * `timeout` becomes a TimeoutError, as a slow server would.
   */
  delay?: Duration;
}

const NETWORK_ERROR_KINDS: readonly NetworkErrorKind[] = [
  'ConnectionFailedError',
  'ConnectionError',
  'TimeoutError',
];

function headerRecord(init: HttpResponseInit['headers']): Record<string, string> {
  if (!init) return {};
  if (init instanceof Headers) return Object.fromEntries(init.entries());
  if (Array.isArray(init)) return Object.fromEntries(init);
  return { ...init };
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  const want = name.toLowerCase();
  return Object.keys(headers).some((k) => k.toLowerCase() === want);
}

function checkStatus(status: number | undefined): number {
  const s = status ?? 200;
  if (!Number.isInteger(s) || s < 100 || s > 599) throw new RangeError(`HttpResponse: invalid status ${s}`);
  return s;
}

export class HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** A JSON value (with a JSON content type), a string, or bytes. */
  readonly body: unknown;
  /** Set by `HttpResponse.error()`: the call fails with this Workflows error tag instead of answering. */
  readonly networkError: NetworkErrorKind | undefined;
  readonly errorMessage: string | undefined;
  readonly delayMs: number | undefined;

  /** Like the Fetch `Response`: a string body is `text/plain` unless a content type is given. */
  constructor(body?: string | Uint8Array | ArrayBuffer | null, init: HttpResponseInit = {}) {
    const headers = headerRecord(init.headers);
    let value: unknown = body ?? undefined;
    if (body instanceof ArrayBuffer) value = new Uint8Array(body);
    if (typeof value === 'string' && !hasHeader(headers, 'content-type')) {
      headers['Content-Type'] = 'text/plain;charset=UTF-8';
    }
    this.status = checkStatus(init.status);
    this.headers = headers;
    this.body = value;
    this.networkError = undefined;
    this.errorMessage = undefined;
    this.delayMs = init.delay === undefined ? undefined : toMilliseconds(init.delay);
  }

  /** A JSON body; `Content-Type: application/json` unless `init.headers` sets one. */
  static json(body: unknown, init: HttpResponseInit = {}): HttpResponse {
    const headers = headerRecord(init.headers);
    if (!hasHeader(headers, 'content-type')) headers['Content-Type'] = 'application/json';
    const r = new HttpResponse(null, { ...init, headers });
    return Object.assign(r, { body: body === undefined ? null : body });
  }

  /** A text body; `Content-Type: text/plain;charset=UTF-8` unless `init.headers` sets one. */
  static text(body: string, init: HttpResponseInit = {}): HttpResponse {
    return new HttpResponse(body, init);
  }

  /**
   * A network failure instead of a response: `ConnectionFailedError` (refused, DNS: the
   * default), `ConnectionError` (reset mid-call) or `TimeoutError`. The workflow's step fails
   * with that tag, and retry policies such as `http.default_retry` apply as they would in GCP.
   */
  static error(kind: NetworkErrorKind = 'ConnectionFailedError', message?: string): HttpResponse {
    if (!NETWORK_ERROR_KINDS.includes(kind)) {
      throw new TypeError(
        `HttpResponse.error: kind must be one of ${NETWORK_ERROR_KINDS.join(', ')}, got ${String(kind)}`,
      );
    }
    const r = new HttpResponse(null);
    return Object.assign(r, { networkError: kind, errorMessage: message });
  }

  /** @internal The emulator's stub response. */
  toStubResponse(): StubResponse {
    if (this.networkError) {
      return {
        fault: this.networkError,
        ...(this.errorMessage !== undefined && { message: this.errorMessage }),
        ...(this.delayMs !== undefined && { delayMs: this.delayMs }),
      };
    }
    return {
      status: this.status,
      headers: { ...this.headers },
      ...(this.body !== undefined && { body: this.body }),
      ...(this.delayMs !== undefined && { delayMs: this.delayMs }),
    };
  }
}
