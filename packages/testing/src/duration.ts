/** Durations as tests write them: `'1h'`, `'30m'`, `'5s'`, `'250ms'`, `'1d'`, `'1h30m'`, or milliseconds. */
export type Duration = number | string;

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** Thrown for a duration that cannot be read; a typo must not silently become 0. */
export class InvalidDurationError extends TypeError {
  override readonly name = 'InvalidDurationError';
}

export function toMilliseconds(duration: Duration): number {
  if (typeof duration === 'number') {
    if (!Number.isFinite(duration) || duration < 0) {
      throw new InvalidDurationError(
        `a duration must be a finite number of milliseconds >= 0, got ${duration}`,
      );
    }
    return duration;
  }
  const text = duration.trim();
  // Units in any order are accepted ('1h30m'); a bare number is milliseconds, as with the number form.
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text);
  const part = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)/gy;
  let total = 0;
  let consumed = 0;
  let m: RegExpExecArray | null;
  while ((m = part.exec(text)) !== null) {
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    consumed = part.lastIndex;
    while (text[consumed] === ' ') consumed++;
    part.lastIndex = consumed;
  }
  if (consumed === 0 || consumed !== text.length) {
    throw new InvalidDurationError(
      `cannot read duration '${duration}': use e.g. '1h', '30m', '5s', '250ms', '1h30m' or a number of milliseconds`,
    );
  }
  return total;
}
