/** `time.*` (https://cloud.google.com/workflows/docs/reference/stdlib/time/format, .../time/parse): RFC 3339 text <-> epoch seconds. */
import { Double, toJsNumber, type Value } from '../values/types.js';
import { valueError } from '../values/raised-error.js';
import { NUMBER, optional, param, pure, type StdlibMember } from './registry.js';

// RFC 3339 can write years 0000-9999 only.
const MIN_SECONDS = -62167219200; // 0000-01-01T00:00:00Z
const MAX_SECONDS = 253402300800; // 10000-01-01T00:00:00Z (exclusive)

const formatters = new Map<string, Intl.DateTimeFormat>();

function zoneFormatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        era: 'short',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw valueError(`time.format: unknown time zone "${zone}"`);
    }
    formatters.set(zone, f);
  }
  return f;
}

/** The zone's UTC offset in seconds at the instant `epochSeconds` (whole seconds). */
function zoneOffsetSeconds(zone: string, epochSeconds: number): number {
  const parts = zoneFormatter(zone).formatToParts(new Date(epochSeconds * 1000));
  const get = (t: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === t)?.value);
  let year = get('year');
  if (parts.find((p) => p.type === 'era')?.value === 'BC') year = 1 - year;
  const d = new Date(0);
  d.setUTCFullYear(year, get('month') - 1, get('day'));
  d.setUTCHours(get('hour'), get('minute'), get('second'), 0);
  return Math.round(d.getTime() / 1000) - epochSeconds;
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

function format(seconds: number | bigint | Double, timezone: string | null): string {
  const secs = toJsNumber(seconds);
  if (!Number.isFinite(secs) || secs < MIN_SECONDS || secs >= MAX_SECONDS) {
    throw valueError(`time.format: ${secs} seconds is outside the supported range of timestamps`);
  }
  // Rounded to the microsecond: the output precision, and it absorbs binary noise in doubles.
  const micros = Math.round(secs * 1e6);
  const whole = Math.floor(micros / 1e6);
  const frac = micros - whole * 1e6;
  // [?] Zone names are IANA (Intl) names; "" or absent is UTC.
  const zone = timezone === null || timezone === '' ? 'UTC' : timezone;
  const offset = zone === 'UTC' ? 0 : zoneOffsetSeconds(zone, whole);
  const d = new Date((whole + offset) * 1000);
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
  const time = `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(frac, 6)}`;
  // A zero offset is written `Z` even for a named zone: the official example formats "GMT" with `Z`.
  let suffix = 'Z';
  if (offset !== 0) {
    const abs = Math.abs(offset);
    suffix = `${offset < 0 ? '-' : '+'}${pad(Math.floor(abs / 3600), 2)}:${pad(Math.floor((abs % 3600) / 60), 2)}`;
  }
  return `${date}T${time}${suffix}`;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

export function parseTime(text: string): Value {
  const m = RFC3339.exec(text);
  const bad = (why: string): never => {
    throw valueError(`time.parse: "${text}" is not an RFC 3339 timestamp (${why})`);
  };
  if (!m) return bad('expected YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)');
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12) bad('month out of range');
  const maxDay = month === 2 && isLeap(year) ? 29 : (DAYS_IN_MONTH[month - 1] as number);
  if (day < 1 || day > maxDay) bad('day out of range');
  if (hour > 23 || minute > 59 || second > 59) bad('time of day out of range');
  let offset = 0;
  const zone = m[8] as string;
  if (zone !== 'Z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) bad('offset out of range');
    offset = (zone[0] === '-' ? -1 : 1) * (oh * 3600 + om * 60);
  }
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  const whole = d.getTime() / 1000 - offset;
  const frac = m[7] ? Number(`0.${m[7]}`) : 0;
  return new Double(whole + frac);
}

export function timeFunctions(): StdlibMember[] {
  return [
    pure('time.format', [param('seconds', ...NUMBER), optional('timezone', null, 'string')], ([s, tz]) =>
      format(s as number | bigint | Double, tz as string | null),
    ),
    pure('time.parse', [param('value', 'string')], ([v]) => parseTime(v as string)),
  ];
}
