/** A TransportRequest for the transport tests: GET-like defaults that a test overrides. */
import type { CallOrigin, TransportRequest } from '../src/values/seams.js';

export function transportRequest(
  method: string,
  url: string,
  defaults: { timeoutMs: number; origin: CallOrigin },
  extra: Partial<TransportRequest> = {},
): TransportRequest {
  return { method, url, headers: {}, signal: new AbortController().signal, ...defaults, ...extra };
}
