/**
 * Secrets in the outbound request log. Google redacts the `Authorization` header of HTTP calls
 * in its call logs (https://cloud.google.com/workflows/docs/log-workflow#call-logging); the
 * emulator's request log does the same for every credential-bearing header and query parameter,
 * with one fixed marker, unless raw values are asked for.
 */
import { REDACTED } from '../runtime/logging.js';
import type { RecordedRequest } from './registry.js';

/** The same marker as in call logs. */
export { REDACTED };

const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-auth-token',
  'x-goog-iap-jwt-assertion',
  'x-amz-security-token',
]);

/** `X-Api-Key`, `X-Goog-Api-Key`, `Api-Key`, `apikey`, `X_API_KEY`… */
const API_KEY_HEADER = /(^|[-_])api[-_]?key$/i;

const SECRET_PARAMS = new Set([
  'key',
  'api_key',
  'apikey',
  'api-key',
  'access_token',
  'id_token',
  'refresh_token',
  'token',
  'client_secret',
  'secret',
  'password',
  'sig',
  'signature',
  'x-goog-signature',
  'x-goog-credential',
  'x-amz-signature',
  'x-amz-credential',
  'x-amz-security-token',
]);

export function isSecretHeader(name: string): boolean {
  const n = name.toLowerCase();
  return SECRET_HEADERS.has(n) || API_KEY_HEADER.test(n);
}

export function isSecretParam(name: string): boolean {
  return SECRET_PARAMS.has(name.toLowerCase());
}

export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: [string, string][] = Object.entries(headers).map(([k, v]) => [
    k,
    isSecretHeader(k) ? REDACTED : v,
  ]);
  return Object.fromEntries(out);
}

/**
 * The URL with the values of secret query parameters replaced by the marker, written as is
 * (not percent-encoded) so it reads plainly; everything else is kept byte for byte.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const hash = url.indexOf('#', q);
  const query = url.slice(q + 1, hash === -1 ? undefined : hash);
  const parts = query.split('&').map((part) => {
    const eq = part.indexOf('=');
    if (eq === -1) return part;
    let name: string;
    try {
      name = decodeURIComponent(part.slice(0, eq).replace(/\+/g, ' '));
    } catch {
      name = part.slice(0, eq);
    }
    return isSecretParam(name) ? `${part.slice(0, eq)}=${REDACTED}` : part;
  });
  return `${url.slice(0, q + 1)}${parts.join('&')}${hash === -1 ? '' : url.slice(hash)}`;
}

/** A copy of a log record with secret header values and query parameters replaced. */
export function redactRecord(r: RecordedRequest): RecordedRequest {
  return { ...r, headers: redactHeaders(r.headers), url: r.url === null ? null : redactUrl(r.url) };
}
