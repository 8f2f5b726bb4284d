import { Bytes, Double, type Value } from '../../src/values/types.js';
import { parseJson } from '../../src/values/json.js';
import { platformError, typeError } from '../../src/values/raised-error.js';
import type { Expr } from '../../src/expr/ast.js';

/**
 * A rendering that keeps every type distinction (`2` vs `2.0`, big integers), so a test
 * comparing two renderings compares values exactly, types included.
 */
export function typedRepr(v: Value): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'number':
      return `int(${v})`;
    case 'bigint':
      return `int(${v})`;
    case 'boolean':
      return String(v);
    case 'string':
      return JSON.stringify(v);
    default:
      if (v instanceof Double) return Object.is(v.value, -0) ? 'double(-0)' : `double(${v.value})`;
      if (v instanceof Bytes) return `bytes(${[...v.data].join(',')})`;
      if (Array.isArray(v)) return `[${v.map(typedRepr).join(', ')}]`;
      return `{${[...v].map(([k, x]) => `${JSON.stringify(k)}: ${typedRepr(x)}`).join(', ')}}`;
  }
}

/** Variables every case can read (JSON text, so integers and doubles stay distinct). */
export const DEFAULT_VARS = parseJson(`{
  "i": 7, "d": 2.5, "s": "str", "t": true, "f": false, "n": null,
  "l": [1, 2, 3], "e": [], "em": {},
  "m": {"a": 1, "b": {"c": [10, 20]}, "x.y": "dotted", "__proto__": "proto", "constructor": "ctor", "prototype": "pt"},
  "items": [{"price": 5}, {"price": 7.5}],
  "big": 9223372036854775807, "nbig": -9223372036854775808
}`) as Map<string, Value>;

export const CONSTANTS = new Map<string, Value>([
  ['http.default_retry', parseJson('{"max_retries": 5, "predicate": "http.default_retry_predicate"}')],
  ['retry.default_backoff', parseJson('{"initial_delay": 1, "max_delay": 60, "multiplier": 1.25}')],
]);

/**
 * Fake functions for call cases: `echo(...)` returns its arguments as a list, `name()`
 * returns the callee name, `boom()` raises a TypeError, `len(x)` the length of a list.
 */
export function fakeCall(name: string, args: Value[], node: Expr): Value {
  void node;
  switch (name) {
    case 'echo':
      return args;
    case 'boom':
      throw typeError('boom was called');
    case 'len': {
      const x = args[0];
      if (Array.isArray(x)) return x.length;
      if (typeof x === 'string') return [...x].length;
      if (x instanceof Map) return x.size;
      throw typeError('len: bad argument');
    }
    default:
      if (name.includes('.') || name === 'name') return name;
      throw platformError('SystemError', `unknown function ${name}`);
  }
}
