import { describe, expect, it } from 'vitest';
import { formatNumber, toDisplayString } from '../../src/values/format.js';
import { estimateSize } from '../../src/values/size.js';
import { parseJson } from '../../src/values/json.js';
import { Bytes, Double, type Value } from '../../src/values/types.js';

describe('formatNumber and toDisplayString', () => {
  it('writes numbers as string() does', () => {
    expect(formatNumber(42)).toBe('42');
    expect(formatNumber(-9223372036854775808n)).toBe('-9223372036854775808');
    expect(formatNumber(new Double(2))).toBe('2');
    expect(formatNumber(new Double(1635892223.4459958))).toBe('1635892223.4459958');
    expect(formatNumber(new Double(1.7))).toBe('1.7');
    expect(formatNumber(new Double(-0))).toBe('0');
  });

  it('displays every type', () => {
    expect(toDisplayString(true)).toBe('true');
    expect(toDisplayString(false)).toBe('false');
    expect(toDisplayString(null)).toBe('null');
    expect(toDisplayString('x')).toBe('x');
    expect(toDisplayString(parseJson('{"a": [1, 2.5]}'))).toBe('{"a":[1,2.5]}');
    expect(toDisplayString(new Bytes(new Uint8Array(3)))).toContain('bytes');
  });
});

describe('estimateSize', () => {
  it('follows the documented accounting', () => {
    expect(estimateSize(1)).toBe(8);
    expect(estimateSize(new Double(1))).toBe(8);
    expect(estimateSize(null)).toBe(8);
    expect(estimateSize(true)).toBe(8);
    expect(estimateSize('abcd')).toBe(12);
    expect(estimateSize(new Bytes(new Uint8Array(10)))).toBe(18);
    expect(estimateSize([1, 'ab'])).toBe(8 + 8 + 10);
    // map: 8 + key "k" (8 + 1) + value list (8 + 8)
    expect(estimateSize(new Map<string, Value>([['k', [1]]]))).toBe(8 + 9 + 16);
  });

  it('handles deep nesting without recursion', () => {
    let v: Value = 1;
    for (let i = 0; i < 100_000; i++) v = [v];
    expect(estimateSize(v)).toBe(100_000 * 8 + 8);
  });
});
