import type { Expr } from './ast.js';

/**
 * `a`, `a.b`, `a.b.c` as its names (`['a', 'b', 'c']`): an expression made only of property
 * accesses on a variable, as a function or module member is named; undefined for anything else.
 */
export function dottedNames(e: Expr): string[] | undefined {
  const names: string[] = [];
  while (e.kind === 'member') {
    names.push(e.property);
    e = e.object;
  }
  if (e.kind !== 'variable') return undefined;
  names.push(e.name);
  return names.reverse();
}

/** `a`, `a.b`, `a.b.c` as a dotted name (a function or module member name); undefined for anything else. */
export function dottedName(e: Expr): string | undefined {
  return dottedNames(e)?.join('.');
}

/** Visits every node, parents before children, left to right. */
export function walkExpr(expr: Expr, visit: (node: Expr) => void): void {
  visit(expr);
  switch (expr.kind) {
    case 'literal':
    case 'variable':
      return;
    case 'member':
      walkExpr(expr.object, visit);
      return;
    case 'index':
      walkExpr(expr.object, visit);
      walkExpr(expr.index, visit);
      return;
    case 'call':
      for (const a of expr.args) walkExpr(a, visit);
      return;
    case 'unary':
      walkExpr(expr.operand, visit);
      return;
    case 'binary':
      walkExpr(expr.left, visit);
      walkExpr(expr.right, visit);
      return;
    case 'list':
      for (const i of expr.items) walkExpr(i, visit);
      return;
    case 'map':
      for (const { key, value } of expr.entries) {
        walkExpr(key, visit);
        walkExpr(value, visit);
      }
      return;
    default: {
      const never: never = expr;
      throw new Error(`unknown expression node ${JSON.stringify(never)}`);
    }
  }
}

/** Dotted names of the functions an expression calls, in order of first appearance, without duplicates. */
export function collectCalls(expr: Expr): string[] {
  const out = new Set<string>();
  walkExpr(expr, (n) => {
    if (n.kind === 'call') out.add(n.callee);
  });
  return [...out];
}

/**
 * Names of the variables an expression reads, in order of first appearance, without
 * duplicates. A property chain `a.b.c` whose dotted prefix `isConstant` accepts (e.g.
 * `http.default_retry`) is a module constant, not a read of variable `a`; a variable of the
 * same name would take precedence at run time, so the validator may also check for that.
 */
export function collectVariables(expr: Expr, isConstant?: (dottedName: string) => boolean): string[] {
  const out = new Set<string>();
  const visit = (n: Expr): void => {
    if (n.kind === 'variable') {
      out.add(n.name);
      return;
    }
    if (n.kind === 'member' && isConstant !== undefined && constantPrefix(n, isConstant)) return;
    switch (n.kind) {
      case 'literal':
        return;
      case 'member':
        visit(n.object);
        return;
      case 'index':
        visit(n.object);
        visit(n.index);
        return;
      case 'call':
        n.args.forEach(visit);
        return;
      case 'unary':
        visit(n.operand);
        return;
      case 'binary':
        visit(n.left);
        visit(n.right);
        return;
      case 'list':
        n.items.forEach(visit);
        return;
      case 'map':
        for (const { key, value } of n.entries) {
          visit(key);
          visit(value);
        }
        return;
    }
  };
  visit(expr);
  return [...out];
}

/** True when some dotted prefix (at least `root.prop`) of this pure member chain is a constant. */
function constantPrefix(node: Expr, isConstant: (dottedName: string) => boolean): boolean {
  const props: string[] = [];
  let e: Expr = node;
  while (e.kind === 'member') {
    props.push(e.property);
    e = e.object;
  }
  if (e.kind !== 'variable') return false;
  let name = e.name;
  for (let i = props.length - 1; i >= 0; i--) {
    name += '.' + (props[i] as string);
    if (isConstant(name)) return true;
  }
  return false;
}
