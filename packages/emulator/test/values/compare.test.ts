import { describe, expect, it } from 'vitest';
import { compareStrings, compareValues, valueEquals } from '../../src/values/compare.js';
import { Bytes, Double, type Value } from '../../src/values/types.js';
import { RaisedError } from '../../src/values/raised-error.js';

describe('valueEquals', () => {
  it.each<[Value, Value, boolean]>([
    [1, new Double(1), true],
    [new Double(1.5), new Double(1.5), true],
    [9007199254740993n, new Double(9007199254740992), false],
    [2n ** 60n, new Double(2 ** 60), true],
    [1, '1', false],
    [null, null, true],
    [null, false, false],
    [true, true, true],
    [[1, [2]], [new Double(1), [2]], true],
    [[1], [1, 2], false],
    [
      new Map<string, Value>([
        ['a', 1],
        ['b', 2],
      ]),
      new Map<string, Value>([
        ['b', 2],
        ['a', 1],
      ]),
      true,
    ],
    [new Map<string, Value>([['a', null]]), new Map<string, Value>([['b', null]]), false],
    [new Map(), [], false],
    [new Bytes(new Uint8Array([1, 2])), new Bytes(new Uint8Array([1, 2])), true],
    [new Bytes(new Uint8Array([1, 2])), new Bytes(new Uint8Array([1, 3])), false],
  ])('%o == %o is %s', (a, b, want) => {
    expect(valueEquals(a, b)).toBe(want);
    expect(valueEquals(b, a)).toBe(want);
  });
});

describe('compareValues', () => {
  it('orders numbers exactly across representations', () => {
    expect(compareValues(1, new Double(1.5), '<')).toBeLessThan(0);
    expect(compareValues(9223372036854775807n, new Double(2 ** 63), '<')).toBeLessThan(0);
    expect(compareValues(new Double(0.5), 9007199254740993n, '<')).toBeLessThan(0);
    expect(compareValues(-9007199254740993n, new Double(-0.5), '<')).toBeLessThan(0);
    expect(compareValues(3n ** 39n, 3n ** 38n, '>')).toBeGreaterThan(0);
    expect(compareValues(2, 2, '<=')).toBe(0);
  });

  it('orders strings by code point', () => {
    expect(compareValues('abc', 'abd', '<')).toBeLessThan(0);
    expect(compareStrings('\uff61', '😀')).toBeLessThan(0);
    expect('\uff61' < '😀').toBe(false); // the UTF-16 order that we must not use
    expect(compareStrings('a', 'a')).toBe(0);
    expect(compareStrings('ab', 'a')).toBeGreaterThan(0);
  });

  it('refuses other types with a TypeError naming them', () => {
    try {
      compareValues('a', 1, '<');
      expect.unreachable();
    } catch (e) {
      expect((e as RaisedError).tags).toEqual(['TypeError']);
      expect((e as RaisedError).message).toBe("'<' not supported between string and integer");
    }
    expect(() => compareValues(true, false, '>')).toThrow(RaisedError);
    expect(() => compareValues(null, null, '>=')).toThrow(RaisedError);
  });
});
