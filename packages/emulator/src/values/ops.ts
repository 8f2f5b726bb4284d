import { Double, toJsNumber, typeName, type Value } from './types.js';
import { intAdd, intFloorDiv, intMod, intMul, intNeg, intSub } from './integer.js';
import { compareValues, orderingHolds, valueEquals } from './compare.js';
import { formatNumber } from './format.js';
import { typeError, valueError, zeroDivisionError } from './raised-error.js';

/*
 * Operators on values (https://cloud.google.com/workflows/docs/reference/syntax/datatypes). Integers are `number | bigint`, doubles are
 * boxed; every function starts with the two-small-integers fast path, which allocates nothing.
 */

type Num = number | bigint | Double;
type Int = number | bigint;

const isInt = (v: Value): v is Int => typeof v === 'number' || typeof v === 'bigint';
const isNum = (v: Value): v is Num => typeof v === 'number' || typeof v === 'bigint' || v instanceof Double;

function operandError(op: string, a: Value, b: Value): Error {
  return typeError(`unsupported operand types for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
}

/**
 * A double result. Google says only "overflow …" after the `+` table
 * (https://cloud.google.com/workflows/docs/reference/syntax/datatypes); the choice here: raise a ValueError, like integer overflow, rather than let Infinity into a variable
 * (it could not be serialised as JSON anyway).
 */
function dbl(n: number, op: string): Double {
  if (!Number.isFinite(n)) throw valueError(`double overflow: result of ${op} is not finite`);
  return new Double(n);
}

/** `+`, following the official conversion table (https://cloud.google.com/workflows/docs/reference/syntax/datatypes): numbers add, a string on either side concatenates. */
export function add(a: Value, b: Value): Value {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (Number.isSafeInteger(r)) return r;
    return intAdd(a, b);
  }
  if (typeof a === 'string') {
    if (typeof b === 'string') return a + b;
    if (typeof b === 'boolean') return a + (b ? 'true' : 'false');
    if (isNum(b)) return a + formatNumber(b);
    throw operandError('+', a, b);
  }
  if (typeof b === 'string') {
    if (typeof a === 'boolean') return (a ? 'true' : 'false') + b;
    if (isNum(a)) return formatNumber(a) + b;
    throw operandError('+', a, b);
  }
  if (isNum(a) && isNum(b)) {
    if (isInt(a) && isInt(b)) return intAdd(a, b);
    return dbl(toJsNumber(a) + toJsNumber(b), '+');
  }
  // bool + number, list + list, null + x, map + map: not in the official table.
  throw operandError('+', a, b);
}

export function subtract(a: Value, b: Value): Value {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a - b;
    if (Number.isSafeInteger(r)) return r;
  }
  if (!isNum(a) || !isNum(b)) throw operandError('-', a, b);
  if (isInt(a) && isInt(b)) return intSub(a, b);
  return dbl(toJsNumber(a) - toJsNumber(b), '-');
}

export function multiply(a: Value, b: Value): Value {
  if (!isNum(a) || !isNum(b)) throw operandError('*', a, b);
  if (isInt(a) && isInt(b)) return intMul(a, b);
  return dbl(toJsNumber(a) * toJsNumber(b), '*');
}

function zeroDivision(op: string, a: Value, b: Value): Error {
  // https://cloud.google.com/workflows/docs/reference/syntax/error-types: the message names the operand types and the operation; Google does not give the words,
  // so they are a choice.
  return zeroDivisionError(`division by zero: ${typeName(a)} ${op} ${typeName(b)}`);
}

const isZero = (v: Num): boolean =>
  typeof v === 'number' ? v === 0 : typeof v === 'bigint' ? v === 0n : v.value === 0;

/** `/` is float division (https://cloud.google.com/workflows/docs/reference/syntax/datatypes): always a double, even for two integers. */
export function divide(a: Value, b: Value): Value {
  if (!isNum(a) || !isNum(b)) throw operandError('/', a, b);
  if (isZero(b)) throw zeroDivision('/', a, b);
  return dbl(toJsNumber(a) / toJsNumber(b), '/');
}

/** `//` rounds toward negative infinity (Python semantics, [?]); int // int stays an integer. */
export function floorDivide(a: Value, b: Value): Value {
  if (!isNum(a) || !isNum(b)) throw operandError('//', a, b);
  if (isZero(b)) throw zeroDivision('//', a, b);
  if (isInt(a) && isInt(b)) return intFloorDiv(a, b);
  return dbl(Math.floor(toJsNumber(a) / toJsNumber(b)), '//');
}

/** `%` takes the sign of the divisor (Python semantics, [?]), consistent with `//`. */
export function modulo(a: Value, b: Value): Value {
  if (!isNum(a) || !isNum(b)) throw operandError('%', a, b);
  if (isZero(b)) throw zeroDivision('%', a, b);
  if (isInt(a) && isInt(b)) return intMod(a, b);
  const y = toJsNumber(b);
  let r = toJsNumber(a) % y;
  if (r !== 0 && r < 0 !== y < 0) r += y;
  return dbl(r === 0 ? 0 : r, '%');
}

export function negate(a: Value): Value {
  if (typeof a === 'number') return a === 0 ? 0 : -a;
  if (typeof a === 'bigint') return intNeg(a);
  if (a instanceof Double) return new Double(-a.value);
  throw typeError(`bad operand type for unary -: '${typeName(a)}'`);
}

export function not(a: Value): boolean {
  if (typeof a === 'boolean') return !a;
  throw typeError(`bad operand type for not: '${typeName(a)}' (expected a boolean)`);
}

/** `and` / `or` operands must be booleans (https://cloud.google.com/workflows/docs/reference/syntax/datatypes); the evaluator short-circuits. */
export function requireBoolean(v: Value, op: 'and' | 'or'): boolean {
  if (typeof v === 'boolean') return v;
  throw typeError(`operand of '${op}' must be a boolean; got: ${typeName(v)}`);
}

/** `x in y`: a key of a map or an element of a list (deep equality). */
export function contains(container: Value, item: Value): boolean {
  if (container instanceof Map) {
    if (typeof item !== 'string') return false; // map keys are strings, so no other value is a key
    return container.has(item);
  }
  if (Array.isArray(container)) {
    for (let i = 0; i < container.length; i++) if (valueEquals(container[i] as Value, item)) return true;
    return false;
  }
  // Exact message from an official sample for null (https://cloud.google.com/workflows/docs/reference/syntax/datatypes); the same wording for other types.
  throw typeError(`The argument of 'in' must be a dict or an array; got: ${typeName(container)}`);
}

export type StrictBinaryOp =
  '+' | '-' | '*' | '/' | '//' | '%' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in';

/** Applies a binary operator that evaluates both operands (everything except `and` / `or`). */
export function applyBinary(op: StrictBinaryOp, a: Value, b: Value): Value {
  switch (op) {
    case '+':
      return add(a, b);
    case '-':
      return subtract(a, b);
    case '*':
      return multiply(a, b);
    case '/':
      return divide(a, b);
    case '//':
      return floorDivide(a, b);
    case '%':
      return modulo(a, b);
    case '==':
      return valueEquals(a, b);
    case '!=':
      return !valueEquals(a, b);
    case '<':
    case '<=':
    case '>':
    case '>=':
      if (typeof a === 'number' && typeof b === 'number')
        return orderingHolds(a < b ? -1 : a > b ? 1 : 0, op);
      return orderingHolds(compareValues(a, b, op), op);
    case 'in':
      return contains(b, a);
  }
}
