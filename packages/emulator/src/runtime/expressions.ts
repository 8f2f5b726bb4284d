/**
 * How the executor evaluates the value templates and expressions of steps: the EvalContext of
 * the expression evaluator (variables of the current scope, module constants, function calls)
 * and the FunctionContext the standard library's functions get. A call of a subworkflow or of
 * a connector helper inside an expression suspends it (replay.ts): the executor makes the call
 * and replays the action. Also remembers where the expression evaluated last is, for the
 * position of an error.
 */
import { evaluate, type EvalContext } from '../expr/index.js';
import type { Expr } from '../expr/ast.js';
import type { Pos, Routine, ValueTemplate } from '../source/types.js';
import type { FunctionContext, PureFunction, Stdlib } from '../stdlib/registry.js';
import type { Clock, IdSource } from '../values/seams.js';
import { cloneValue, typeName, type Value, type WfMap } from '../values/types.js';
import { typeError } from '../values/raised-error.js';
import { resolveCallee } from './calls.js';
import { checkStringLength } from './limits.js';
import { Suspension, type Replay } from './replay.js';
import type { Scope } from './scope.js';
import type { Frame } from './threads.js';
import type { TraceGroups, Tracers } from './tracer.js';

export class Expressions implements EvalContext, FunctionContext {
  private scope: Scope | null = null;
  /** Position and length of the expression evaluated last (where an error is reported); null: none. */
  lastPos: Pos | null = null;
  lastLength = 0;
  private envVars: ReadonlyMap<string, string> | null = null;

  constructor(
    private readonly stdlib: Stdlib,
    private readonly routines: ReadonlyMap<string, Routine>,
    private readonly replay: Replay<Frame>,
    private readonly tracers: Tracers,
    private readonly trace: TraceGroups,
    /** Makes the execution's environment variables, on the first `sys.get_env` (most never read one). */
    private readonly makeEnv: () => ReadonlyMap<string, string>,
    readonly clock: Clock,
    readonly ids: IdSource,
  ) {}

  /** Evaluates a value template (synchronously: a subworkflow call inside throws a Suspension). */
  value(t: ValueTemplate, scope: Scope): Value {
    switch (t.kind) {
      case 'literal':
        return t.value;
      case 'expr':
        return this.expr(t.expr, scope, t.pos, t.text.length + 3);
      case 'list':
        return t.items.map((item) => this.value(item, scope));
      case 'map': {
        const out: WfMap = new Map();
        for (const e of t.entries) {
          let key: Value = e.key as Value;
          if (typeof e.key !== 'string') {
            key = this.expr(e.key.expr, scope, e.key.pos, e.key.text.length + 3);
            if (typeof key !== 'string') throw typeError(`map keys must be strings, got ${typeName(key)}`);
          }
          out.set(key as string, this.value(e.value, scope));
        }
        return out;
      }
    }
  }

  expr(expr: Expr, scope: Scope, pos: Pos, length: number): Value {
    this.lastPos = pos;
    this.lastLength = length;
    const savedScope = this.scope;
    this.scope = scope;
    try {
      return checkStringLength(evaluate(expr, this));
    } finally {
      this.scope = savedScope;
    }
  }

  // EvalContext
  lookup(name: string): Value | undefined {
    const v = this.scope?.lookup(name);
    if (v !== undefined) return v;
    // A subworkflow named as a value (`predicate: ${my_predicate}` in a policy map) is carried by
    // its name, as functions are not values in this model; the retry code resolves it.
    return this.routines.has(name) ? name : undefined;
  }

  constant(name: string): Value | undefined {
    const m = this.stdlib.get(name);
    if (m?.kind === 'constant') return m.value();
    // `${http.default_retry_predicate}`, `${retry.always}`: a function named as a value, by name.
    if (m?.kind === 'pure') return name;
    return undefined;
  }

  call(name: string, args: Value[]): Value {
    const replayed = this.replay.replayed();
    if (replayed !== undefined) return replayed;
    const callee = resolveCallee(name, this.routines, this.stdlib, true);
    if (callee.kind === 'subworkflow') throw new Suspension(callee.routine, args.map(cloneValue));
    if (callee.kind === 'connector') throw new Suspension(null, args.map(cloneValue), name);
    const member = callee.member;
    if (member.kind === 'blocking') {
      throw typeError(
        `${name} is a blocking function and cannot be called inside an expression; use a call step`,
      );
    }
    if (this.trace.calls) return this.tracedPureCall(member, name, args);
    const result = member.impl(this.stdlib.bindPositional(member, args), this);
    this.replay.record(result);
    return result;
  }

  private tracedPureCall(member: PureFunction, name: string, args: Value[]): Value {
    const step = this.replay.context?.thread.open ?? null;
    let result: Value;
    try {
      result = member.impl(this.stdlib.bindPositional(member, args), this);
    } catch (error) {
      this.tracers.emit('functionCalled', { step, name, kind: 'stdlib', inExpression: true, args, error });
      throw error;
    }
    this.tracers.emit('functionCalled', { step, name, kind: 'stdlib', inExpression: true, args, result });
    this.replay.record(result);
    return result;
  }

  // FunctionContext
  env(name: string): string | undefined {
    return (this.envVars ??= this.makeEnv()).get(name);
  }
}
