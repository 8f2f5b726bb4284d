/**
 * The Workflows value model.
 *
 * | Workflows type | JavaScript representation                                   |
 * |----------------|-------------------------------------------------------------|
 * | integer        | `number` (always a safe integer) or `bigint` (outside ±2^53, within int64) |
 * | double         | `Double` (a box, so `2.0` stays a double)                    |
 * | string         | `string`                                                     |
 * | boolean        | `boolean`                                                    |
 * | null           | `null`                                                       |
 * | bytes          | `Bytes` (wraps a `Uint8Array`)                               |
 * | list           | `Value[]`                                                    |
 * | map            | `Map<string, Value>` (insertion order; `__proto__` is an ordinary key) |
 *
 * Integers are plain numbers because they are by far the most common numeric values
 * (indexes, counters, status codes); the fast path of every operator works on them
 * without allocation. A `number` value is an integer by invariant: every producer of a
 * double wraps it in `Double`.
 */
export class Double {
  constructor(readonly value: number) {}
}

export class Bytes {
  constructor(readonly data: Uint8Array) {}
}

export type WfMap = Map<string, Value>;
export type WfList = Value[];
export type Value = null | boolean | number | bigint | Double | string | Bytes | WfList | WfMap;

export type TypeName = 'integer' | 'double' | 'string' | 'boolean' | 'null' | 'bytes' | 'list' | 'map';

export const INT64_MAX = 9223372036854775807n;
export const INT64_MIN = -9223372036854775808n;

export function typeName(v: Value): TypeName {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'number':
    case 'bigint':
      return 'integer';
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    default:
      if (v instanceof Double) return 'double';
      if (Array.isArray(v)) return 'list';
      if (v instanceof Map) return 'map';
      return 'bytes';
  }
}

export const isInteger = (v: Value): v is number | bigint => typeof v === 'number' || typeof v === 'bigint';
export const isDouble = (v: Value): v is Double => v instanceof Double;
export const isNumber = (v: Value): v is number | bigint | Double =>
  typeof v === 'number' || typeof v === 'bigint' || v instanceof Double;
export const isMap = (v: Value): v is WfMap => v instanceof Map;
export const isList = (v: Value): v is WfList => Array.isArray(v);
export const isBytes = (v: Value): v is Bytes => v instanceof Bytes;

/** The numeric value of an integer or double as a JS number (may lose precision for big integers). */
export function toJsNumber(v: number | bigint | Double): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return v.value;
}

/** Builds a map value from entries. */
export function wfMap(entries: Iterable<readonly [string, Value]> = []): WfMap {
  return new Map(entries);
}

/** Values nest at most this deep; deeper ones are refused rather than overflowing the JS stack. */
export const MAX_VALUE_DEPTH = 1000;

/** Thrown by cloneValue and valueEquals past MAX_VALUE_DEPTH; callers turn it into a ValueError. */
export class ValueTooDeepError extends Error {
  override readonly name = 'ValueTooDeepError';
  constructor() {
    super(`values nested more than ${MAX_VALUE_DEPTH} levels deep are not supported`);
  }
}

/** Deep copy: the value semantics of assignment (`b: ${a}` never aliases `a`). */
export function cloneValue(v: Value, depth = 0): Value {
  if (v === null || typeof v !== 'object') return v;
  if (depth > MAX_VALUE_DEPTH) throw new ValueTooDeepError();
  if (Array.isArray(v)) {
    const out: Value[] = new Array<Value>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = cloneValue(v[i] as Value, depth + 1);
    return out;
  }
  if (v instanceof Map) {
    const out: WfMap = new Map();
    for (const [k, x] of v) out.set(k, cloneValue(x, depth + 1));
    return out;
  }
  return v; // Double and Bytes are immutable
}
