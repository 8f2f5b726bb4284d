import type { FunctionContext } from '../../src/stdlib/registry.js';
import { Bytes, Double, typeName, type Value } from '../../src/values/types.js';

export const FIXED_NOW_MS = 1720788633500;
export const FIXED_UUID = '0b6c7a2e-5d1f-4c3a-9e8b-2f4d6a8c0e1f';
const ENV: Record<string, string> = { GOOGLE_CLOUD_PROJECT_ID: 'test-project', MY_VAR: 'hello' };

export function testContext(): FunctionContext {
  return {
    clock: { now: () => FIXED_NOW_MS, sleep: () => Promise.resolve() },
    ids: { uuid: () => FIXED_UUID },
    env: (name) => (Object.hasOwn(ENV, name) ? ENV[name] : undefined),
  };
}

/** Equality that keeps integer and double apart (unlike the language's `==`); map order is ignored. */
export function strictValueEqual(a: Value, b: Value): boolean {
  const t = typeName(a);
  if (t !== typeName(b)) return false;
  switch (t) {
    case 'integer':
      return BigInt(a as number | bigint) === BigInt(b as number | bigint);
    case 'double':
      return Object.is((a as Double).value, (b as Double).value);
    case 'bytes':
      return Buffer.from((a as Bytes).data).equals(Buffer.from((b as Bytes).data));
    case 'list': {
      const x = a as Value[];
      const y = b as Value[];
      return x.length === y.length && x.every((e, i) => strictValueEqual(e, y[i] as Value));
    }
    case 'map': {
      const x = a as Map<string, Value>;
      const y = b as Map<string, Value>;
      if (x.size !== y.size) return false;
      for (const [k, v] of x) if (!y.has(k) || !strictValueEqual(v, y.get(k) as Value)) return false;
      return true;
    }
    default:
      return a === b;
  }
}

/** A readable, type-revealing rendering for failure messages. */
export function describeValue(v: Value): string {
  if (v === null) return 'null';
  if (typeof v === 'bigint' || typeof v === 'number') return `${v}`;
  if (v instanceof Double) return `${v.value}d`;
  if (v instanceof Bytes) return `bytes(${Buffer.from(v.data).toString('hex')})`;
  if (Array.isArray(v)) return `[${v.map(describeValue).join(', ')}]`;
  if (v instanceof Map)
    return `{${[...v].map(([k, x]) => `${JSON.stringify(k)}: ${describeValue(x)}`).join(', ')}}`;
  return JSON.stringify(v);
}
