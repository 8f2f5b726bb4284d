import { INT64_MAX, INT64_MIN } from './types.js';
import { valueError } from './raised-error.js';

/**
 * Normalises an integer result: a safe integer stays a `number`, anything larger
 * becomes a `bigint`, and anything outside int64 raises (never silent precision loss).
 */
export function normalizeBigInt(b: bigint): number | bigint {
  if (b > INT64_MAX || b < INT64_MIN) throw valueError('integer overflow: result does not fit in 64 bits');
  if (b <= 9007199254740991n && b >= -9007199254740991n) return Number(b);
  return b;
}

export const toBig = (v: number | bigint): bigint => (typeof v === 'bigint' ? v : BigInt(v));

export function intAdd(a: number | bigint, b: number | bigint): number | bigint {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (Number.isSafeInteger(r)) return r;
  }
  return normalizeBigInt(toBig(a) + toBig(b));
}

export function intSub(a: number | bigint, b: number | bigint): number | bigint {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a - b;
    if (Number.isSafeInteger(r)) return r;
  }
  return normalizeBigInt(toBig(a) - toBig(b));
}

export function intMul(a: number | bigint, b: number | bigint): number | bigint {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a * b;
    if (Number.isSafeInteger(r)) return r === 0 ? 0 : r; // no -0 for integers
  }
  return normalizeBigInt(toBig(a) * toBig(b));
}

/** Floor division of integers (rounds toward negative infinity, like Python). Divisor must be non-zero. */
export function intFloorDiv(a: number | bigint, b: number | bigint): number | bigint {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = Math.floor(a / b);
    // a / b in doubles is exact enough for safe integers except near 2^53; verify.
    if (Number.isSafeInteger(r) && Math.abs(a) < 2 ** 52) return r === 0 ? 0 : r;
  }
  const x = toBig(a);
  const y = toBig(b);
  let q = x / y;
  if (x % y !== 0n && x < 0n !== y < 0n) q -= 1n;
  return normalizeBigInt(q);
}

/** Remainder with the sign of the divisor (Python semantics), consistent with floor division. */
export function intMod(a: number | bigint, b: number | bigint): number | bigint {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a % b;
    const m = r !== 0 && r < 0 !== b < 0 ? r + b : r;
    return m === 0 ? 0 : m;
  }
  const x = toBig(a);
  const y = toBig(b);
  let r = x % y;
  if (r !== 0n && r < 0n !== y < 0n) r += y;
  return normalizeBigInt(r);
}

export function intNeg(a: number | bigint): number | bigint {
  if (typeof a === 'number') return a === 0 ? 0 : -a;
  return normalizeBigInt(-a);
}

export function intCompare(a: number | bigint, b: number | bigint): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  const x = toBig(a);
  const y = toBig(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Converts a finite JS number that is integral into an integer value, or throws on overflow. */
export function intFromNumber(n: number): number | bigint {
  if (Number.isSafeInteger(n)) return n === 0 ? 0 : n;
  if (!Number.isFinite(n)) throw valueError(`cannot convert ${n} to an integer`);
  return normalizeBigInt(BigInt(Math.trunc(n)));
}
