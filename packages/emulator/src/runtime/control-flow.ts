/**
 * Control flow as values: how a block of steps ended other than by running off its end
 * (https://cloud.google.com/workflows/docs/reference/syntax/jumps). Never thrown: only Workflows
 * errors and cancellation are exceptions.
 */
import type { ForSpec, NextTarget, Pos, Step, ValueTemplate } from '../source/types.js';
import { Double, isNumber, toJsNumber, typeName, type Value } from '../values/types.js';
import { typeError } from '../values/raised-error.js';

export type ControlFlow =
  | { kind: 'return'; value: Value }
  | { kind: 'end' }
  | { kind: 'break' }
  | { kind: 'continue' }
  | { kind: 'jump'; target: string; pos: Pos };

/** What running a step or a block gives: a control-flow change, or undefined to go on. */
export type Flow = ControlFlow | undefined;

/** Thrown when the execution is cancelled (the abort reason): not a Workflows error, never caught by `try`. */
export class ExecutionCancelled extends Error {
  override readonly name = 'ExecutionCancelled';
}

export function flowOf(next: NextTarget): ControlFlow {
  switch (next.kind) {
    case 'end':
      return { kind: 'end' };
    case 'break':
      return { kind: 'break' };
    case 'continue':
      return { kind: 'continue' };
    case 'step':
      return { kind: 'jump', target: next.name, pos: next.pos };
  }
}

const jumpIndexes = new WeakMap<readonly Step[], Map<string, number[]>>();

/**
 * Where a jump target lives relative to a list of steps: its index in the list, then its
 * indexes inside nested plain `steps` blocks; undefined when it is not in the list.
 */
export function jumpPath(steps: readonly Step[], target: string): number[] | undefined {
  let paths = jumpIndexes.get(steps);
  if (!paths) {
    const found = new Map<string, number[]>();
    const visit = (list: readonly Step[], prefix: number[]) => {
      list.forEach((s, i) => {
        const p = [...prefix, i];
        if (!found.has(s.name)) found.set(s.name, p);
        if (s.action.kind === 'steps') visit(s.action.steps, p);
      });
    };
    visit(steps, []);
    jumpIndexes.set(steps, (paths = found));
  }
  return paths.get(target);
}

/**
 * The items a `for` loop runs over: a copy of its `in` list, or the numbers of its inclusive
 * `range` (doubles when a bound is a double), at most `maxItems` of them (past the step limit
 * anyway). https://cloud.google.com/workflows/docs/reference/syntax/iteration
 */
export function loopItems(spec: ForSpec, evaluate: (t: ValueTemplate) => Value, maxItems: number): Value[] {
  if (spec.in) {
    const v = evaluate(spec.in);
    if (!Array.isArray(v)) throw typeError(`for: 'in' must be a list, got ${typeName(v)}`);
    return v.slice();
  }
  const r = spec.range ? evaluate(spec.range) : null;
  if (!Array.isArray(r) || r.length !== 2) throw typeError('for: range must be a list of two numbers');
  const [a, b] = r as [Value, Value];
  const num = (x: Value) => (isNumber(x) ? toJsNumber(x) : NaN);
  if (Number.isNaN(num(a)) || Number.isNaN(num(b))) throw typeError('for: range bounds must be numbers');
  const items: Value[] = [];
  const isDouble = a instanceof Double || b instanceof Double;
  for (let x = num(a); x <= num(b) && items.length <= maxItems; x++) items.push(isDouble ? new Double(x) : x);
  return items;
}
