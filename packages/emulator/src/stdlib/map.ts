/**
 * `map.*` (https://cloud.google.com/workflows/docs/reference/stdlib/map/get). Maps are `Map` instances, so `__proto__`, `constructor` and
 * `prototype` are ordinary keys here. Results are new maps; inputs are never changed.
 */
import { typeError } from '../values/raised-error.js';
import { isMap, type Value, type WfMap } from '../values/types.js';
import { param, pure, type StdlibMember } from './registry.js';

function get(m: Value, keys: Value): Value {
  // The key type is checked before the map: a bad key is a TypeError even on a non-map.
  const path: string[] = [];
  if (typeof keys === 'string') path.push(keys);
  else if (Array.isArray(keys)) {
    for (const k of keys) {
      if (typeof k !== 'string') throw typeError('map.get: every key in the keys list must be a string');
      path.push(k);
    }
  } else throw typeError('map.get: keys must be a string or a list of strings');
  let cur: Value = m;
  for (const k of path) {
    if (!isMap(cur) || !cur.has(k)) return null;
    cur = cur.get(k) as Value;
  }
  return cur;
}

function mergeNested(a: WfMap, b: WfMap): WfMap {
  const out: WfMap = new Map(a);
  for (const [k, v] of b) {
    const prev = out.get(k);
    out.set(k, prev !== undefined && isMap(prev) && isMap(v) ? mergeNested(prev, v) : v);
  }
  return out;
}

export function mapFunctions(): StdlibMember[] {
  return [
    // `map` is untyped: a non-map yields null rather than a TypeError (https://cloud.google.com/workflows/docs/reference/stdlib/map/get).
    pure('map.get', [param('map'), param('keys')], ([m, k]) => get(m ?? null, k ?? null)),
    pure('map.delete', [param('map', 'map'), param('key', 'string')], ([m, k]) => {
      const out: WfMap = new Map(m as WfMap);
      out.delete(k as string);
      return out;
    }),
    pure('map.merge', [param('first', 'map'), param('second', 'map')], ([a, b]) => {
      const out: WfMap = new Map(a as WfMap);
      for (const [k, v] of b as WfMap) out.set(k, v);
      return out;
    }),
    pure('map.merge_nested', [param('first', 'map'), param('second', 'map')], ([a, b]) =>
      mergeNested(a as WfMap, b as WfMap),
    ),
  ];
}
