/**
 * The step tree of a workflow definition as plain JSON data: every routine with its steps,
 * each step with its kind, source position, `next` target and nested blocks. The developer UI
 * draws its graph from it (`GET /emulator/v1/.../stepTree`), and coverage reports can walk it
 * without parsing YAML again.
 */
import { stringifyJson } from '../values/json.js';
import type {
  ForSpec,
  NextTarget,
  Pos,
  Routine,
  Step,
  StepBody,
  ValueTemplate,
  WorkflowDefinition,
} from './types.js';

export const STEP_KINDS = [
  'assign',
  'call',
  'switch',
  'for',
  'parallel',
  'raise',
  'return',
  'steps',
  'try',
  'next',
] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/** Where `next` goes: a step of the same routine, or `end` / `break` / `continue`. */
export type NextNode =
  | { kind: 'step'; step: string; line: number; column: number }
  | { kind: 'end' | 'break' | 'continue'; line: number; column: number };

export interface LoopNode {
  /** The loop variable, and the index variable when there is one. */
  value: string;
  index?: string;
  /** The text of `in:` or `range:`, e.g. `${items}` or `[1, 10]`. */
  in?: string;
  range?: string;
  line: number;
  column: number;
  steps: StepNode[];
}

export interface ConditionNode {
  /** The condition as written, e.g. `${x > 1}` (a literal `true` is `true`). */
  condition: string;
  line: number;
  column: number;
  next?: NextNode;
  /** An embedded action (`steps:`, `assign:`, `return:`...); unnamed. */
  body?: StepNode;
}

export interface BranchNode {
  name: string;
  line: number;
  column: number;
  steps: StepNode[];
}

/**
 * One step. `name` is null for the unnamed bodies a step holds: the body of a `try:` and the
 * embedded action of a switch condition.
 */
export interface StepNode {
  name: string | null;
  kind: StepKind;
  line: number;
  column: number;
  next?: NextNode;
  /** `call`: the function or subworkflow called, and the variable its result goes to. */
  call?: string;
  result?: string;
  /** `assign`: the targets as written. */
  assign?: string[];
  /** `return` / `raise`: the value as written (shortened). */
  value?: string;
  /** `steps`. */
  steps?: StepNode[];
  /** `switch`. */
  conditions?: ConditionNode[];
  /** `for`. */
  for?: LoopNode;
  /** `parallel`: branches or a parallel loop, and the shared variables. */
  parallel?: { shared: string[]; branches?: BranchNode[]; for?: LoopNode };
  /** `try`: the body, the retry policy (as written, when it is an expression) and the except block. */
  try?: StepNode;
  retry?: { line: number; column: number; policy?: string };
  except?: { as?: string; line: number; column: number; steps: StepNode[] };
}

export interface RoutineNode {
  name: string;
  params: { name: string; default?: string }[];
  line: number;
  column: number;
  steps: StepNode[];
}

export interface StepTree {
  /** `main` first, then subworkflows in source order. */
  routines: RoutineNode[];
}

const MAX_TEXT = 120;

function shorten(s: string): string {
  return s.length <= MAX_TEXT ? s : `${s.slice(0, MAX_TEXT - 1)}…`;
}

/** A template as a short text: expressions as `${...}`, literals as JSON, containers abridged. */
export function templateText(t: ValueTemplate): string {
  switch (t.kind) {
    case 'expr':
      return shorten(`\${${t.text}}`);
    case 'literal':
      try {
        return shorten(stringifyJson(t.value));
      } catch {
        return '…';
      }
    case 'list':
      return shorten(`[${t.items.map(templateText).join(', ')}]`);
    case 'map':
      return shorten(
        `{${t.entries.map((e) => `${typeof e.key === 'string' ? e.key : `\${${e.key.text}}`}: ${templateText(e.value)}`).join(', ')}}`,
      );
  }
}

const at = (p: Pos) => ({ line: p.line, column: p.column });

function nextNode(n: NextTarget | undefined): NextNode | undefined {
  if (!n) return undefined;
  return n.kind === 'step' ? { kind: 'step', step: n.name, ...at(n.pos) } : { kind: n.kind, ...at(n.pos) };
}

function loopNode(f: ForSpec): LoopNode {
  const out: LoopNode = { value: f.value, ...at(f.keyPos ?? f.pos), steps: f.steps.map(stepNode) };
  if (f.index !== undefined) out.index = f.index;
  if (f.in) out.in = templateText(f.in);
  if (f.range) out.range = templateText(f.range);
  return out;
}

function bodyNode(name: string | null, b: StepBody): StepNode {
  const a = b.action;
  const node: StepNode = { name, kind: a.kind, ...at(b.pos) };
  const next = nextNode(b.next);
  if (next) node.next = next;
  switch (a.kind) {
    case 'assign':
      node.assign = a.assign.map((x) => x.target.text);
      break;
    case 'call':
      node.call = a.call;
      if (a.result !== undefined) node.result = a.result;
      break;
    case 'switch':
      node.conditions = a.conditions.map((c) => {
        const cond: ConditionNode = { condition: templateText(c.condition), ...at(c.pos) };
        const cn = nextNode(c.next);
        if (cn) cond.next = cn;
        if (c.body) cond.body = bodyNode(null, c.body);
        return cond;
      });
      break;
    case 'for':
      node.for = loopNode(a.for);
      break;
    case 'parallel': {
      const p = a.parallel;
      node.parallel = { shared: [...p.shared] };
      if (p.branches)
        node.parallel.branches = p.branches.map((br) => ({
          name: br.name,
          ...at(br.pos),
          steps: br.steps.map(stepNode),
        }));
      if (p.for) node.parallel.for = loopNode(p.for);
      break;
    }
    case 'raise':
      node.value = templateText(a.raise);
      break;
    case 'return':
      node.value = templateText(a.return);
      break;
    case 'steps':
      node.steps = a.steps.map(stepNode);
      break;
    case 'try':
      node.try = bodyNode(null, a.try);
      if (a.retry) {
        node.retry = at(a.retry.pos);
        if (a.retry.policy) node.retry.policy = templateText(a.retry.policy);
      }
      if (a.except) {
        node.except = { ...at(a.except.pos), steps: a.except.steps.map(stepNode) };
        if (a.except.as !== undefined) node.except.as = a.except.as;
      }
      break;
    case 'next':
      break;
  }
  return node;
}

function stepNode(s: Step): StepNode {
  return bodyNode(s.name, s);
}

function routineNode(r: Routine): RoutineNode {
  return {
    name: r.name,
    params: r.params.map((p) =>
      p.default ? { name: p.name, default: templateText(p.default) } : { name: p.name },
    ),
    ...at(r.pos),
    steps: r.steps.map(stepNode),
  };
}

export function stepTree(definition: WorkflowDefinition): StepTree {
  return { routines: [...definition.routines.values()].map(routineNode) };
}
