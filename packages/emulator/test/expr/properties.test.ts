import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate, ExpressionSyntaxError, parseExpression, type EvalContext } from '../../src/expr/index.js';
import { RaisedError } from '../../src/values/raised-error.js';
import { Double, typeName, type Value } from '../../src/values/types.js';
import { parseJson, stringifyJson } from '../../src/values/json.js';
import { valueEquals } from '../../src/values/compare.js';
import { fakeCall } from './helpers.js';

const FRAGMENTS = [
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ',',
  ':',
  '.',
  '"',
  '\\',
  '\\u',
  '+',
  '-',
  '*',
  '/',
  '//',
  '%',
  '==',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  '=',
  '!',
  ' ',
  '\n',
  'a',
  'b1',
  '_x',
  '1',
  '0',
  '9223372036854775808',
  '1e',
  '1e999',
  '.5',
  '2.0',
  'in',
  'IN',
  'and',
  'AND',
  'And',
  'or',
  'not',
  'NOT',
  'true',
  'True',
  'null',
  '"s"',
  '"\\n"',
  'f(',
  'a.b(',
  '$',
  '😀',
  '\u0000',
];

/** Strings that look like expressions, so the parser's deeper paths get exercised. */
const exprLike = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 60 }).map((xs) => xs.join(''));

function parseOutcome(text: string): 'ok' | 'syntax' {
  try {
    const e = parseExpression(text);
    expect(typeof e.kind).toBe('string');
    return 'ok';
  } catch (err) {
    if (err instanceof ExpressionSyntaxError) {
      expect(err.offset).toBeGreaterThanOrEqual(0);
      expect(err.offset).toBeLessThanOrEqual(text.length);
      expect(err.excerpt).toContain('^');
      return 'syntax';
    }
    throw err;
  }
}

describe('parseExpression never throws anything but ExpressionSyntaxError', () => {
  it('for arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 500, unit: 'binary' }), (s) => void parseOutcome(s)),
      { numRuns: 2000 },
    );
  });

  it('for expression-like strings', () => {
    fc.assert(
      fc.property(exprLike, (s) => void parseOutcome(s)),
      { numRuns: 5000 },
    );
  });

  it('for deeply nested input', () => {
    for (const open of ['(', '[', '{', '-', 'not ', 'f(', '{"a":', 'a[']) {
      expect(parseOutcome(open.repeat(200))).toBe('syntax');
    }
  });
});

/** Random values, integers and doubles kept apart, including big integers. */
const valueArb: fc.Arbitrary<Value> = fc.letrec<{ v: Value }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer({ min: -1000, max: 1000 }),
    fc
      .bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
      .map((b) => (b >= -(2n ** 53n) + 1n && b <= 2n ** 53n - 1n ? Number(b) : b)),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => new Double(d)),
    fc.string({ maxLength: 5 }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('v'), { maxLength: 3 }),
    fc
      .array(fc.tuple(fc.constantFrom('a', 'b', '__proto__', 'constructor'), tie('v')), { maxLength: 3 })
      .map((es) => new Map(es)),
  ),
})).v;

const VARS = ['a', 'b', 'c', 'd'];

/** Random syntactically valid expression text over the variables above. */
const exprArb: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', maxDepth: 5 },
    fc.constantFrom(...VARS),
    fc.constantFrom(
      '0',
      '1',
      '-1',
      '2.5',
      '"a"',
      '"b"',
      'true',
      'false',
      'null',
      '9223372036854775807',
      '[]',
      '{}',
    ),
    fc
      .tuple(
        tie('e'),
        fc.constantFrom('+', '-', '*', '/', '//', '%', '==', '!=', '<', '<=', '>', '>=', 'in', 'and', 'or'),
        tie('e'),
      )
      .map(([l, op, r]) => `(${l} ${op} ${r})`),
    fc.tuple(fc.constantFrom('-', 'not '), tie('e')).map(([op, x]) => `${op}(${x})`),
    fc.tuple(tie('e'), tie('e')).map(([o, i]) => `(${o})[${i}]`),
    fc
      .tuple(fc.constantFrom(...VARS), fc.constantFrom('a', 'b', '__proto__', 'constructor'))
      .map(([v, p]) => `${v}.${p}`),
    fc.array(tie('e'), { maxLength: 3 }).map((xs) => `[${xs.join(', ')}]`),
    fc
      .array(fc.tuple(tie('e'), tie('e')), { maxLength: 2 })
      .map((es) => `{${es.map(([k, v]) => `${k}: ${v}`).join(', ')}}`),
    fc.array(tie('e'), { maxLength: 2 }).map((xs) => `echo(${xs.join(', ')})`),
  ),
})).e;

function isValue(v: unknown, depth = 0): boolean {
  if (depth > 100) return false;
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return true;
  if (typeof v === 'number') return Number.isSafeInteger(v) && !Object.is(v, -0);
  if (typeof v === 'bigint')
    return v >= -(2n ** 63n) && v < 2n ** 63n && (v > 2n ** 53n - 1n || v < -(2n ** 53n) + 1n);
  if (v instanceof Double) return Number.isFinite(v.value);
  if (Array.isArray(v)) return v.every((x) => isValue(x, depth + 1));
  if (v instanceof Map) return [...v].every(([k, x]) => typeof k === 'string' && isValue(x, depth + 1));
  return false;
}

describe('evaluate returns a Value or throws a RaisedError', () => {
  it('for random valid expressions over random values', () => {
    fc.assert(
      fc.property(exprArb, fc.tuple(valueArb, valueArb, valueArb, valueArb), (text, values) => {
        if (text.length > 400) return;
        const vars = new Map(VARS.map((n, i) => [n, values[i] as Value]));
        const ctx: EvalContext = { lookup: (n) => vars.get(n), call: fakeCall, constant: () => undefined };
        const expr = parseExpression(text);
        try {
          const v = evaluate(expr, ctx);
          expect(isValue(v), `${text} gave a malformed ${typeName(v)}`).toBe(true);
        } catch (err) {
          if (!(err instanceof RaisedError)) throw err;
          expect(err.tags.length).toBe(1);
        }
      }),
      { numRuns: 5000 },
    );
  });
});

/** Deep equality where numbers compare as JS doubles, whatever their representation. */
function numberEquals(a: Value, b: Value): boolean {
  const n = (x: Value): number | undefined =>
    typeof x === 'number' || typeof x === 'bigint' ? Number(x) : x instanceof Double ? x.value : undefined;
  const x = n(a);
  const y = n(b);
  if (x !== undefined || y !== undefined) return x === y;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((e, i) => numberEquals(e, b[i] as Value));
  if (a instanceof Map && b instanceof Map)
    return a.size === b.size && [...a].every(([k, e]) => b.has(k) && numberEquals(e, b.get(k) as Value));
  return valueEquals(a, b);
}

/** Whether `json` (from JSON.parse) is `v` with every number read as a JS double and bytes absent. */
function sameAsPlainJson(json: unknown, v: Value): boolean {
  if (typeof v === 'number' || typeof v === 'bigint') return json === Number(v);
  if (v instanceof Double) return json === v.value;
  if (Array.isArray(v))
    return Array.isArray(json) && json.length === v.length && v.every((e, i) => sameAsPlainJson(json[i], e));
  if (v instanceof Map) {
    if (json === null || typeof json !== 'object' || Array.isArray(json)) return false;
    const keys = Object.keys(json);
    return (
      keys.length === v.size &&
      [...v].every(
        ([k, e]) => Object.hasOwn(json, k) && sameAsPlainJson((json as Record<string, unknown>)[k], e),
      )
    );
  }
  return json === v;
}

describe('JSON codec', () => {
  it('round-trips random values through stringifyJson and parseJson', () => {
    fc.assert(
      fc.property(valueArb, fc.boolean(), (v, sortKeys) => {
        const text = stringifyJson(v, { sortKeys });
        const back = parseJson(text);
        // Integral doubles print without `.0` and come back as integers: equal, not identical.
        // Beyond 2^53 the shortest text of a double names a nearby integer, hence numberEquals.
        expect(numberEquals(back, v), text).toBe(true);
        expect(stringifyJson(back, { sortKeys })).toBe(text);
        // Standard JSON too: JSON.parse reads the same value (numbers as JS doubles).
        expect(sameAsPlainJson(JSON.parse(text) as unknown, v), text).toBe(true);
        const pretty = stringifyJson(v, { sortKeys, indent: '  ' });
        expect(numberEquals(parseJson(pretty), v)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees with JSON.parse on which texts are valid', () => {
    const texts = fc.oneof(
      fc.json(),
      fc.string({ maxLength: 30 }),
      fc
        .array(
          fc.constantFrom(
            '{',
            '}',
            '[',
            ']',
            '"',
            ':',
            ',',
            '1',
            '-',
            '.',
            'e',
            'true',
            'nul',
            ' ',
            '\\',
            'u00',
          ),
          {
            maxLength: 20,
          },
        )
        .map((x) => x.join('')),
    );
    fc.assert(
      fc.property(texts, (t) => {
        let jsOk = true;
        let js: unknown;
        try {
          js = JSON.parse(t);
        } catch {
          jsOk = false;
        }
        let ours: Value | undefined;
        try {
          ours = parseJson(t);
        } catch (err) {
          if (!(err instanceof RaisedError)) throw err;
          expect(err.tags).toEqual(['ValueError']);
          // We refuse only what JSON.parse refuses, plus integers beyond int64 and doubles beyond range.
          if (jsOk) expect(/\d{19,}|e\d{3,}/i.test(t), `refused valid JSON ${t}`).toBe(true);
          return;
        }
        expect(jsOk, `accepted invalid JSON ${t}`).toBe(true);
        expect(JSON.stringify(js)).toBe(JSON.stringify(JSON.parse(stringifyJson(ours))));
      }),
      { numRuns: 3000 },
    );
  });
});
