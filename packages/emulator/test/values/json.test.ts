import { describe, expect, it } from 'vitest';
import { jsonToValue, parseJson, stringifyJson, valueToJs } from '../../src/values/json.js';
import { Bytes, Double, type Value } from '../../src/values/types.js';
import { RaisedError } from '../../src/values/raised-error.js';

function valueErrorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(RaisedError);
    expect((e as RaisedError).tags).toEqual(['ValueError']);
    return (e as RaisedError).message;
  }
  throw new Error('expected a ValueError');
}

describe('parseJson', () => {
  it('keeps integers and doubles apart', () => {
    expect(parseJson('2')).toBe(2);
    expect(parseJson('-0')).toBe(0);
    expect(Object.is(parseJson('-0'), -0)).toBe(false);
    expect(parseJson('2.0')).toEqual(new Double(2));
    expect(parseJson('1e2')).toEqual(new Double(100));
    expect(parseJson('-1.5E-1')).toEqual(new Double(-0.15));
    expect(parseJson('9007199254740993')).toBe(9007199254740993n);
    expect(parseJson('-9223372036854775808')).toBe(-9223372036854775808n);
    expect(parseJson('123456789012345')).toBe(123456789012345);
    expect(parseJson('9007199254740991')).toBe(9007199254740991);
  });

  it('refuses integers beyond int64 and doubles beyond range', () => {
    expect(valueErrorOf(() => parseJson('9223372036854775808'))).toContain('out of range');
    expect(valueErrorOf(() => parseJson('[1e400]'))).toContain('offset 1');
  });

  it('builds maps in insertion order, last duplicate wins, __proto__ ordinary', () => {
    const m = parseJson('{"b": 1, "a": 2, "b": 3, "__proto__": {"x": 1}, "constructor": 4}') as Map<
      string,
      Value
    >;
    expect([...m.keys()]).toEqual(['b', 'a', '__proto__', 'constructor']);
    expect(m.get('b')).toBe(3);
    expect(m.get('__proto__')).toEqual(new Map([['x', 1]]));
  });

  it('decodes escapes', () => {
    expect(parseJson('"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00"')).toBe('a"b\\c/d\b\f\n\r\té😀');
    expect(parseJson(' \n\t[ true , false , null ] ')).toEqual([true, false, null]);
  });

  it.each([
    ['', 'offset 0'],
    ['{', 'expected a string key'],
    ['{"a":1,}', 'line 1, column 8'],
    ['[1,]', 'offset 3'],
    ['[1 2]', "expected ',' or ']'"],
    ['01', 'after the JSON value'],
    ['1.', 'decimal point'],
    ['.5', 'unexpected character'],
    ['+1', 'unexpected character'],
    ['"a\tb"', 'control character'],
    ['"\\x"', 'invalid escape'],
    ['"\\u12g4"', 'invalid \\u escape'],
    ['"abc', 'unterminated string'],
    ['tru', 'expected true'],
    ['NaN', 'unexpected character'],
    ["{'a':1}", 'expected a string key'],
    ['{"a":1}\n\n  x', 'line 3, column 3'],
    ['[1] [2]', 'after the JSON value'],
  ])('rejects %j (%s)', (text, where) => {
    expect(valueErrorOf(() => parseJson(text))).toContain(where);
  });

  it('refuses absurd nesting instead of overflowing the stack', () => {
    expect(valueErrorOf(() => parseJson('['.repeat(100_000)))).toContain('nesting');
    expect(parseJson('['.repeat(500) + ']'.repeat(500))).toBeInstanceOf(Array);
  });
});

describe('stringifyJson', () => {
  const v = parseJson('{"b": [1, 2.5, "x"], "a": {"__proto__": null, "z": true}, "c": []}');

  it('is compact by default and keeps insertion order', () => {
    expect(stringifyJson(v)).toBe('{"b":[1,2.5,"x"],"a":{"__proto__":null,"z":true},"c":[]}');
  });

  it('sorts keys by code point when asked', () => {
    expect(stringifyJson(v, { sortKeys: true })).toBe(
      '{"a":{"__proto__":null,"z":true},"b":[1,2.5,"x"],"c":[]}',
    );
    const m = new Map<string, Value>([
      ['😀', 1],
      ['\uff61', 2],
      ['B', 3],
      ['a', 4],
      ['_', 5],
    ]);
    expect(stringifyJson(m, { sortKeys: true })).toBe('{"B":3,"_":5,"a":4,"｡":2,"😀":1}');
  });

  it('indents like Go MarshalIndent', () => {
    expect(stringifyJson(v, { indent: '  ', prefix: '# ' })).toBe(
      [
        '{',
        '#   "b": [',
        '#     1,',
        '#     2.5,',
        '#     "x"',
        '#   ],',
        '#   "a": {',
        '#     "__proto__": null,',
        '#     "z": true',
        '#   },',
        '#   "c": []',
        '# }',
      ].join('\n'),
    );
    expect(stringifyJson(new Map(), { indent: '\t' })).toBe('{}');
    expect(stringifyJson(5, { indent: '\t' })).toBe('5');
  });

  it('writes doubles in shortest round-trip form', () => {
    expect(stringifyJson(new Double(2))).toBe('2');
    expect(stringifyJson(new Double(0.1 + 0.2))).toBe('0.30000000000000004');
    expect(stringifyJson(new Double(17.599999999999994))).toBe('17.599999999999994');
    expect(stringifyJson(new Double(-0.25))).toBe('-0.25');
    expect(stringifyJson(new Double(1e21))).toBe('1e+21');
    expect(stringifyJson(new Double(1e-7))).toBe('1e-7');
    expect(stringifyJson(new Double(2 ** 63))).toBe('9.223372036854776e+18');
    expect(stringifyJson(9223372036854775807n)).toBe('9223372036854775807');
  });

  it('escapes strings', () => {
    expect(stringifyJson('a"b\\\n\u0001é')).toBe('"a\\"b\\\\\\n\\u0001é"');
  });

  it('refuses bytes, NaN and infinities', () => {
    expect(valueErrorOf(() => stringifyJson([new Bytes(new Uint8Array([1]))]))).toContain('base64.encode');
    expect(valueErrorOf(() => stringifyJson(new Double(NaN)))).toContain('NaN');
    expect(valueErrorOf(() => stringifyJson(new Map([['x', new Double(Infinity)]])))).toContain('Infinity');
  });
});

describe('jsonToValue and valueToJs', () => {
  it('converts JS values', () => {
    const parsed: unknown = JSON.parse('{"__proto__": {"a": 1}, "n": 2, "d": 2.5, "l": [null, true]}');
    const v = jsonToValue(parsed) as Map<string, Value>;
    expect(v.get('__proto__')).toEqual(new Map([['a', 1]]));
    expect(v.get('n')).toBe(2);
    expect(v.get('d')).toEqual(new Double(2.5));
    expect(jsonToValue(2 ** 60)).toBe(2n ** 60n);
    expect(jsonToValue(12n)).toBe(12);
    expect(() => jsonToValue(2 ** 64)).toThrow(RaisedError);
    expect(() => jsonToValue(NaN)).toThrow(RaisedError);
    expect(jsonToValue(new Uint8Array([1, 2]))).toEqual(new Bytes(new Uint8Array([1, 2])));
  });

  it('converts values back to plain JS without touching prototypes', () => {
    const js = valueToJs(
      parseJson('{"__proto__": {"polluted": 1}, "d": 2.5, "big": 9007199254740993}'),
    ) as Record<string, unknown>;
    expect(Object.keys(js)).toEqual(['__proto__', 'd', 'big']);
    expect(Object.getPrototypeOf(js)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(js['d']).toBe(2.5);
    expect(js['big']).toBe(9007199254740993n);
    expect(JSON.stringify(valueToJs(parseJson('{"__proto__": 1}')))).toBe('{"__proto__":1}');
  });
});
