import type { Expr } from './ast.js';
import { evaluate, type EvalContext } from './evaluate.js';
import { parseExpression } from './parser.js';
import type { Value } from '../values/types.js';
import { platformError } from '../values/raised-error.js';

export type { BinaryOp, Expr, ExprKind, Span } from './ast.js';
export { ExpressionSyntaxError, caretExcerpt } from './errors.js';
export { MAX_EXPRESSION_DEPTH, MAX_EXPRESSION_LENGTH, parseExpression } from './parser.js';
export { evaluate, getProperty, indexValue, type EvalContext } from './evaluate.js';
export { collectCalls, collectVariables, dottedName, dottedNames, walkExpr } from './analyze.js';
export { tokenize } from './lexer.js';

export type CallFn = (name: string, args: Value[], node: Expr) => Value;

/**
 * Parses and evaluates expression text against plain variables: a convenience for tests
 * and tools. Without `call`, any function call fails with a SystemError.
 */
export function evaluateText(
  text: string,
  vars: Record<string, Value> | Map<string, Value> = {},
  call?: CallFn,
  constants?: Record<string, Value> | Map<string, Value>,
): Value {
  return evaluate(parseExpression(text), createSimpleContext(vars, call, constants));
}

/** An EvalContext over fixed variables and constants. */
export function createSimpleContext(
  vars: Record<string, Value> | Map<string, Value>,
  call?: CallFn,
  constants?: Record<string, Value> | Map<string, Value>,
): EvalContext {
  const v = toMap(vars);
  const c = constants === undefined ? undefined : toMap(constants);
  return {
    lookup: (name) => v.get(name),
    call:
      call ??
      ((name) => {
        throw platformError('SystemError', `function not available: ${name}`);
      }),
    constant: (name) => c?.get(name),
  };
}

function toMap(x: Record<string, Value> | Map<string, Value>): Map<string, Value> {
  if (x instanceof Map) return x;
  // Object.keys, not `in`/property reads: "__proto__" or "constructor" must stay ordinary names.
  return new Map(Object.keys(x).map((k) => [k, x[k] as Value]));
}
