/**
 * The schema-checked YAML tree → the typed WorkflowDefinition the executor runs.
 * Parses every `${...}` string; expression syntax errors and bad assignment targets
 * become problems (the rest of the definition is still built, so later checks can run).
 */
import { ExpressionSyntaxError, parseExpression } from '../expr/index.js';
import type { Expr } from '../expr/ast.js';
import { Double, INT64_MAX, INT64_MIN, type Value } from '../values/types.js';
import { EXPRESSION_RE, ACTION_KEYS, stepPrefix } from './schema.js';
import type { SourceText } from './source-text.js';
import type {
  AssignTarget,
  Assignment,
  ExceptSpec,
  ExprTemplate,
  ForSpec,
  NextTarget,
  ParallelBranch,
  ParallelSpec,
  Pos,
  RetrySpec,
  Routine,
  RoutineParam,
  SourceProblem,
  Step,
  StepAction,
  StepBody,
  SwitchCondition,
  ValueTemplate,
  WorkflowDefinition,
} from './types.js';
import { valueOffsetToSource, type PMap, type PMapEntry, type PNode, type PScalar } from './yaml-tree.js';

export interface Conversion {
  definition: WorkflowDefinition;
  problems: SourceProblem[];
  /** Source position of an offset inside an expression's text (exact across lines and escapes). */
  exprPos: (template: ExprTemplate, offset: number) => Pos;
  /** Position of a key of a map written in the source (literal maps keep no per-key positions). */
  keyPos: (template: ValueTemplate, key: string) => Pos | undefined;
}

export function convertWorkflow(root: PNode, src: SourceText): Conversion {
  const c = new Converter(src);
  const routines = new Map<string, Routine>();
  if (root.kind === 'seq') {
    routines.set('main', { name: 'main', params: [], steps: c.steps(root), pos: root.pos });
  } else if (root.kind === 'map') {
    const main = root.entries.find((e) => e.key === 'main');
    const ordered = main ? [main, ...root.entries.filter((e) => e !== main)] : root.entries;
    for (const e of ordered) routines.set(e.key, c.routine(e));
  }
  return {
    definition: { routines, source: src.text },
    problems: c.problems,
    exprPos: (t, offset) => c.exprPos(t, offset),
    keyPos: (t, key) => c.keyPositions.get(t)?.get(key),
  };
}

const SPECIAL_NEXT = new Set(['end', 'break', 'continue']);

class Converter {
  readonly problems: SourceProblem[] = [];
  private readonly scalars = new WeakMap<ExprTemplate, { scalar: PScalar; dollar: number }>();
  readonly keyPositions = new WeakMap<ValueTemplate, Map<string, Pos>>();
  /** The step being converted, for `error in step <name>` messages. */
  private step: string | undefined;

  constructor(private readonly src: SourceText) {}

  exprPos(t: ExprTemplate, offset: number): Pos {
    const origin = this.scalars.get(t);
    if (!origin) return { line: t.pos.line, column: t.pos.column + 2 + offset };
    return this.src.pos(valueOffsetToSource(this.src, origin.scalar, origin.dollar + 2 + offset));
  }

  private problem(message: string, pos: Pos): void {
    this.problems.push(this.src.problem(`${stepPrefix(this.step)}${message}`, pos));
  }

  routine(entry: PMapEntry): Routine {
    const body = entry.value as PMap;
    const paramsNode = get(body, 'params');
    const params: RoutineParam[] = [];
    if (paramsNode?.kind === 'seq') {
      for (const p of paramsNode.items) {
        if (p.kind === 'scalar') params.push({ name: String(p.value), pos: p.pos });
        else if (p.kind === 'map' && p.entries[0]) {
          const e = p.entries[0];
          params.push({ name: e.key, default: this.value(e.value), pos: e.keyPos });
        }
      }
    }
    const stepsNode = get(body, 'steps');
    const steps = stepsNode?.kind === 'seq' ? this.steps(stepsNode) : [];
    return { name: entry.key, params, steps, pos: entry.keyPos };
  }

  steps(seq: PNode): Step[] {
    if (seq.kind !== 'seq') return [];
    const out: Step[] = [];
    for (const item of seq.items) {
      const entry = item.kind === 'map' ? item.entries[0] : undefined;
      if (!entry || entry.value.kind !== 'map') continue;
      const outer = this.step;
      this.step = entry.key;
      const body = this.body(entry.value, entry.keyPos);
      this.step = outer;
      out.push({ name: entry.key, ...body });
    }
    return out;
  }

  /** A step body, a `try` body or the action part of a switch condition. */
  body(map: PMap, pos: Pos): StepBody {
    const nextNode = get(map, 'next');
    const next = nextNode ? this.next(nextNode) : undefined;
    const action = this.action(map);
    return next ? { action, next, pos } : { action, pos };
  }

  private action(map: PMap): StepAction {
    const key = ACTION_KEYS.find((k) => get(map, k) !== undefined);
    const node = key ? (get(map, key) as PNode) : undefined;
    switch (key) {
      case undefined:
        return { kind: 'next' };
      case 'assign':
        return { kind: 'assign', assign: this.assignments(node as PNode) };
      case 'call': {
        const argsNode = get(map, 'args');
        const resultNode = get(map, 'result');
        const call: StepAction & { kind: 'call' } = {
          kind: 'call',
          call: String(scalarValue(node)),
          callPos: (node as PNode).pos,
        };
        if (argsNode) call.args = this.value(argsNode);
        if (resultNode) {
          call.result = String(scalarValue(resultNode));
          call.resultPos = resultNode.pos;
        }
        return call;
      }
      case 'switch':
        return { kind: 'switch', conditions: this.conditions(node as PNode) };
      case 'for':
        return { kind: 'for', for: this.forSpec(node as PMap, keyPos(map, 'for')) };
      case 'parallel':
        return { kind: 'parallel', parallel: this.parallel(node as PMap) };
      case 'raise':
        return { kind: 'raise', raise: this.value(node as PNode) };
      case 'return':
        return { kind: 'return', return: this.value(node as PNode) };
      case 'steps':
        return { kind: 'steps', steps: this.steps(node as PNode) };
      case 'try': {
        const t = node as PNode;
        const tryBody: StepBody =
          t.kind === 'map'
            ? this.body(t, t.pos)
            : { action: { kind: 'steps', steps: this.steps(t) }, pos: t.pos };
        const action: StepAction & { kind: 'try' } = { kind: 'try', try: tryBody };
        const retryNode = get(map, 'retry');
        const exceptNode = get(map, 'except');
        if (retryNode) action.retry = this.retry(retryNode);
        if (exceptNode?.kind === 'map') action.except = this.except(exceptNode);
        return action;
      }
    }
  }

  private assignments(node: PNode): Assignment[] {
    if (node.kind !== 'seq') return [];
    const out: Assignment[] = [];
    for (const item of node.items) {
      const e = item.kind === 'map' ? item.entries[0] : undefined;
      if (!e) continue;
      const target = this.target(e);
      if (target) out.push({ target, value: this.value(e.value), pos: e.keyPos });
    }
    return out;
  }

  /** `a`, `a.b`, `a["k"]`, `a[i + 1].c`: parsed as an expression, then read back as a path. */
  private target(e: PMapEntry): AssignTarget | undefined {
    const text = e.key;
    let expr: Expr;
    try {
      expr = parseExpression(text);
    } catch (err) {
      if (!(err instanceof ExpressionSyntaxError)) throw err;
      this.problem(`invalid assignment target '${text}': ${err.reason}`, this.keyOffsetPos(e, err.offset));
      return undefined;
    }
    const path: AssignTarget['path'] = [];
    let node = expr;
    for (;;) {
      if (node.kind === 'member') {
        path.unshift({ kind: 'property', name: node.property });
        node = node.object;
      } else if (node.kind === 'index') {
        path.unshift({ kind: 'index', expr: node.index });
        node = node.object;
      } else break;
    }
    if (node.kind !== 'variable') {
      this.problem(
        `invalid assignment target '${text}': expected a variable name, optionally followed by .key or [index]`,
        e.keyPos,
      );
      return undefined;
    }
    return { variable: node.name, path, text, pos: e.keyPos };
  }

  private keyOffsetPos(e: PMapEntry, offset: number): Pos {
    return e.keyScalar
      ? this.src.pos(valueOffsetToSource(this.src, e.keyScalar, offset))
      : { line: e.keyPos.line, column: e.keyPos.column + offset };
  }

  private conditions(node: PNode): SwitchCondition[] {
    if (node.kind !== 'seq') return [];
    const out: SwitchCondition[] = [];
    for (const item of node.items) {
      if (item.kind !== 'map') continue;
      const condNode = get(item, 'condition');
      const condition: ValueTemplate = condNode
        ? this.value(condNode)
        : { kind: 'literal', value: false, pos: item.pos };
      const nextNode = get(item, 'next');
      const c: SwitchCondition = { condition, pos: item.pos };
      if (nextNode) c.next = this.next(nextNode);
      const action = this.action(item);
      if (action.kind !== 'next') c.body = { action, pos: item.pos };
      out.push(c);
    }
    return out;
  }

  private forSpec(map: PMap, forKeyPos: Pos | undefined): ForSpec {
    const valueNode = get(map, 'value');
    const spec: ForSpec = {
      value: String(scalarValue(valueNode)),
      steps: this.steps(get(map, 'steps') as PNode),
      pos: map.pos,
    };
    if (forKeyPos) spec.keyPos = forKeyPos;
    if (valueNode) spec.valuePos = valueNode.pos;
    const index = get(map, 'index');
    const inNode = get(map, 'in');
    const range = get(map, 'range');
    if (index) {
      spec.index = String(scalarValue(index));
      spec.indexPos = index.pos;
    }
    if (inNode) spec.in = this.value(inNode);
    if (range) spec.range = this.value(range);
    return spec;
  }

  private parallel(map: PMap): ParallelSpec {
    const sharedNode = get(map, 'shared');
    const spec: ParallelSpec = {
      shared: sharedNode?.kind === 'seq' ? sharedNode.items.map((i) => String(scalarValue(i))) : [],
      exceptionPolicy: 'continueAll',
      pos: map.pos,
    };
    const limit = get(map, 'concurrency_limit');
    if (limit) spec.concurrencyLimit = this.value(limit);
    const branches = get(map, 'branches');
    if (branches?.kind === 'seq') {
      spec.branches = [];
      for (const b of branches.items) {
        const e = b.kind === 'map' ? b.entries[0] : undefined;
        if (!e || e.value.kind !== 'map') continue;
        const branch: ParallelBranch = {
          name: e.key,
          steps: this.steps(get(e.value, 'steps') as PNode),
          pos: e.keyPos,
        };
        spec.branches.push(branch);
      }
    }
    const forNode = get(map, 'for');
    if (forNode?.kind === 'map') spec.for = this.forSpec(forNode, keyPos(map, 'for'));
    return spec;
  }

  private retry(node: PNode): RetrySpec {
    if (node.kind === 'scalar') {
      const policy = this.value(node);
      return policy.kind === 'expr' ? { pos: node.pos, policy } : { pos: node.pos };
    }
    const spec: RetrySpec = { pos: node.pos };
    if (node.kind !== 'map') return spec;
    const predicate = get(node, 'predicate');
    if (predicate) {
      const p = this.value(predicate);
      if (p.kind === 'expr') spec.predicate = p;
    }
    const maxRetries = get(node, 'max_retries');
    if (maxRetries) spec.maxRetries = this.value(maxRetries);
    const backoff = get(node, 'backoff');
    if (backoff?.kind === 'map') {
      const b: NonNullable<RetrySpec['backoff']> = { pos: backoff.pos };
      const initial = get(backoff, 'initial_delay');
      const max = get(backoff, 'max_delay');
      const multiplier = get(backoff, 'multiplier');
      if (initial) b.initialDelay = this.value(initial);
      if (max) b.maxDelay = this.value(max);
      if (multiplier) b.multiplier = this.value(multiplier);
      spec.backoff = b;
    } else if (backoff) {
      const b = this.value(backoff);
      if (b.kind === 'expr') spec.backoffExpr = b;
    }
    return spec;
  }

  private except(map: PMap): ExceptSpec {
    const as = get(map, 'as');
    const spec: ExceptSpec = { steps: this.steps(get(map, 'steps') as PNode), pos: map.pos };
    if (as) spec.as = String(scalarValue(as));
    return spec;
  }

  private next(node: PNode): NextTarget {
    const name = String(scalarValue(node));
    if (SPECIAL_NEXT.has(name)) return { kind: name as 'end' | 'break' | 'continue', pos: node.pos };
    return { kind: 'step', name, pos: node.pos };
  }

  /** A value with expressions inside; lists and maps without any collapse to one literal. */
  value(node: PNode): ValueTemplate {
    switch (node.kind) {
      case 'scalar': {
        const v = node.value;
        if (typeof v === 'string') {
          const expr = this.expression(node);
          return expr ?? { kind: 'literal', value: v, pos: node.pos };
        }
        return { kind: 'literal', value: this.scalarLiteral(node), pos: node.pos };
      }
      case 'seq': {
        const items = node.items.map((i) => this.value(i));
        if (items.every((i) => i.kind === 'literal')) {
          return { kind: 'literal', value: items.map((i) => (i as { value: Value }).value), pos: node.pos };
        }
        return { kind: 'list', items, pos: node.pos };
      }
      case 'map': {
        const entries: { key: string | ExprTemplate; value: ValueTemplate }[] = [];
        for (const e of node.entries) {
          const key = e.keyScalar ? (this.expression(e.keyScalar) ?? e.key) : e.key;
          entries.push({ key, value: this.value(e.value) });
        }
        let t: ValueTemplate;
        if (entries.every((e) => typeof e.key === 'string' && e.value.kind === 'literal')) {
          const m = new Map<string, Value>();
          for (const e of entries) m.set(e.key as string, (e.value as { value: Value }).value);
          t = { kind: 'literal', value: m, pos: node.pos };
        } else {
          t = { kind: 'map', entries, pos: node.pos };
        }
        this.keyPositions.set(t, new Map(node.entries.map((e) => [e.key, e.keyPos])));
        return t;
      }
    }
  }

  private scalarLiteral(node: PScalar): Value {
    const v = node.value;
    if (typeof v === 'bigint') {
      if (v > INT64_MAX || v < INT64_MIN) {
        this.problem('integer literal out of the 64-bit range', node.pos);
        return null;
      }
      return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v;
    }
    if (typeof v === 'number') return new Double(v);
    return v;
  }

  /** Parses a string that is exactly `${...}`; undefined for any other string. */
  private expression(node: PScalar): ExprTemplate | undefined {
    const v = node.value;
    if (typeof v !== 'string' || !EXPRESSION_RE.test(v)) return undefined;
    const dollar = v.indexOf('${');
    const end = v.lastIndexOf('}');
    const text = v.slice(dollar + 2, end);
    const pos = this.src.pos(valueOffsetToSource(this.src, node, dollar));
    let expr: Expr;
    try {
      expr = parseExpression(text);
    } catch (err) {
      if (!(err instanceof ExpressionSyntaxError)) throw err;
      const at = this.src.pos(valueOffsetToSource(this.src, node, dollar + 2 + err.offset));
      this.problem(`syntax error in expression: ${err.reason}`, at);
      expr = { kind: 'literal', value: null, span: { start: 0, end: text.length } };
    }
    const t: ExprTemplate = { kind: 'expr', expr, text, pos };
    this.scalars.set(t, { scalar: node, dollar });
    return t;
  }
}

function get(map: PMap, key: string): PNode | undefined {
  return map.entries.find((e) => e.key === key)?.value;
}

function keyPos(map: PMap, key: string): Pos | undefined {
  return map.entries.find((e) => e.key === key)?.keyPos;
}

function scalarValue(node: PNode | undefined): string | number | boolean | null | bigint {
  return node?.kind === 'scalar' ? node.value : null;
}
