/**
 * Google's JSON wire conventions (proto3 JSON mapping): RFC 3339 timestamps with
 * nanoseconds, duration strings, enums by name or number, opaque page tokens.
 */
import { excerpt, invalidArgument } from './api-error.js';

export {
  CALL_LOG_LEVELS,
  EXECUTION_HISTORY_LEVELS,
  EXECUTION_STATES,
  WORKFLOW_STATES,
} from '../store/types.js';
export { STEP_ENTRY_STATES, STEP_TYPES } from '../runtime/api.js';

/**
 * Formats epoch milliseconds (fractional part allowed) as RFC 3339 UTC with 9 fractional
 * digits. A Date only has milliseconds; the clock gives sub-millisecond precision, the rest
 * is zero padding.
 */
export function formatTimestamp(ms: number): string {
  let whole = Math.floor(ms);
  let subNanos = Math.round((ms - whole) * 1e6);
  if (subNanos >= 1e6) {
    whole += 1;
    subNanos -= 1e6;
  }
  const iso = new Date(whole).toISOString(); // 2026-01-02T03:04:05.123Z
  const nanos = (whole - Math.floor(whole / 1000) * 1000) * 1e6 + subNanos;
  return `${iso.slice(0, 19)}.${String(nanos).padStart(9, '0')}Z`;
}

const TIMESTAMP_RE = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 timestamp into epoch milliseconds (fractional), or undefined. */
export function parseTimestamp(text: string): number | undefined {
  const m = TIMESTAMP_RE.exec(text);
  if (!m) return undefined;
  const [, date, time, frac = '', zone = 'Z'] = m;
  const base = Date.parse(`${date}T${time}${zone.toUpperCase()}`);
  if (Number.isNaN(base)) return undefined;
  return base + (frac ? Number(frac.padEnd(9, '0')) / 1e6 : 0);
}

/** Formats a duration in milliseconds as `"0.045667818s"` (9 fractional digits unless whole seconds). */
export function formatDuration(ms: number): string {
  const totalNanos = Math.max(0, Math.round(ms * 1e6));
  const seconds = Math.floor(totalNanos / 1e9);
  const nanos = totalNanos - seconds * 1e9;
  return nanos === 0 ? `${seconds}s` : `${seconds}.${String(nanos).padStart(9, '0')}s`;
}

/** Parses `"1.5s"` (or a bare number of seconds) into milliseconds, or undefined. */
export function parseDuration(text: string): number | undefined {
  const m = /^(-?\d+(?:\.\d{1,9})?)s?$/.exec(text.trim());
  return m ? Number(m[1]) * 1000 : undefined;
}

/**
 * Decodes an enum field sent as a name or as its number (`$alt=json;enum-encoding=int`
 * makes the official client send numbers). `names[i]` is the name of number `i`.
 */
export function decodeEnum<T extends string>(
  field: string,
  value: unknown,
  names: readonly T[],
): T | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < names.length)
    return names[value];
  if (typeof value === 'string') {
    if ((names as readonly string[]).includes(value)) return value as T;
    if (/^\d+$/.test(value)) return decodeEnum(field, Number(value), names);
  }
  throw invalidArgument(
    `Invalid value at '${field}' (${excerpt(JSON.stringify(value) ?? typeof value)}): expected one of ${names.join(', ')}`,
  );
}

export const EXECUTION_VIEWS = ['EXECUTION_VIEW_UNSPECIFIED', 'BASIC', 'FULL'] as const;
export const STEP_ENTRY_VIEWS = [
  'EXECUTION_ENTRY_VIEW_UNSPECIFIED',
  'EXECUTION_ENTRY_VIEW_BASIC',
  'EXECUTION_ENTRY_VIEW_DETAILED',
] as const;

/** Reads one query parameter as a string (repeated parameters: the last one wins). */
export function queryString(query: Record<string, unknown>, name: string): string | undefined {
  const v = query[name];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) {
    const last: unknown = v[v.length - 1];
    return typeof last === 'string' ? last : undefined;
  }
  return typeof v === 'string' ? v : undefined;
}

/** `pageSize`: absent or 0 → the default; negative → INVALID_ARGUMENT; above max → coerced to max. */
export function readPageSize(query: Record<string, unknown>, defaultSize: number, maxSize: number): number {
  const raw = queryString(query, 'pageSize');
  if (raw === undefined || raw === '') return defaultSize;
  if (!/^-?\d+$/.test(raw))
    throw invalidArgument(`Invalid value at 'page_size' (TYPE_INT32), "${excerpt(raw)}"`);
  const n = Number(raw);
  if (n < 0) throw invalidArgument('page_size must not be negative');
  if (n === 0) return defaultSize;
  return Math.min(n, maxSize);
}

interface PageTokenPayload {
  o: number;
  q: string;
}

/**
 * Page tokens are opaque to callers: the offset of the next item plus a fingerprint of the
 * query, because the API requires the other list parameters to match the call that produced
 * the token.
 */
export function encodePageToken(offset: number, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ o: offset, q: fingerprint } satisfies PageTokenPayload)).toString(
    'base64url',
  );
}

export function decodePageToken(token: string | undefined, fingerprint: string): number {
  if (!token) return 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalidArgument('The page token is invalid.');
  }
  const p = parsed as Partial<PageTokenPayload> | null;
  if (!p || typeof p.o !== 'number' || !Number.isInteger(p.o) || p.o < 0 || typeof p.q !== 'string') {
    throw invalidArgument('The page token is invalid.');
  }
  if (p.q !== fingerprint) {
    throw invalidArgument(
      'The page token does not match the other list parameters of the request that produced it.',
    );
  }
  return p.o;
}

/** Slices a fully ordered list into one page. */
export function paginate<T>(
  items: readonly T[],
  query: Record<string, unknown>,
  opts: { defaultSize: number; maxSize: number; fingerprint: string },
): { page: T[]; nextPageToken?: string } {
  const size = readPageSize(query, opts.defaultSize, opts.maxSize);
  const offset = decodePageToken(queryString(query, 'pageToken'), opts.fingerprint);
  const page = items.slice(offset, offset + size);
  const next = offset + size;
  return next < items.length ? { page, nextPageToken: encodePageToken(next, opts.fingerprint) } : { page };
}

// Label rules (https://cloud.google.com/workflows/quotas): ≤ 64 labels; keys start with a lowercase letter; keys and
// values ≤ 63 characters of lowercase letters, digits, `_` and `-`. International lowercase
// letters are allowed by Google's label rules, hence the Unicode classes.
const LABEL_KEY_RE = /^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u;
const LABEL_VALUE_RE = /^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u;

export function validateLabels(labels: Record<string, string>): void {
  const keys = Object.keys(labels);
  if (keys.length > 64) throw invalidArgument(`A resource may have at most 64 labels, got ${keys.length}`);
  for (const k of keys) {
    if (!LABEL_KEY_RE.test(k))
      throw invalidArgument(
        `Invalid label key "${excerpt(k)}": keys must start with a lowercase letter and contain at most 63 lowercase letters, digits, underscores and dashes`,
      );
    const v = labels[k] ?? '';
    if (!LABEL_VALUE_RE.test(v))
      throw invalidArgument(
        `Invalid value "${excerpt(v)}" for label "${excerpt(k)}": values may contain at most 63 lowercase letters, digits, underscores and dashes`,
      );
  }
}
