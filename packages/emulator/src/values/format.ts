import { Bytes, Double, type Value } from './types.js';
import { stringifyJson } from './json.js';

/**
 * The text of a number as `string()` and `+` write it: integers in decimal, doubles in
 * shortest round-trip form. An integral double prints without `.0` (`2`), and very large or
 * small doubles use exponent form (`1e+21`): JS `String(n)` semantics. Google is silent on
 * both: choices, in the README's list; the `sys.now()` example of
 * https://cloud.google.com/workflows/docs/reference/stdlib/sys/now matches.
 */
export function formatNumber(v: number | bigint | Double): string {
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return String(v.value);
}

/** The display text of any value: scalars as `string()` writes them, lists and maps as compact JSON. */
export function toDisplayString(v: Value): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
    case 'bigint':
      return String(v);
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      if (v instanceof Double) return String(v.value);
      if (v instanceof Bytes) return `<bytes of length ${v.data.length}>`;
      try {
        return stringifyJson(v);
      } catch {
        return Array.isArray(v) ? '<list>' : '<map>';
      }
  }
}
