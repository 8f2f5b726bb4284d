/**
 * `requestBody` of a stub: the call matches when its decoded body (connector calls: their args)
 * equals the given value. Recordings write it for every call, so equality must ignore what a
 * recording cannot keep: map key order (recordings sort keys), secrets (written as `<redacted>`)
 * and fields the user chose not to match on (written as `<ignored>`). Both markers match any
 * value at their place, as WireMock's `${json-unit.ignore}` placeholder does.
 */
import { REDACTED } from './redact.js';

/** Written in place of a body field that is not matched on (a time stamp, a nonce). */
export const IGNORED = '<ignored>';

const isMarker = (v: unknown): boolean => v === REDACTED || v === IGNORED;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/**
 * Deep equality of JSON values where a marker in `expected` matches anything. Iterative: bodies
 * may nest 1000 levels (MAX_STUB_BODY_DEPTH), deeper than a recursive walk should go.
 */
export function requestBodyMatches(expected: unknown, actual: unknown): boolean {
  const stack: [unknown, unknown][] = [[expected, actual]];
  while (stack.length > 0) {
    const [e, a] = stack.pop()!;
    if (isMarker(e)) continue;
    if (Array.isArray(e)) {
      if (!Array.isArray(a) || a.length !== e.length) return false;
      e.forEach((item, i) => stack.push([item, a[i]]));
      continue;
    }
    if (isRecord(e)) {
      if (!isRecord(a)) return false;
      const keys = Object.keys(e);
      if (keys.length !== Object.keys(a).length) return false;
      for (const k of keys) {
        if (!Object.hasOwn(a, k)) return false;
        stack.push([e[k], a[k]]);
      }
      continue;
    }
    if (typeof e === 'string' && typeof a === 'string' && e !== a) {
      if (!formMatches(e, a)) return false;
      continue;
    }
    if (e !== a) return false;
  }
  return true;
}

/**
 * Form-encoded text (`user=ann&password=<redacted>`) with a marker for a value: the fields must
 * come in the same order with the same names, and equal values where no marker stands.
 */
function formMatches(expected: string, actual: string): boolean {
  if (!expected.includes(REDACTED) && !expected.includes(IGNORED)) return false;
  const e = expected.split('&');
  const a = actual.split('&');
  if (e.length !== a.length) return false;
  return e.every((part, i) => {
    const other = a[i]!;
    const eq = part.indexOf('=');
    if (eq === -1 || !isMarker(part.slice(eq + 1))) return part === other;
    return other.startsWith(part.slice(0, eq + 1));
  });
}
