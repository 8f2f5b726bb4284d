/**
 * The typed, validated workflow definition that the loader produces and the executor runs.
 * Every node keeps its 1-based line and column in the source.
 */
import type { Expr } from '../expr/ast.js';
import type { Value } from '../values/types.js';

export interface Pos {
  line: number;
  column: number;
}

/** A parsed `${...}` expression with where it sits in the source. */
export interface ExprTemplate {
  kind: 'expr';
  expr: Expr;
  /** The text between `${` and `}`. */
  text: string;
  /** Position of the `$` in the source. Column offsets of `expr` spans add to `pos.column + 2`. */
  pos: Pos;
}

/**
 * A YAML/JSON value with expressions inside: a string that is exactly `${...}` is an
 * expression; lists and maps may hold expressions at any depth, and map keys may be expressions.
 */
export type ValueTemplate =
  | { kind: 'literal'; value: Value; pos: Pos } // scalar, or a list/map with no expression inside
  | ExprTemplate
  | { kind: 'list'; items: ValueTemplate[]; pos: Pos }
  | { kind: 'map'; entries: { key: string | ExprTemplate; value: ValueTemplate }[]; pos: Pos };

/** `next:` target. `end`, `break`, `continue` are the special words. */
export type NextTarget =
  | { kind: 'step'; name: string; pos: Pos }
  | { kind: 'end'; pos: Pos }
  | { kind: 'break'; pos: Pos }
  | { kind: 'continue'; pos: Pos };

/** Left-hand side of an assignment: `a`, `a.b`, `a["k"]`, `a[i + 1].c`. */
export interface AssignTarget {
  variable: string;
  /** Path below the variable: a property name or an index expression. */
  path: ({ kind: 'property'; name: string } | { kind: 'index'; expr: Expr })[];
  text: string;
  pos: Pos;
}

export interface Assignment {
  target: AssignTarget;
  value: ValueTemplate;
  pos: Pos;
}

export interface ForSpec {
  value: string;
  index?: string;
  /** Exactly one of `in` and `range`. */
  in?: ValueTemplate;
  range?: ValueTemplate;
  steps: Step[];
  pos: Pos;
  /** Where the `for` key is written (deploy errors about the loop point at it). */
  keyPos?: Pos;
  /** Where the loop variable's and the index variable's names are written. */
  valuePos?: Pos;
  indexPos?: Pos;
}

export interface RetrySpec {
  pos: Pos;
  /** `retry: ${http.default_retry}` or `retry: ${my_policy_map}`. */
  policy?: ExprTemplate;
  /** The map form. `predicate` is an expression naming a function (stdlib predicate or subworkflow). */
  predicate?: ExprTemplate;
  maxRetries?: ValueTemplate;
  backoff?: { initialDelay?: ValueTemplate; maxDelay?: ValueTemplate; multiplier?: ValueTemplate; pos: Pos };
  /** `backoff: ${retry.default_backoff}` or another expression giving the backoff map. */
  backoffExpr?: ExprTemplate;
}

export interface ExceptSpec {
  as?: string;
  steps: Step[];
  pos: Pos;
}

export interface ParallelBranch {
  name: string;
  steps: Step[];
  pos: Pos;
}

export interface ParallelSpec {
  shared: string[];
  concurrencyLimit?: ValueTemplate;
  exceptionPolicy: 'continueAll';
  /** Exactly one of `branches` and `for`. */
  branches?: ParallelBranch[];
  for?: ForSpec;
  pos: Pos;
}

/**
 * The action part of a step (also used by switch conditions and `try` bodies, which accept
 * the same actions without a step name). Exactly one action kind per body, optionally with `next`.
 */
export type StepAction =
  | { kind: 'assign'; assign: Assignment[] }
  | { kind: 'call'; call: string; args?: ValueTemplate; result?: string; callPos: Pos; resultPos?: Pos }
  | { kind: 'switch'; conditions: SwitchCondition[] }
  | { kind: 'for'; for: ForSpec }
  | { kind: 'parallel'; parallel: ParallelSpec }
  | { kind: 'raise'; raise: ValueTemplate }
  | { kind: 'return'; return: ValueTemplate }
  | { kind: 'steps'; steps: Step[] }
  | { kind: 'try'; try: TryBody; retry?: RetrySpec; except?: ExceptSpec }
  | { kind: 'next' }; // a step with only `next:`

/** A `try:` holds either a single step body (e.g. call + args + result) or `steps: [...]`. */
export type TryBody = StepBody;

export interface StepBody {
  action: StepAction;
  next?: NextTarget;
  pos: Pos;
}

export interface Step extends StepBody {
  name: string;
}

export interface SwitchCondition {
  condition: ValueTemplate;
  /** Embedded action (`steps`, `assign`, `call`, `return`, `raise`...) if any. */
  body?: StepBody;
  next?: NextTarget;
  pos: Pos;
}

export interface RoutineParam {
  name: string;
  /** Present for optional parameters (`- name: default`). */
  default?: ValueTemplate;
  pos: Pos;
}

export interface Routine {
  name: string;
  params: RoutineParam[];
  steps: Step[];
  pos: Pos;
}

export interface WorkflowDefinition {
  /** `main` first, then subworkflows in source order. */
  routines: Map<string, Routine>;
  /** The original source text (for error excerpts). */
  source: string;
}

/** One deploy-time problem, reported with its position and an excerpt of the source. */
export interface SourceProblem {
  message: string;
  line: number;
  column: number;
  /** The source line and a caret under the column. */
  excerpt: string;
}
