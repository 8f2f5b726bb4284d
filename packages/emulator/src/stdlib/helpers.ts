/**
 * Expression helpers without a module prefix (https://cloud.google.com/workflows/docs/reference/stdlib/expression-helpers): `default`, `keys`, `len`,
 * `int`, `double`, `string`, `get_type`, `if`.
 */
import { formatNumber } from '../values/format.js';
import { intFromNumber, normalizeBigInt } from '../values/integer.js';
import { Double, typeName, type Value, type WfMap } from '../values/types.js';
import { valueError } from '../values/raised-error.js';
import { param, pure, type StdlibMember } from './registry.js';
import { codePointLength } from './text-util.js';

const INTEGER_TEXT = /^[+-]?[0-9]+$/;
// A decimal literal: digits with an optional fraction and exponent (no hex, no `Infinity`, no `NaN`).
const DOUBLE_TEXT = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

/** `int()` of a string: decimal digits with an optional sign; anything else is a ValueError. */
export function parseIntegerText(s: string): number | bigint {
  // [?] Surrounding whitespace is rejected (strict, like Go's strconv.ParseInt).
  if (!INTEGER_TEXT.test(s)) throw valueError(`int(): cannot convert "${s}" to an integer`);
  return normalizeBigInt(BigInt(s));
}

export function parseDoubleText(s: string): number {
  if (!DOUBLE_TEXT.test(s)) throw valueError(`double(): cannot convert "${s}" to a double`);
  const n = Number(s);
  if (!Number.isFinite(n)) throw valueError(`double(): "${s}" is out of range for a double`);
  return n;
}

function toInt(v: Value): Value {
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  if (typeof v === 'string') return parseIntegerText(v);
  const d = (v as Double).value;
  if (!Number.isFinite(d)) throw valueError(`int(): cannot convert ${d} to an integer`);
  // Truncation toward zero (Google is silent for negatives: a choice, as every C-family language and Python do).
  return intFromNumber(Math.trunc(d));
}

function toDouble(v: Value): Value {
  if (v instanceof Double) return v;
  if (typeof v === 'number') return new Double(v);
  if (typeof v === 'bigint') return new Double(Number(v));
  return new Double(parseDoubleText(v as string));
}

function toStr(v: Value): Value {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return formatNumber(v as number | bigint | Double);
}

function len(v: Value): Value {
  if (typeof v === 'string') return codePointLength(v);
  if (Array.isArray(v)) return v.length;
  return (v as WfMap).size;
}

export function helperFunctions(): StdlibMember[] {
  return [
    pure('default', [param('val'), param('defaultVal')], ([val, dflt]) =>
      val === null ? (dflt ?? null) : (val ?? null),
    ),
    pure('keys', [param('map', 'map')], ([m]) => [...(m as WfMap).keys()]),
    pure('len', [param('value', 'list', 'map', 'string')], ([v]) => len(v ?? null)),
    pure('int', [param('value', 'integer', 'double', 'string')], ([v]) => toInt(v ?? null)),
    pure('double', [param('value', 'integer', 'double', 'string')], ([v]) => toDouble(v ?? null)),
    pure('string', [param('value', 'integer', 'double', 'boolean', 'string')], ([v]) => toStr(v ?? null)),
    pure('get_type', [param('value')], ([v]) => typeName(v ?? null)),
    // Both branches are already evaluated by the caller (https://cloud.google.com/workflows/docs/reference/stdlib/expression-helpers); null counts as false.
    pure('if', [param('condition', 'boolean', 'null'), param('ifTrue'), param('ifFalse')], ([c, a, b]) =>
      c === true ? (a ?? null) : (b ?? null),
    ),
  ];
}
