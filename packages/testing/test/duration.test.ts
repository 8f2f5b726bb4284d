import { describe, it, expect } from 'vitest';
import { InvalidDurationError, toMilliseconds } from '../src/duration.js';

describe('toMilliseconds', () => {
  it.each([
    [250, 250],
    ['250ms', 250],
    ['5s', 5000],
    ['30m', 1_800_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
    ['59m 59s', 3_599_000],
    ['1.5s', 1500],
    ['1000', 1000],
  ] as const)('%s -> %d ms', (input, ms) => {
    expect(toMilliseconds(input)).toBe(ms);
  });

  it.each(['', 'soon', '5 minutes', '1h x', '-1s'])('rejects %j', (input) => {
    expect(() => toMilliseconds(input)).toThrow(InvalidDurationError);
  });

  it('rejects negative and non-finite numbers', () => {
    expect(() => toMilliseconds(-1)).toThrow(InvalidDurationError);
    expect(() => toMilliseconds(Number.POSITIVE_INFINITY)).toThrow(InvalidDurationError);
  });
});
