import { describe, expect, it } from 'vitest';
import {
  decodeEnum,
  decodePageToken,
  encodePageToken,
  formatDuration,
  formatTimestamp,
  parseDuration,
  parseTimestamp,
  CALL_LOG_LEVELS,
} from '../../src/server/wire.js';
import { compileFilter, compileOrderBy, type FieldSpecs } from '../../src/server/filter.js';
import { ApiError } from '../../src/server/api-error.js';

describe('timestamps', () => {
  it('formats epoch milliseconds with 9 fractional digits', () => {
    expect(formatTimestamp(Date.UTC(2026, 0, 2, 3, 4, 5, 123))).toBe('2026-01-02T03:04:05.123000000Z');
    // Binary fractions are exact; others are limited by double precision (~0.2 µs at today's epoch).
    expect(formatTimestamp(Date.UTC(2026, 0, 2, 3, 4, 5, 123) + 0.25)).toBe('2026-01-02T03:04:05.123250000Z');
    expect(formatTimestamp(Date.UTC(2026, 0, 2, 3, 4, 5, 123) + 0.456789)).toMatch(
      /^2026-01-02T03:04:05\.1234567\d\dZ$/,
    );
    expect(formatTimestamp(0)).toBe('1970-01-01T00:00:00.000000000Z');
    // Rounding up into the next millisecond carries.
    expect(formatTimestamp(Date.UTC(2026, 0, 1, 0, 0, 0, 999) + 0.9999999)).toBe(
      '2026-01-01T00:00:01.000000000Z',
    );
  });

  it('parses RFC 3339 with 0-9 fractional digits and offsets', () => {
    expect(parseTimestamp('2026-01-02T03:04:05Z')).toBe(Date.UTC(2026, 0, 2, 3, 4, 5));
    expect(parseTimestamp('2026-01-02T03:04:05.5Z')).toBe(Date.UTC(2026, 0, 2, 3, 4, 5, 500));
    expect(parseTimestamp('2026-01-02T03:04:05.123456789Z')).toBeCloseTo(
      Date.UTC(2026, 0, 2, 3, 4, 5, 123) + 0.456789,
      3,
    );
    expect(parseTimestamp('2026-01-02T05:04:05+02:00')).toBe(Date.UTC(2026, 0, 2, 3, 4, 5));
    expect(parseTimestamp('yesterday')).toBeUndefined();
    expect(parseTimestamp('2026-01-02')).toBeUndefined();
  });

  it('round-trips', () => {
    const t = Date.UTC(2030, 5, 6, 7, 8, 9, 10) + 0.111;
    expect(parseTimestamp(formatTimestamp(t))).toBeCloseTo(t, 3);
  });
});

describe('durations', () => {
  it('formats like the service', () => {
    expect(formatDuration(45.667818)).toBe('0.045667818s');
    expect(formatDuration(1500)).toBe('1.500000000s');
    expect(formatDuration(2000)).toBe('2s');
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(-5)).toBe('0s');
  });

  it('parses seconds with or without the s', () => {
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('10')).toBe(10_000);
    expect(parseDuration('0.000000001s')).toBeCloseTo(0.000001, 9);
    expect(parseDuration('1m')).toBeUndefined();
  });
});

describe('enums', () => {
  it('accepts names and numbers, rejects the rest with INVALID_ARGUMENT', () => {
    expect(decodeEnum('f', 'LOG_NONE', CALL_LOG_LEVELS)).toBe('LOG_NONE');
    expect(decodeEnum('f', 2, CALL_LOG_LEVELS)).toBe('LOG_ERRORS_ONLY');
    expect(decodeEnum('f', '1', CALL_LOG_LEVELS)).toBe('LOG_ALL_CALLS');
    expect(decodeEnum('f', undefined, CALL_LOG_LEVELS)).toBeUndefined();
    for (const bad of [4, -1, 1.5, 'log_none', true]) {
      expect(() => decodeEnum('f', bad, CALL_LOG_LEVELS)).toThrow(ApiError);
    }
  });
});

describe('page tokens', () => {
  it('carry the offset and are bound to the query', () => {
    const t = encodePageToken(7, 'q');
    expect(decodePageToken(t, 'q')).toBe(7);
    expect(decodePageToken(undefined, 'q')).toBe(0);
    expect(() => decodePageToken(t, 'other')).toThrow(/match/);
    expect(() => decodePageToken('%%%', 'q')).toThrow(/invalid/);
    expect(() => decodePageToken(Buffer.from('{"o":-1,"q":"q"}').toString('base64url'), 'q')).toThrow(
      /invalid/,
    );
  });
});

describe('AIP-160 filters', () => {
  interface Item {
    id: string;
    state: string;
    n: number;
    t: number;
    ok: boolean;
    labels: Record<string, string>;
  }
  const specs: FieldSpecs<Item> = {
    id: { type: 'string', get: (i) => i.id },
    state: { type: 'enum', get: (i) => i.state, enumNames: ['UNSPECIFIED', 'ON', 'OFF'] },
    n: { type: 'number', get: (i) => i.n },
    t: { type: 'timestamp', get: (i) => i.t },
    ok: { type: 'bool', get: (i) => i.ok },
    labels: { type: 'map', get: (i) => i.labels },
  };
  const items: Item[] = [
    { id: 'alpha', state: 'ON', n: 1, t: Date.UTC(2026, 0, 1), ok: true, labels: { env: 'prod' } },
    { id: 'beta', state: 'OFF', n: 2, t: Date.UTC(2026, 0, 2), ok: false, labels: { env: 'dev', x: '1' } },
    { id: 'gamma', state: 'ON', n: 3, t: Date.UTC(2026, 0, 3), ok: true, labels: {} },
  ];
  const ids = (filter: string) => items.filter(compileFilter(filter, specs)).map((i) => i.id);

  it('evaluates comparisons, AND, OR, NOT and parentheses', () => {
    expect(ids('')).toEqual(['alpha', 'beta', 'gamma']);
    expect(ids('state=ON')).toEqual(['alpha', 'gamma']);
    expect(ids('state=2')).toEqual(['beta']);
    expect(ids('state!=ON')).toEqual(['beta']);
    expect(ids('n>1 AND n<=3')).toEqual(['beta', 'gamma']);
    expect(ids('n=1 OR n=3')).toEqual(['alpha', 'gamma']);
    expect(ids('NOT n=1')).toEqual(['beta', 'gamma']);
    expect(ids('-n=1')).toEqual(['beta', 'gamma']);
    // OR binds tighter than AND (AIP-160).
    expect(ids('state=ON AND n=1 OR n=2')).toEqual(['alpha']);
    expect(ids('(state=ON AND n=1) OR n=2')).toEqual(['alpha', 'beta']);
    expect(ids('state=ON n>1')).toEqual(['gamma']);
    expect(ids('id="a*"')).toEqual(['alpha']);
    expect(ids("id='*a'")).toEqual(['alpha', 'beta', 'gamma']);
    expect(ids('t>="2026-01-02T00:00:00Z"')).toEqual(['beta', 'gamma']);
    expect(ids('ok=true')).toEqual(['alpha', 'gamma']);
    expect(ids('labels.env=prod')).toEqual(['alpha']);
    expect(ids('labels.env:*')).toEqual(['alpha', 'beta']);
    expect(ids('labels:x')).toEqual(['beta']);
    expect(ids('labels.env!=prod')).toEqual(['beta', 'gamma']);
  });

  it('matches * wildcards in linear time', () => {
    // Each `*` used to become `.*` in a backtracking regex: 9 stars over a 36-character ID took
    // over ten seconds. 20 stars over 200 characters would take longer than the test's time-out.
    const match = compileFilter(`id="${'*'.repeat(20)}z"`, specs);
    expect(match({ ...(items[0] as Item), id: 'a'.repeat(200) })).toBe(false);
    expect(match({ ...(items[0] as Item), id: `${'a'.repeat(199)}z` })).toBe(true);
  });

  it('rejects unknown fields and malformed filters', () => {
    for (const bad of [
      'nope=1',
      'state=MAYBE',
      'n>abc',
      't>now',
      'ok=maybe',
      '(n=1',
      'n=1)',
      'n',
      'id="open',
      'n.x=1',
    ]) {
      expect(() => compileFilter(bad, specs), bad).toThrow(ApiError);
    }
  });

  it('orders by several keys with desc', () => {
    const cmp = compileOrderBy('state, n desc', specs, () => 0);
    expect([...items].sort(cmp).map((i) => i.id)).toEqual(['gamma', 'alpha', 'beta']);
    expect(() => compileOrderBy('labels', specs, () => 0)).toThrow(ApiError);
    expect(() => compileOrderBy('n up', specs, () => 0)).toThrow(ApiError);
  });
});
