import { Bytes, Double, MAX_VALUE_DEPTH, ValueTooDeepError, typeName, type Value } from './types.js';
import { typeError } from './raised-error.js';

/**
 * Orders strings by Unicode code point, which is also UTF-8 byte order (the order of
 * sorted keys in execution results). Plain `<` compares UTF-16 code units, which differs
 * only when a surrogate pair meets a BMP character at or above U+E000.
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      if (x < 0xd800 && y < 0xd800) return x - y;
      return fixup(x) - fixup(y);
    }
  }
  return a.length - b.length;
}

// Moves surrogates above the rest of the BMP so code units compare like code points.
const fixup = (c: number): number => (c >= 0xe000 ? c - 0x800 : c >= 0xd800 ? c + 0x2000 : c);

/** Deep equality: int 1 equals double 1.0; other type mismatches are unequal; map order is irrelevant. */
export function valueEquals(a: Value, b: Value, depth = 0): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  const ta = typeof a;
  const tb = typeof b;
  if (ta === 'number' || ta === 'bigint' || a instanceof Double) {
    if (tb === 'number' || tb === 'bigint' || b instanceof Double)
      return compareNumbers(a as number | bigint | Double, b as number | bigint | Double) === 0;
    return false;
  }
  if (ta !== 'object' || tb !== 'object') return false; // strings and booleans: `===` above decided
  if (depth > MAX_VALUE_DEPTH) throw new ValueTooDeepError();
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++)
      if (!valueEquals(a[i] as Value, b[i] as Value, depth + 1)) return false;
    return true;
  }
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, x] of a) {
      const y = b.get(k);
      if (y === undefined || !valueEquals(x, y, depth + 1)) return false;
    }
    return true;
  }
  if (a instanceof Bytes) {
    if (!(b instanceof Bytes) || a.data.length !== b.data.length) return false;
    for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) return false;
    return true;
  }
  return false;
}

/**
 * Exact numeric comparison across number, bigint and Double (no precision loss for big
 * integers). Returns NaN when a double is NaN (every comparison is then false).
 */
export function compareNumbers(a: number | bigint | Double, b: number | bigint | Double): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  const x = a instanceof Double ? a.value : a;
  const y = b instanceof Double ? b.value : b;
  if (typeof x === 'number' && typeof y === 'number') return x < y ? -1 : x > y ? 1 : x === y ? 0 : NaN;
  if (typeof x === 'bigint' && typeof y === 'bigint') return x < y ? -1 : x > y ? 1 : 0;
  // One bigint, one JS number (a double, or a safe integer).
  if (typeof x === 'bigint') return -compareBigWithNumber(y as number, x);
  return compareBigWithNumber(x, y as bigint);
}

function compareBigWithNumber(n: number, b: bigint): number {
  if (Number.isNaN(n)) return NaN;
  if (n === Infinity) return 1;
  if (n === -Infinity) return -1;
  if (Number.isInteger(n)) {
    const bn = BigInt(n);
    return bn < b ? -1 : bn > b ? 1 : 0;
  }
  // A non-integral double is below 2^53 in magnitude while |b| is above it: Number(b) keeps the order.
  const bb = Number(b);
  return n < bb ? -1 : n > bb ? 1 : 0;
}

export type OrderingOp = '<' | '<=' | '>' | '>=';

/**
 * Compares two values for an ordering operator: numbers (mixed integer/double) or strings
 * (by code point). Anything else is a TypeError. The result's sign gives the order.
 */
export function compareValues(a: Value, b: Value, op: OrderingOp): number {
  const ta = typeof a;
  const tb = typeof b;
  if (ta === 'string' && tb === 'string') return compareStrings(a as string, b as string);
  if (
    (ta === 'number' || ta === 'bigint' || a instanceof Double) &&
    (tb === 'number' || tb === 'bigint' || b instanceof Double)
  )
    return compareNumbers(a as number | bigint | Double, b as number | bigint | Double);
  throw typeError(`'${op}' not supported between ${typeName(a)} and ${typeName(b)}`);
}

/** Applies an ordering operator; NaN compares false everywhere. */
export function orderingHolds(c: number, op: OrderingOp): boolean {
  switch (op) {
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
  }
}
