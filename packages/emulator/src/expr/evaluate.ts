import type { Expr } from './ast.js';
import { dottedNames } from './analyze.js';
import { cloneValue, Double, typeName, type Value, type WfMap } from '../values/types.js';
import { applyBinary, negate, not, requireBoolean } from '../values/ops.js';
import { indexError, keyError, platformError, typeError } from '../values/raised-error.js';

export interface EvalContext {
  /** A variable's value, or undefined when no such variable exists. */
  lookup(name: string): Value | undefined;
  /** Calls a function by dotted name with positional arguments (stdlib or subworkflow). */
  call(name: string, args: Value[], node: Expr): Value;
  /** A module constant such as `retry.default_backoff` or `http.default_retry`, else undefined. */
  constant(name: string): Value | undefined;
}

/**
 * Evaluates an expression: synchronous and pure apart from `ctx.call`. Errors are
 * RaisedErrors (TypeError, KeyError, IndexError, ValueError, ZeroDivisionError...).
 *
 * Reading a variable returns the stored value itself, not a copy: whoever stores a result
 * (assignment, return) copies it with `cloneValue`, as types.ts prescribes. List and map
 * literals build fresh containers and copy the containers they embed, so a literal never
 * aliases a variable.
 */
export function evaluate(node: Expr, ctx: EvalContext): Value {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'variable': {
      const v = ctx.lookup(node.name);
      if (v === undefined) throw variableNotFound(node.name);
      return v;
    }
    case 'binary': {
      const op = node.op;
      if (op === 'and') {
        if (!requireBoolean(evaluate(node.left, ctx), 'and')) return false;
        return requireBoolean(evaluate(node.right, ctx), 'and');
      }
      if (op === 'or') {
        if (requireBoolean(evaluate(node.left, ctx), 'or')) return true;
        return requireBoolean(evaluate(node.right, ctx), 'or');
      }
      const l = evaluate(node.left, ctx);
      const r = evaluate(node.right, ctx);
      // Fast path: two safe integers, no allocation (falls through on overflow or division).
      if (typeof l === 'number' && typeof r === 'number') {
        switch (op) {
          case '+': {
            const s = l + r;
            if (Number.isSafeInteger(s)) return s;
            break;
          }
          case '-': {
            const s = l - r;
            if (Number.isSafeInteger(s)) return s;
            break;
          }
          case '*': {
            const s = l * r;
            if (Number.isSafeInteger(s)) return s === 0 ? 0 : s;
            break;
          }
          case '<':
            return l < r;
          case '<=':
            return l <= r;
          case '>':
            return l > r;
          case '>=':
            return l >= r;
          case '==':
            return l === r;
          case '!=':
            return l !== r;
          default:
            break;
        }
      }
      return applyBinary(op, l, r);
    }
    case 'member':
      return evalMember(node, ctx);
    case 'index': {
      const obj = evaluate(node.object, ctx);
      const idx = evaluate(node.index, ctx);
      return indexValue(obj, idx);
    }
    case 'call': {
      const args: Value[] = new Array<Value>(node.args.length);
      for (let i = 0; i < node.args.length; i++) args[i] = evaluate(node.args[i] as Expr, ctx);
      return ctx.call(node.callee, args, node);
    }
    case 'unary': {
      const v = evaluate(node.operand, ctx);
      return node.op === '-' ? negate(v) : not(v);
    }
    case 'list': {
      const out: Value[] = new Array<Value>(node.items.length);
      for (let i = 0; i < node.items.length; i++) out[i] = fresh(evaluate(node.items[i] as Expr, ctx));
      return out;
    }
    case 'map': {
      const out: WfMap = new Map();
      for (const { key, value } of node.entries) {
        const k = evaluate(key, ctx);
        if (typeof k !== 'string') throw typeError(`map keys must be strings; got: ${typeName(k)}`);
        out.set(k, fresh(evaluate(value, ctx)));
      }
      return out;
    }
    default:
      return assertNever(node);
  }
}

function assertNever(node: never): never {
  throw new Error(`unknown expression node ${JSON.stringify((node as { kind?: unknown }).kind)}`);
}

const fresh = (v: Value): Value =>
  v !== null && typeof v === 'object' && !(v instanceof Double) ? cloneValue(v) : v;

/*
 * https://cloud.google.com/workflows/docs/reference/syntax/variables: undefined variables are a deploy-time error; one that is defined only on another
 * path reaches run time with an unknown tag ([?]). KeyError is the closest documented tag.
 */
function variableNotFound(name: string): Error {
  return platformError('KeyError', `variable not found: ${name}`);
}

function evalMember(node: Extract<Expr, { kind: 'member' }>, ctx: EvalContext): Value {
  const obj = node.object;
  let base: Value;
  if (obj.kind === 'variable') {
    const v = ctx.lookup(obj.name);
    if (v === undefined) {
      const c = ctx.constant(`${obj.name}.${node.property}`);
      if (c !== undefined) return c;
      throw variableNotFound(obj.name);
    }
    base = v;
  } else {
    if (obj.kind === 'member') {
      let root: Expr = obj;
      while (root.kind === 'member') root = root.object;
      if (root.kind === 'variable' && ctx.lookup(root.name) === undefined)
        return evalConstantChain(node, root.name, ctx);
    }
    base = evaluate(obj, ctx);
  }
  return getProperty(base, node.property);
}

/** `a.b.c.d` whose root `a` is not a variable: the shortest prefix that names a constant, then properties. */
function evalConstantChain(node: Extract<Expr, { kind: 'member' }>, root: string, ctx: EvalContext): Value {
  const names = dottedNames(node) as string[]; // the chain ends in the variable `root`
  let name = root;
  for (let i = 1; i < names.length; i++) {
    name += '.' + (names[i] as string);
    const c = ctx.constant(name);
    if (c !== undefined) {
      let v = c;
      for (let j = i + 1; j < names.length; j++) v = getProperty(v, names[j] as string);
      return v;
    }
  }
  throw variableNotFound(root);
}

export function getProperty(base: Value, property: string): Value {
  if (base instanceof Map) {
    const v = base.get(property);
    if (v === undefined) throw keyError(property);
    return v;
  }
  throw typeError(`cannot access property '${property}' of a ${typeName(base)}: only maps have properties`);
}

export function indexValue(obj: Value, idx: Value): Value {
  if (Array.isArray(obj)) {
    if (typeof idx === 'number') {
      const v = obj[idx];
      // Negative indexes are not supported (https://cloud.google.com/workflows/docs/reference/syntax/expressions): `obj[-1]` is undefined and lands here too.
      if (v === undefined) throw indexError('list index out of range');
      return v;
    }
    if (typeof idx === 'bigint') throw indexError('list index out of range');
    throw typeError(`list indices must be integers; got: ${typeName(idx)}`);
  }
  if (obj instanceof Map) {
    if (typeof idx !== 'string') throw typeError(`map keys must be strings; got: ${typeName(idx)}`);
    const v = obj.get(idx);
    if (v === undefined) throw keyError(idx);
    return v;
  }
  throw typeError(`cannot index a ${typeName(obj)}: only lists and maps can be indexed`);
}
