/**
 * Deploy-time checks over a typed definition: jump targets and the blocks they may cross,
 * duplicate step names, `break`/`continue` placement, parallel `shared` rules, unknown and
 * blocking functions, subworkflow arguments, and names read where no variable of that name is
 * visible (block scopes of `for` loops, `except` blocks and parallel branches). Every problem is
 * reported, not just the first.
 */
import type { Expr } from '../expr/ast.js';
import { dottedNames, walkExpr } from '../expr/index.js';
import { EXPRESSION_CONNECTORS } from '../stdlib/connectors.js';
import type { Stdlib, StdlibMember } from '../stdlib/registry.js';
import { typeName, type Value } from '../values/types.js';
import { stepPrefix } from './schema.js';
import { SourceText } from './source-text.js';
import type {
  ExprTemplate,
  ForSpec,
  NextTarget,
  Pos,
  Routine,
  SourceProblem,
  Step,
  StepAction,
  StepBody,
  ValueTemplate,
  WorkflowDefinition,
} from './types.js';

export interface ValidateOptions {
  /** The standard library the executor will use; decides which functions exist and which block. */
  stdlib: Stdlib;
  /** Overrides which functions count as blocking (defaults: registry kind, `googleapis.*`, `experimental.executions.*`). */
  isBlocking?: (name: string) => boolean;
  /** Exact source position of an offset inside an expression (the loader provides one). */
  exprPos?: (template: ExprTemplate, offset: number) => Pos;
  /** Position of a key in a map written in the source, for argument-name problems. */
  keyPos?: (template: ValueTemplate, key: string) => Pos | undefined;
}

/** Waiting calls that are blocking whatever the registry says (https://cloud.google.com/workflows/docs/reference/syntax/calls). */
const ALWAYS_BLOCKING = new Set(['events.await_callback', 'sys.log', 'sys.sleep', 'sys.sleep_until']);
const BLOCKING_PREFIXES = ['googleapis.', 'experimental.executions.', 'http.'];
/** Functions that are not plain stdlib members but exist on the real service. */
// gke.* are the Kubernetes API connector functions (gke.request, gke.create_job...): stubbed like connectors.
const EXTERNAL_PREFIXES = ['googleapis.', 'gke.', 'experimental.executions.'];

export function defaultIsBlocking(stdlib: Stdlib): (name: string) => boolean {
  return (name) => {
    if (EXPRESSION_CONNECTORS.has(name)) return false;
    const m = stdlib.get(name);
    if (m?.kind === 'blocking') return true;
    if (m?.kind === 'pure') return false;
    return ALWAYS_BLOCKING.has(name) || BLOCKING_PREFIXES.some((p) => name.startsWith(p));
  };
}

export function validateDefinition(def: WorkflowDefinition, options: ValidateOptions): SourceProblem[] {
  return new Validator(def, options).run();
}

/** Where a step sits: the block it may jump within, and whether `break`/`continue` have a loop. */
interface Site {
  /** Id of the nearest enclosing for body, parallel branch/iteration, try or except block (0 = routine). */
  block: number;
  inLoop: boolean;
}

interface ParallelScope {
  /** Variables visible where the parallel step starts. */
  outer: ReadonlySet<string>;
  shared: ReadonlySet<string>;
}

/**
 * A block that owns the variables created in it: the routine, a `for` body, an `except` block, a
 * parallel branch or a parallel iteration. A name is visible in a block when the block or one of
 * its ancestors declares or assigns it, wherever that assignment sits in the block: a jump can
 * reach a read before the assignment that precedes it in the text, so visibility follows the
 * nesting of blocks, not the order of steps.
 *
 * - https://cloud.google.com/workflows/docs/reference/syntax/variables#variable-scope: "A variable
 *   created inside a for loop belongs to the local scope of that loop ... accessing it outside of
 *   the loop will raise an error when deploying the workflow. This local scoping also applies to
 *   any variable created inside an except block."
 * - https://cloud.google.com/workflows/docs/reference/syntax/parallel-steps: variables created in a
 *   branch are local to it; only variables that exist before the parallel step (those in `shared`
 *   among them) are seen by every branch.
 */
interface VarBlock {
  kind: 'routine' | 'for' | 'parallel-for' | 'except' | 'branch';
  parent: VarBlock | undefined;
  /** The step that opens the block, and where its name is written. */
  step: string;
  stepPos: Pos;
  /** The branch name, for `branch` blocks. */
  branch?: string;
  /** Names the block itself introduces: the loop's value and index, the `except` block's `as`. */
  declared: Map<string, Pos>;
  /** Names assigned directly in the block (assign targets, call results, routine parameters). */
  assigned: Map<string, Pos>;
}

class Validator {
  private readonly src: SourceText;
  private readonly problems: SourceProblem[] = [];
  private readonly isBlocking: (name: string) => boolean;
  private readonly stdlib: Stdlib;
  private readonly modulePrefixes = new Set<string>();
  private nextBlockId = 1;

  // Per routine:
  private routine!: Routine;
  private stepName: string | undefined;
  private stepBlocks = new Map<string, { block: number; pos: Pos }>();
  private jumps: { target: NextTarget & { kind: 'step' }; from: Site; step: string }[] = [];
  /** Variable blocks of the routine in document order; `varBlocks.get(spec)` for a for/except/branch. */
  private routineBlocks: VarBlock[] = [];
  private varBlocks = new Map<object, VarBlock>();
  private stepPos: Pos | undefined;

  constructor(
    private readonly def: WorkflowDefinition,
    private readonly options: ValidateOptions,
  ) {
    this.src = new SourceText(def.source);
    this.stdlib = options.stdlib;
    this.isBlocking = options.isBlocking ?? defaultIsBlocking(options.stdlib);
    for (const name of this.stdlib.names()) {
      const parts = name.split('.');
      for (let i = 1; i < parts.length; i++) this.modulePrefixes.add(parts.slice(0, i).join('.'));
    }
    for (const p of EXTERNAL_PREFIXES) this.modulePrefixes.add(p.split('.')[0] as string);
  }

  run(): SourceProblem[] {
    for (const routine of this.def.routines.values()) this.checkRoutine(routine);
    return this.problems;
  }

  private problem(message: string, pos: Pos, step = this.stepName): void {
    this.problems.push(this.src.problem(`${stepPrefix(step)}${message}`, pos));
  }

  private checkRoutine(routine: Routine): void {
    this.routine = routine;
    this.stepName = undefined;
    this.stepBlocks = new Map();
    this.jumps = [];
    this.blockParents = new Map();
    this.routineBlocks = [];
    this.varBlocks = new Map();

    this.collect(routine.steps, { block: 0, inLoop: false });
    for (const j of this.jumps) {
      const target = this.stepBlocks.get(j.target.name);
      if (!target) {
        this.problem(`next: step '${j.target.name}' not found in '${routine.name}'`, j.target.pos, j.step);
      } else if (!this.canJump(j.from.block, target.block)) {
        this.problem(
          `next: cannot jump to step '${j.target.name}': jumps into a for loop, parallel branch, try or except block, or out of a for loop or parallel branch, are not allowed`,
          j.target.pos,
          j.step,
        );
      }
    }
    this.scopes(routine.steps, new Set(routine.params.map((p) => p.name)), []);

    const top = this.newVarBlock('routine', undefined, routine.name, routine.pos);
    for (const p of routine.params) top.assigned.set(p.name, p.pos);
    this.declare(routine.steps, top);
    this.checkLoopVariables();
    for (const p of routine.params) if (p.default) this.templates(p.default, top, () => undefined);
    this.expressions(routine.steps, top);
  }

  // -------------------------------------------------------------------------------------------
  // Pass 1: step names, jump sites, break/continue, names assigned anywhere

  private collect(steps: readonly Step[], site: Site): void {
    for (const step of steps) {
      const outer = this.stepName;
      this.stepName = step.name;
      const seen = this.stepBlocks.get(step.name);
      if (seen) {
        this.problem(
          `duplicate step name '${step.name}' (first defined at line ${seen.pos.line}); step names must be unique within a workflow`,
          step.pos,
        );
      } else {
        this.stepBlocks.set(step.name, { block: site.block, pos: step.pos });
      }
      this.collectBody(step, site);
      this.stepName = outer;
    }
  }

  private collectBody(body: StepBody, site: Site): void {
    if (body.next) this.collectNext(body.next, site);
    this.collectAction(body.action, site);
  }

  private collectNext(next: NextTarget, site: Site): void {
    switch (next.kind) {
      case 'step':
        this.jumps.push({ target: next, from: site, step: this.stepName ?? '' });
        return;
      case 'break':
      case 'continue':
        if (!site.inLoop) this.problem(`next: ${next.kind} is only allowed inside a for loop`, next.pos);
        return;
      case 'end':
        return;
    }
  }

  /**
   * `parent` links of blocks. Leaving a try or except block by a jump is allowed (Google's
   * error_catch sample jumps from an except block to steps of the routine); leaving a for loop
   * or a parallel branch is not (use `break`, or let the branch end).
   */
  private blockParents = new Map<number, { parent: number; exitable: boolean }>();

  private newBlock(inLoop: boolean, parent?: Site, exitable = false): Site {
    const block = this.nextBlockId++;
    if (parent) this.blockParents.set(block, { parent: parent.block, exitable });
    return { block, inLoop };
  }

  private canJump(from: number, to: number): boolean {
    for (let b: number | undefined = from; b !== undefined;) {
      if (b === to) return true;
      const link = this.blockParents.get(b);
      if (!link?.exitable) return false;
      b = link.parent;
    }
    return false;
  }

  private collectFor(spec: ForSpec): void {
    this.collect(spec.steps, this.newBlock(true));
  }

  private collectAction(action: StepAction, site: Site): void {
    switch (action.kind) {
      case 'assign':
      case 'call':
        return;
      case 'switch':
        for (const c of action.conditions) {
          if (c.next) this.collectNext(c.next, site);
          if (c.body) this.collectBody(c.body, site);
        }
        return;
      case 'for':
        this.collectFor(action.for);
        return;
      case 'parallel': {
        const p = action.parallel;
        for (const b of p.branches ?? []) this.collect(b.steps, this.newBlock(false));
        if (p.for) this.collectFor(p.for);
        return;
      }
      case 'steps':
        this.collect(action.steps, site);
        return;
      case 'try':
        this.collectBody(action.try, this.newBlock(site.inLoop, site, true));
        if (action.except) this.collect(action.except.steps, this.newBlock(site.inLoop, site, true));
        return;
      case 'raise':
      case 'return':
      case 'next':
        return;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Pass 2: scopes in document order, for the parallel `shared` rules

  private scopes(steps: readonly Step[], visible: Set<string>, parallels: readonly ParallelScope[]): void {
    for (const step of steps) {
      const outer = this.stepName;
      this.stepName = step.name;
      this.scopeAction(step.action, visible, parallels);
      this.stepName = outer;
    }
  }

  private assignTo(name: string, pos: Pos, visible: Set<string>, parallels: readonly ParallelScope[]): void {
    for (const p of parallels) {
      if (p.outer.has(name) && !p.shared.has(name)) {
        this.problem(
          `variable '${name}' is assigned in a parallel branch but is not listed in 'shared' of the parallel step`,
          pos,
        );
        break;
      }
    }
    visible.add(name);
  }

  private scopeFor(spec: ForSpec, visible: Set<string>, parallels: readonly ParallelScope[]): void {
    const inner = new Set(visible);
    inner.add(spec.value);
    if (spec.index !== undefined) inner.add(spec.index);
    this.scopes(spec.steps, inner, parallels);
  }

  private scopeAction(action: StepAction, visible: Set<string>, parallels: readonly ParallelScope[]): void {
    switch (action.kind) {
      case 'assign':
        for (const a of action.assign) this.assignTo(a.target.variable, a.target.pos, visible, parallels);
        return;
      case 'call':
        if (action.result !== undefined) {
          this.assignTo(
            resultVariable(action.result),
            action.resultPos ?? action.callPos,
            visible,
            parallels,
          );
        }
        return;
      case 'switch':
        for (const c of action.conditions) if (c.body) this.scopeAction(c.body.action, visible, parallels);
        return;
      case 'for':
        this.scopeFor(action.for, visible, parallels);
        return;
      case 'parallel': {
        const p = action.parallel;
        for (const name of p.shared) {
          if (!visible.has(name)) {
            this.problem(`shared variable '${name}' must be assigned before the parallel step`, p.pos);
          }
        }
        const scope: ParallelScope = { outer: new Set(visible), shared: new Set(p.shared) };
        const inner = [...parallels, scope];
        for (const b of p.branches ?? []) this.scopes(b.steps, new Set(visible), inner);
        if (p.for) this.scopeFor(p.for, visible, inner);
        return;
      }
      case 'steps':
        this.scopes(action.steps, visible, parallels);
        return;
      case 'try': {
        this.scopeAction(action.try.action, visible, parallels);
        if (action.except) {
          const inner = new Set(visible);
          if (action.except.as !== undefined) inner.add(action.except.as);
          this.scopes(action.except.steps, inner, parallels);
        }
        return;
      }
      case 'raise':
      case 'return':
      case 'next':
        return;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Pass 3: variable blocks (which names each for body, except block and branch owns), the
  // documented rules on loop variables, and the documented `try` + `for` limitation

  private newVarBlock(
    kind: VarBlock['kind'],
    parent: VarBlock | undefined,
    step: string,
    stepPos: Pos,
  ): VarBlock {
    const b: VarBlock = { kind, parent, step, stepPos, declared: new Map(), assigned: new Map() };
    this.routineBlocks.push(b);
    return b;
  }

  private declare(steps: readonly Step[], block: VarBlock): void {
    for (const step of steps) {
      const outer = this.stepName;
      const outerPos = this.stepPos;
      this.stepName = step.name;
      this.stepPos = step.pos;
      this.declareAction(step.action, block);
      this.stepName = outer;
      this.stepPos = outerPos;
    }
  }

  private declareFor(kind: 'for' | 'parallel-for', spec: ForSpec, parent: VarBlock): void {
    const b = this.newVarBlock(kind, parent, this.stepName ?? '', this.stepPos ?? spec.pos);
    b.declared.set(spec.value, spec.valuePos ?? spec.pos);
    if (spec.index !== undefined) b.declared.set(spec.index, spec.indexPos ?? spec.pos);
    this.varBlocks.set(spec, b);
    this.declare(spec.steps, b);
  }

  private declareAction(action: StepAction, block: VarBlock): void {
    const assign = (name: string, pos: Pos): void => {
      if (!block.assigned.has(name)) block.assigned.set(name, pos);
    };
    switch (action.kind) {
      case 'assign':
        for (const a of action.assign) assign(a.target.variable, a.target.pos);
        return;
      case 'call':
        if (action.result !== undefined)
          assign(resultVariable(action.result), action.resultPos ?? action.callPos);
        return;
      case 'switch':
        for (const c of action.conditions) if (c.body) this.declareAction(c.body.action, block);
        return;
      case 'for':
        this.declareFor('for', action.for, block);
        return;
      case 'parallel': {
        const p = action.parallel;
        for (const branch of p.branches ?? []) {
          const b = this.newVarBlock('branch', block, this.stepName ?? '', this.stepPos ?? p.pos);
          b.branch = branch.name;
          this.varBlocks.set(branch, b);
          this.declare(branch.steps, b);
        }
        if (p.for) this.declareFor('parallel-for', p.for, block);
        return;
      }
      case 'steps':
        this.declare(action.steps, block);
        return;
      case 'try': {
        if (action.try.action.kind === 'for') {
          // https://cloud.google.com/workflows/docs/issues ("Placement of for directly after try"):
          // such a workflow cannot be deployed; the workaround is `try: steps: - name: for: ...`.
          this.problem('loop step name should not be empty', action.try.action.for.keyPos ?? action.try.pos);
        }
        this.declareAction(action.try.action, block);
        if (action.except) {
          const b = this.newVarBlock('except', block, this.stepName ?? '', this.stepPos ?? action.except.pos);
          if (action.except.as !== undefined) b.declared.set(action.except.as, action.except.pos);
          this.varBlocks.set(action.except, b);
          this.declare(action.except.steps, b);
        }
        return;
      }
      case 'raise':
      case 'return':
      case 'next':
        return;
    }
  }

  /**
   * https://cloud.google.com/workflows/docs/reference/syntax/iteration: the loop's value and index
   * names "must not be used in assignments or expressions outside of the loop. The same name can
   * be used in multiple loops, as long as they are not nested." Reads outside the loop fail as
   * invisible names; this reports a loop variable that an enclosing loop already uses, or that the
   * blocks around the loop assign (routine parameters included).
   */
  private checkLoopVariables(): void {
    for (const b of this.routineBlocks) {
      if (b.kind !== 'for' && b.kind !== 'parallel-for') continue;
      for (const [name, pos] of b.declared) {
        for (let a = b.parent; a !== undefined; a = a.parent) {
          if ((a.kind === 'for' || a.kind === 'parallel-for') && a.declared.has(name)) {
            this.problem(
              `for: '${name}' is already a loop variable of the enclosing loop in step '${a.step}' (line ${a.stepPos.line}); the same name can be used in several loops only if they are not nested`,
              pos,
              b.step,
            );
            break;
          }
          const outside = a.assigned.get(name);
          if (outside) {
            this.problem(
              `for: loop variable '${name}' must not be used in assignments outside of the loop, but '${name}' is assigned at line ${outside.line}`,
              pos,
              b.step,
            );
            break;
          }
        }
      }
    }
  }

  private isVisible(name: string, block: VarBlock): boolean {
    for (let b: VarBlock | undefined = block; b !== undefined; b = b.parent) {
      if (b.declared.has(name) || b.assigned.has(name)) return true;
    }
    return false;
  }

  /** Where an invisible name does exist, for the message: the first block (in document order) that owns it. */
  private whereOwned(name: string): string {
    const b = this.routineBlocks.find((x) => x.declared.has(name) || x.assigned.has(name));
    if (!b) return '';
    const at = `of step '${b.step}', line ${b.stepPos.line}`;
    switch (b.kind) {
      case 'routine':
        return '';
      case 'for':
        return ` (it exists only inside the for loop ${at})`;
      case 'parallel-for':
        return ` (it exists only inside the parallel for loop ${at})`;
      case 'except':
        return ` (it exists only inside the except block ${at})`;
      case 'branch':
        return ` (it exists only inside the parallel branch '${b.branch ?? ''}' ${at})`;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Pass 4: expressions and calls, each read checked against the block it is in

  private expressions(steps: readonly Step[], block: VarBlock): void {
    for (const step of steps) {
      const outer = this.stepName;
      this.stepName = step.name;
      this.bodyExpressions(step, block);
      this.stepName = outer;
    }
  }

  private innerBlock(node: object): VarBlock {
    const b = this.varBlocks.get(node);
    if (!b) throw new Error('validate: a block was not declared');
    return b;
  }

  private bodyExpressions(body: StepBody, block: VarBlock): void {
    const action = body.action;
    switch (action.kind) {
      case 'assign':
        for (const a of action.assign) {
          for (const seg of a.target.path) {
            if (seg.kind === 'index') this.targetIndex(seg.expr, a.target.pos, block);
          }
          this.templates(a.value, block, () => undefined);
        }
        return;
      case 'call':
        this.checkCallStep(action);
        if (action.args) this.templates(action.args, block, () => undefined);
        return;
      case 'switch':
        for (const c of action.conditions) {
          this.templates(c.condition, block, () => 'error evaluating switch condition');
          if (c.body) this.bodyExpressions(c.body, block);
        }
        return;
      case 'for':
        this.forExpressions(action.for, block);
        return;
      case 'parallel': {
        const p = action.parallel;
        if (p.concurrencyLimit) this.templates(p.concurrencyLimit, block, () => undefined);
        for (const b of p.branches ?? []) this.expressions(b.steps, this.innerBlock(b));
        if (p.for) this.forExpressions(p.for, block);
        return;
      }
      case 'raise':
        this.templates(action.raise, block, () => undefined);
        return;
      case 'return':
        this.templates(action.return, block, () => 'error evaluating return value');
        return;
      case 'steps':
        this.expressions(action.steps, block);
        return;
      case 'try': {
        this.bodyExpressions(action.try, block);
        // The retry policy is evaluated by the try step, outside the try body and the except block.
        const r = action.retry;
        if (r) {
          if (r.policy) this.expression(r.policy, block, undefined);
          if (r.predicate) this.expression(r.predicate, block, undefined);
          for (const t of [
            r.maxRetries,
            r.backoff?.initialDelay,
            r.backoff?.maxDelay,
            r.backoff?.multiplier,
          ]) {
            if (t) this.templates(t, block, () => undefined);
          }
          if (r.backoffExpr) this.expression(r.backoffExpr, block, undefined);
        }
        if (action.except) this.expressions(action.except.steps, this.innerBlock(action.except));
        return;
      }
      case 'next':
        return;
    }
  }

  /** `in` and `range` are evaluated before the loop starts, in the enclosing block. */
  private forExpressions(spec: ForSpec, outer: VarBlock): void {
    if (spec.in) this.templates(spec.in, outer, () => undefined);
    if (spec.range) this.templates(spec.range, outer, () => undefined);
    this.expressions(spec.steps, this.innerBlock(spec));
  }

  /** Index expressions of an assignment target (`list[i + 1]`) have no source scalar: offsets are relative to the key. */
  private targetIndex(expr: Expr, keyPos: Pos, block: VarBlock): void {
    const fake: ExprTemplate = {
      kind: 'expr',
      expr,
      text: '',
      pos: { line: keyPos.line, column: keyPos.column - 2 },
    };
    this.exprNodes(fake, block, undefined, (_t, offset) => ({
      line: keyPos.line,
      column: keyPos.column + offset,
    }));
  }

  private templates(t: ValueTemplate, block: VarBlock, context: () => string | undefined): void {
    switch (t.kind) {
      case 'literal':
        return;
      case 'expr':
        this.expression(t, block, context());
        return;
      case 'list':
        for (const i of t.items) this.templates(i, block, context);
        return;
      case 'map':
        for (const e of t.entries) {
          if (typeof e.key !== 'string') this.expression(e.key, block, context());
          this.templates(e.value, block, context);
        }
        return;
    }
  }

  private expression(t: ExprTemplate, block: VarBlock, context: string | undefined): void {
    this.exprNodes(t, block, context, this.options.exprPos);
  }

  private exprNodes(
    t: ExprTemplate,
    block: VarBlock,
    context: string | undefined,
    exprPos: ((t: ExprTemplate, offset: number) => Pos) | undefined,
  ): void {
    const at = (offset: number): Pos =>
      exprPos ? exprPos(t, offset) : { line: t.pos.line, column: t.pos.column + 2 + offset };
    const ctx = context === undefined ? '' : `${context}: `;
    const skip = new Set<Expr>();
    walkExpr(t.expr, (node) => {
      if (skip.has(node)) return;
      if (node.kind === 'member') {
        // `http.default_retry`, `retry.always`: a module member, unless a variable has that name.
        const names = dottedNames(node);
        const root = names?.[0];
        if (names && root && this.modulePrefixes.has(root) && !this.isVisible(root, block)) {
          for (let e: Expr = node; e.kind === 'member'; e = e.object) skip.add(e.object);
          if (!this.memberExists(names)) {
            this.problem(`${ctx}unknown standard library member '${names.join('.')}'`, at(node.span.start));
          }
        }
        return;
      }
      if (node.kind === 'variable') {
        const name = node.name;
        if (this.isVisible(name, block) || this.def.routines.has(name)) return;
        if (this.stdlib.has(name)) return; // a bare function used as a value, e.g. a predicate
        this.problem(
          `${ctx}symbol '${name}' is neither a variable nor a sub-workflow name${this.whereOwned(name)}`,
          at(node.span.start),
        );
        return;
      }
      if (node.kind === 'call') this.checkExprCall(node, ctx, at);
    });
  }

  private memberExists(names: readonly string[]): boolean {
    for (let i = 2; i <= names.length; i++) {
      const name = names.slice(0, i).join('.');
      if (this.stdlib.has(name)) return true;
      if (EXTERNAL_PREFIXES.some((p) => name.startsWith(p))) return true;
    }
    return false;
  }

  private checkExprCall(node: Expr & { kind: 'call' }, ctx: string, at: (offset: number) => Pos): void {
    const name = node.callee;
    const pos = at(node.span.start);
    if (this.isBlocking(name)) {
      this.problem(
        `${ctx}blocking function '${name}' cannot be called in an expression; use a call step`,
        pos,
      );
      return;
    }
    const sub = this.def.routines.get(name);
    if (sub && name !== 'main') {
      const required = sub.params.filter((p) => p.default === undefined).length;
      const n = node.args.length;
      if (n < required || n > sub.params.length) {
        const expected =
          required === sub.params.length ? `${required}` : `${required} to ${sub.params.length}`;
        this.problem(`${ctx}subworkflow '${name}' expects ${expected} argument(s), got ${n}`, pos);
      }
      return;
    }
    const member = this.stdlib.get(name);
    if (member) {
      if (member.kind === 'constant') {
        this.problem(`${ctx}'${name}' is not a function`, pos);
        return;
      }
      const required = member.params.filter((p) => !p.optional).length;
      const n = node.args.length;
      if (n < required || n > member.params.length) {
        const expected =
          required === member.params.length ? `${required}` : `${required} to ${member.params.length}`;
        this.problem(`${ctx}function '${name}' expects ${expected} argument(s), got ${n}`, pos);
      }
      return;
    }
    if (EXTERNAL_PREFIXES.some((p) => name.startsWith(p))) return;
    this.problem(`${ctx}unknown function '${name}'`, pos);
  }

  private checkCallStep(action: StepAction & { kind: 'call' }): void {
    const name = action.call;
    const sub = this.def.routines.get(name);
    const literalArgs = literalArgNames(action.args, this.options.keyPos);
    if (sub) {
      if (name === 'main' && this.routine.name !== 'main') {
        // main is callable like any routine; nothing special to check.
      }
      if (
        action.args &&
        action.args.kind !== 'map' &&
        !(action.args.kind === 'literal' && action.args.value instanceof Map)
      ) {
        if (action.args.kind !== 'expr') {
          this.problem(
            `call ${name}: args of a subworkflow call must be a map of named arguments`,
            action.args.pos,
          );
        }
        return;
      }
      const names = literalArgs ?? [];
      for (const [arg, pos] of names) {
        if (!sub.params.some((p) => p.name === arg)) {
          this.problem(
            `call ${name}: unknown argument '${arg}' (parameters: ${sub.params.map((p) => p.name).join(', ') || 'none'})`,
            pos,
          );
        }
      }
      for (const p of sub.params) {
        if (p.default === undefined && !names.some(([arg]) => arg === p.name)) {
          this.problem(`call ${name}: missing required argument '${p.name}'`, action.callPos);
        }
      }
      return;
    }
    const member: StdlibMember | undefined = this.stdlib.get(name);
    if (member) {
      if (member.kind === 'constant') {
        this.problem(`call ${name}: '${name}' is not a function`, action.callPos);
        return;
      }
      if (literalArgs) {
        for (const [arg, pos] of literalArgs) {
          if (!member.params.some((p) => p.name === arg)) {
            this.problem(`call ${name}: unknown argument '${arg}'`, pos);
          }
        }
        for (const p of member.params) {
          if (!p.optional && !literalArgs.some(([arg]) => arg === p.name)) {
            this.problem(`call ${name}: missing required argument '${p.name}'`, action.callPos);
          }
        }
      } else if (!action.args) {
        const required = member.params.filter((p) => !p.optional);
        if (required.length > 0) {
          this.problem(
            `call ${name}: missing required argument '${(required[0] as { name: string }).name}'`,
            action.callPos,
          );
        }
      } else if (
        action.args.kind === 'list' ||
        (action.args.kind === 'literal' && Array.isArray(action.args.value))
      ) {
        const n =
          action.args.kind === 'list' ? action.args.items.length : (action.args.value as Value[]).length;
        const required = member.params.filter((p) => !p.optional).length;
        if (n < required || n > member.params.length) {
          this.problem(
            `call ${name}: expects ${required} to ${member.params.length} positional arguments, got ${n}`,
            action.args.pos,
          );
        }
      } else if (action.args.kind === 'literal' && typeName(action.args.value) !== 'map') {
        this.problem(`call ${name}: args must be a map of named arguments`, action.args.pos);
      }
      return;
    }
    if (EXTERNAL_PREFIXES.some((p) => name.startsWith(p))) return;
    this.problem(
      `call ${name}: function '${name}' not found (not a standard library function or a subworkflow)`,
      action.callPos,
    );
  }
}

/** The variable a `result:` writes (`result: r` or a path into one such as `result: out.body`). */
function resultVariable(result: string): string {
  const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(result);
  return m ? m[0] : result;
}

/** Names (and positions) of a literal args map; undefined when args is not a map known at deploy time. */
function literalArgNames(
  args: ValueTemplate | undefined,
  keyPos: ValidateOptions['keyPos'],
): [string, Pos][] | undefined {
  if (!args) return undefined;
  let names: string[];
  if (args.kind === 'map') {
    if (args.entries.some((e) => typeof e.key !== 'string')) return undefined;
    names = args.entries.map((e) => e.key as string);
  } else if (args.kind === 'literal' && args.value instanceof Map) {
    names = [...args.value.keys()];
  } else {
    return undefined;
  }
  return names.map((k) => [k, keyPos?.(args, k) ?? args.pos]);
}
