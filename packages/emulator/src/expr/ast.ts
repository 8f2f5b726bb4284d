/** Expression AST. Offsets are 0-based positions in the expression text (inside `${...}`). */
import type { Value } from '../values/types.js';

export interface Span {
  start: number;
  end: number;
}

export type BinaryOp =
  '+' | '-' | '*' | '/' | '//' | '%' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'and' | 'or';

export type Expr =
  | { kind: 'literal'; value: Value; span: Span }
  | { kind: 'variable'; name: string; span: Span }
  | { kind: 'member'; object: Expr; property: string; span: Span }
  | { kind: 'index'; object: Expr; index: Expr; span: Span }
  | { kind: 'call'; callee: string; args: Expr[]; span: Span }
  | { kind: 'unary'; op: '-' | 'not'; operand: Expr; span: Span }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr; span: Span }
  | { kind: 'list'; items: Expr[]; span: Span }
  | { kind: 'map'; entries: { key: Expr; value: Expr }[]; span: Span };

export type ExprKind = Expr['kind'];
