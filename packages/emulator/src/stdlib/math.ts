/** `math.*` (https://cloud.google.com/workflows/docs/reference/stdlib/math/abs). */
import { intCompare, intFromNumber, intNeg } from '../values/integer.js';
import { Double, INT64_MIN, toJsNumber, type Value } from '../values/types.js';
import { valueError } from '../values/raised-error.js';
import { NUMBER, param, pure, type StdlibMember } from './registry.js';

type Num = number | bigint | Double;

function abs(x: Num): Value {
  if (x instanceof Double) return new Double(Math.abs(x.value));
  if (typeof x === 'bigint' && x === INT64_MIN)
    throw valueError('math.abs: the absolute value of -2^63 does not fit in 64 bits');
  return intCompare(x, 0) < 0 ? intNeg(x) : x;
}

function floor(x: Num): Value {
  if (!(x instanceof Double)) return x;
  if (!Number.isFinite(x.value)) throw valueError(`math.floor: cannot convert ${x.value} to an integer`);
  return intFromNumber(Math.floor(x.value));
}

function pick(x: Num, y: Num, wantMax: boolean): Value {
  if (!(x instanceof Double) && !(y instanceof Double)) {
    const c = intCompare(x, y);
    return (wantMax ? c >= 0 : c <= 0) ? x : y;
  }
  const a = toJsNumber(x);
  const b = toJsNumber(y);
  return new Double(wantMax ? Math.max(a, b) : Math.min(a, b));
}

export function mathFunctions(): StdlibMember[] {
  return [
    pure('math.abs', [param('x', ...NUMBER)], ([x]) => abs(x as Num)),
    pure('math.floor', [param('x', ...NUMBER)], ([x]) => floor(x as Num)),
    pure('math.max', [param('x', ...NUMBER), param('y', ...NUMBER)], ([x, y]) =>
      pick(x as Num, y as Num, true),
    ),
    pure('math.min', [param('x', ...NUMBER), param('y', ...NUMBER)], ([x, y]) =>
      pick(x as Num, y as Num, false),
    ),
  ];
}
