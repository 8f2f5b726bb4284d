/** Display helpers: times, durations, JSON. */

const dateTime = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** An RFC 3339 timestamp in the reader's time zone. */
export function formatTime(t: string | undefined): string {
  if (!t) return '';
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? t : dateTime.format(d);
}

/** A proto duration (`"1.500s"`) as `1.5 s`, `2 min 3 s`. */
export function formatDuration(d: string | undefined): string {
  if (!d) return '';
  const s = Number.parseFloat(d);
  if (!Number.isFinite(s)) return d;
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${Number(s.toFixed(s < 10 ? 2 : 1))} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

/** JSON text pretty-printed; text that is not JSON comes back as is. */
export function prettyJson(text: string | undefined): string {
  if (text === undefined) return '';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export function prettyValue(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v, null, 2) ?? String(v);
  } catch {
    return String(v);
  }
}

/** The last segment of a resource name. */
export const lastSegment = (name: string) => name.slice(name.lastIndexOf('/') + 1);

/** Parses JSON text; the error message says where it went wrong. */
export function checkJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}
