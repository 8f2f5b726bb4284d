import type { Value } from './types.js';

/**
 * Bytes of variable memory a value costs, against the memory limit of https://cloud.google.com/workflows/quotas; Google does not
 * document how values are counted, so the accounting is a choice (from third-party notes):
 * scalars 8; strings and bytes 8 + length; lists 8 + elements; maps 8 + keys + values.
 * String length is counted in UTF-16 units, a cheap stand-in for UTF-8 bytes. Iterative, so a
 * deeply nested value cannot overflow the stack.
 */
export function estimateSize(v: Value): number {
  if (v === null || typeof v !== 'object') return typeof v === 'string' ? 8 + v.length : 8;
  let total = 0;
  const stack: Value[] = [v];
  while (stack.length > 0) {
    const x = stack.pop() as Value;
    if (x === null || typeof x !== 'object') {
      total += typeof x === 'string' ? 8 + x.length : 8;
    } else if (Array.isArray(x)) {
      total += 8;
      for (let i = 0; i < x.length; i++) {
        const e = x[i] as Value;
        if (e === null || typeof e !== 'object') total += typeof e === 'string' ? 8 + e.length : 8;
        else stack.push(e);
      }
    } else if (x instanceof Map) {
      total += 8;
      for (const [k, e] of x) {
        total += 8 + k.length;
        if (e === null || typeof e !== 'object') total += typeof e === 'string' ? 8 + e.length : 8;
        else stack.push(e);
      }
    } else if ('data' in x) {
      total += 8 + x.data.length;
    } else {
      total += 8; // Double
    }
  }
  return total;
}
