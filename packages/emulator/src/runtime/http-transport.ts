/**
 * The real network transport: Node's fetch (undici) with the documented error mapping
 * (https://cloud.google.com/workflows/docs/reference/syntax/error-types): refused / DNS / unreachable / TLS handshake -> ConnectionFailedError,
 * reset / truncated after connecting -> ConnectionError, exceeding the timeout -> TimeoutError.
 *
 * It applies no host policy: the emulator wraps it in the stubs' outbound transport
 * (stubs/outbound-transport.ts), which decides what may reach the network.
 */
import {
  TransportError,
  type TransportRequest,
  type TransportResponse,
  type HttpTransport,
} from '../values/seams.js';
import { platformError, RaisedError } from '../values/raised-error.js';
import { canonicalHeaders } from '../stdlib/http-headers.js';

/** Documented maximum HTTP response size (https://cloud.google.com/workflows/docs/reference/stdlib/http/request, https://cloud.google.com/workflows/quotas). */
export const MAX_RESPONSE_BYTES = 2 * 1024 * 1024;

export interface FetchTransportOptions {
  /**
   * `true` (default) lets fetch follow redirects. The outbound transport turns this off
   * and follows redirects itself so that every hop passes the host policy again (a
   * loopback server must not be able to bounce a call to a production host).
   */
  followRedirects?: boolean;
  maxResponseBytes?: number;
}

const CONNECTION_FAILED_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NONAME',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_INVALID_URL',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  let e: unknown = err;
  for (let i = 0; i < 5 && e instanceof Error; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    // AggregateError (happy-eyeballs tried several addresses): any inner code will do.
    if (e instanceof AggregateError) {
      for (const inner of e.errors) {
        const c = (inner as { code?: unknown }).code;
        if (typeof c === 'string') codes.push(c);
      }
    }
    e = e.cause;
  }
  return codes;
}

function describe(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let i = 0; i < 5 && e instanceof Error; i++) {
    if (e.message && !parts.includes(e.message)) parts.push(e.message);
    e = e.cause;
  }
  return parts.join(': ') || String(err);
}

/**
 * Maps a fetch failure. `connected` says whether response headers had arrived: after that
 * any failure is a broken transfer (ConnectionError), never a failed connection.
 */
function mapFetchError(
  err: unknown,
  request: TransportRequest,
  timeoutSignal: AbortSignal,
  connected: boolean,
): unknown {
  if (request.signal.aborted) return request.signal.reason;
  if (err instanceof TransportError) return err;
  const target = `${request.method} ${request.url}`;
  if (timeoutSignal.aborted) {
    return new TransportError(
      'TimeoutError',
      `HTTP request timed out after ${request.timeoutMs / 1000}s: ${target}`,
      {
        cause: err,
      },
    );
  }
  const codes = errorCodes(err);
  if (
    !connected &&
    codes.some((c) => CONNECTION_FAILED_CODES.has(c) || c.startsWith('ERR_TLS') || c.includes('CERT'))
  ) {
    return new TransportError('ConnectionFailedError', `connection to ${target} failed: ${describe(err)}`, {
      cause: err,
    });
  }
  // ECONNRESET, UND_ERR_SOCKET ("other side closed"), "terminated", premature close...
  return new TransportError('ConnectionError', `connection error during ${target}: ${describe(err)}`, {
    cause: err,
  });
}

async function readLimited(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
  target: string,
): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      // Google documents the size limit (https://cloud.google.com/workflows/quotas) but not the tag:
      // ResourceLimitError is a choice. A catchable error, unlike internal limits such as the step
      // count: the workflow asked for this response and may handle it.
      throw platformError(
        'ResourceLimitError',
        `HTTP response exceeds ${limit / (1024 * 1024)} MB (the maximum response size): ${target}`,
      );
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

export function createFetchTransport(options: FetchTransportOptions = {}): HttpTransport {
  const followRedirects = options.followRedirects ?? true;
  const limit = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  return {
    async send(request: TransportRequest): Promise<TransportResponse> {
      request.signal.throwIfAborted();
      const timeoutSignal = AbortSignal.timeout(Math.max(1, request.timeoutMs));
      const signal = AbortSignal.any([request.signal, timeoutSignal]);
      const target = `${request.method} ${request.url}`;
      let connected = false;
      try {
        const res = await fetch(request.url, {
          method: request.method,
          headers: request.headers,
          // GET/HEAD with a body is a TypeError in fetch; the workflow's body is ignored there.
          body: request.body && !/^(GET|HEAD)$/i.test(request.method) ? request.body : undefined,
          redirect: followRedirects ? 'follow' : 'manual',
          signal,
        });
        connected = true;
        const headers = canonicalHeaders(res.headers);
        const body = await readLimited(res.body, limit, target);
        return { status: res.status, headers, body };
      } catch (err) {
        if (err instanceof RaisedError) throw err;
        throw mapFetchError(err, request, timeoutSignal, connected);
      }
    },
  };
}

/** The default network transport: follows redirects, 2 MB response limit. */
export const fetchTransport: HttpTransport = createFetchTransport();
