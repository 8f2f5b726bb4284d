/**
 * What coverage counts in one workflow source, as Istanbul's file coverage describes it
 * (https://github.com/istanbuljs/istanbuljs/blob/main/docs/raw-output.md): statements, functions
 * and branches, each with its range in the YAML/JSON text. Built once per deployed source from
 * the validated definition; the collector (coverage.ts) counts against it.
 *
 * - Statements: every step at any depth (nested `steps`, `for` bodies, parallel branches, `try`
 *   and `except` blocks), from the step's name to the end of its body.
 * - Functions: `main` and every subworkflow.
 * - Branches: a `switch` (one arm per condition, then "no condition matched"), a `try` with an
 *   `except` (completed / except taken), a `retry` (never retried / retried / retries
 *   exhausted), a `for` (zero iterations / at least one), a `parallel` (one arm per branch; a
 *   parallel `for`: zero / at least one iteration), and each `next` (one arm: the jump taken).
 *
 * Istanbul locations have 1-based lines and 0-based columns, the end just after the last
 * character (as Babel gives them to istanbul-lib-instrument).
 */
import { SourceSpans, type Span } from '../source/spans.js';
import type {
  ForSpec,
  NextTarget,
  Pos,
  Routine,
  Step,
  StepAction,
  WorkflowDefinition,
} from '../source/types.js';

export interface IstanbulLocation {
  line: number;
  column: number;
}

export interface IstanbulRange {
  start: IstanbulLocation;
  end: IstanbulLocation;
}

export interface IstanbulFunction {
  name: string;
  decl: IstanbulRange;
  loc: IstanbulRange;
  line: number;
}

export type CoverageBranchType = 'switch' | 'try' | 'retry' | 'for' | 'parallel' | 'next';

export interface IstanbulBranch {
  type: CoverageBranchType;
  loc: IstanbulRange;
  locations: IstanbulRange[];
  line: number;
}

/** The arms of each branch type, in order. */
export const BRANCH_ARMS = {
  try: ['completed', 'except taken'],
  retry: ['never retried', 'retried', 'retries exhausted'],
  for: ['zero iterations', 'at least one iteration'],
  next: ['jumped'],
} as const;

/** A `next` written in the source: its branch and where it goes. */
export interface NextBranch {
  branch: number;
  target: string;
}

/**
 * The counters of one action: a step's own, or one embedded in a switch condition or a `try`
 * (those run inside their step, and their events name that step).
 */
export interface ActionCounters {
  kind: StepAction['kind'];
  /** The `switch`, `for`, `parallel` or `try`/`except` branch; -1 when none. */
  branch: number;
  /** The `retry` branch; -1 when none. */
  retry: number;
  /** A `for` or a parallel `for`: arms "zero iterations" and "at least one". */
  loop: boolean;
  /** A `try` whose body is one action (not a list of steps): that action. */
  tryBody: ActionCounters | null;
  /** A `try` body's own `next`. */
  tryNext: NextBranch | null;
  /** Needs state for the length of a run of its step (loops, retries, embedded actions, jumps). */
  tracked: boolean;
}

export interface StepCounters {
  statement: number;
  action: ActionCounters;
  /** The step's own `next`. */
  next: NextBranch | null;
}

/** What an event that carries a source position (the `pos` of the node in the definition) counts. */
export type PositionCounters =
  | { kind: 'condition'; branch: number; arm: number; body: ActionCounters | null; next: NextBranch | null }
  | { kind: 'branch'; branch: number; arm: number }
  | { kind: 'parallelFor'; action: ActionCounters }
  | { kind: 'except'; branch: number }
  | { kind: 'retry'; action: ActionCounters };

export interface CoverageModel {
  statementMap: Record<string, IstanbulRange>;
  fnMap: Record<string, IstanbulFunction>;
  branchMap: Record<string, IstanbulBranch>;
  /** Counters of each step node of the definition. */
  steps: Map<Step, StepCounters>;
  /** By the very `Pos` objects of the definition that events carry. */
  positions: Map<Pos, PositionCounters>;
  /** Function index of each routine. */
  routines: Map<string, number>;
  statements: number;
  /** Number of arms of each branch. */
  arms: number[];
}

/**
 * The model of a definition. Definitions loaded from the same text get models with the same
 * IDs and ranges; pass the `spans` of that text to read it once.
 */
export function buildCoverageModel(
  definition: WorkflowDefinition,
  spans: SourceSpans = new SourceSpans(definition.source),
): CoverageModel {
  return new ModelBuilder(definition, spans).build();
}

const range = (span: Span): IstanbulRange => ({
  start: { line: span.start.line, column: span.start.column - 1 },
  end: { line: span.end.line, column: span.end.column - 1 },
});

class ModelBuilder {
  private readonly model: CoverageModel = {
    statementMap: {},
    fnMap: {},
    branchMap: {},
    steps: new Map(),
    positions: new Map(),
    routines: new Map(),
    statements: 0,
    arms: [],
  };

  constructor(
    private readonly definition: WorkflowDefinition,
    private readonly spans: SourceSpans,
  ) {}

  build(): CoverageModel {
    for (const routine of this.definition.routines.values()) this.routine(routine);
    return this.model;
  }

  private routine(r: Routine): void {
    const key = this.spans.key(r.pos);
    // A workflow written as a plain list of steps is `main` with no name of its own.
    const loc = key?.entry ?? this.spans.node(r.pos) ?? this.spans.restOfLine(r.pos);
    const decl = key?.key ?? this.spans.restOfLine(r.pos);
    const id = this.model.routines.size;
    this.model.routines.set(r.name, id);
    this.model.fnMap[id] = { name: r.name, decl: range(decl), loc: range(loc), line: decl.start.line };
    this.steps(r.steps);
  }

  private steps(steps: readonly Step[]): void {
    for (const step of steps) this.step(step);
  }

  private step(step: Step): void {
    const key = this.spans.key(step.pos);
    const statement = this.model.statements++;
    this.model.statementMap[statement] = range(key?.entry ?? this.spans.restOfLine(step.pos));
    const body = this.spans.value(step.pos);
    const action = this.action(step.action, body, step.pos);
    const counters: StepCounters = { statement, action, next: null };
    if (step.next) counters.next = this.next(step.next, this.spans.keyIn(body, 'next'));
    this.model.steps.set(step, counters);
  }

  /** The counters of an action written in the map at `body` (a step's, a condition's or a try's). */
  private action(action: StepAction, body: Pos | undefined, at: Pos): ActionCounters {
    const counters: ActionCounters = {
      kind: action.kind,
      branch: -1,
      retry: -1,
      loop: false,
      tryBody: null,
      tryNext: null,
      tracked: false,
    };
    const actionKey = (name: string): Span => this.keySpan(this.spans.keyIn(body, name), at);
    switch (action.kind) {
      case 'switch': {
        const switchKey = actionKey('switch');
        const arms = action.conditions.map((c) => this.spans.node(c.pos) ?? this.spans.restOfLine(c.pos));
        counters.branch = this.branch('switch', this.entrySpan(body, 'switch', at), [...arms, switchKey]);
        action.conditions.forEach((c, arm) => {
          const embedded = c.body ? this.action(c.body.action, c.pos, c.pos) : null;
          const next = c.next ? this.next(c.next, this.spans.keyIn(c.pos, 'next')) : null;
          if (next || embedded?.tracked) counters.tracked = true;
          this.model.positions.set(c.pos, {
            kind: 'condition',
            branch: counters.branch,
            arm,
            body: embedded,
            next,
          });
        });
        break;
      }
      case 'for':
        counters.loop = counters.tracked = true;
        counters.branch = this.loopBranch('for', action.for, actionKey('for'));
        this.steps(action.for.steps);
        break;
      case 'parallel': {
        const spec = action.parallel;
        const parallelKey = this.entrySpan(body, 'parallel', at);
        if (spec.branches) {
          const arms = spec.branches.map((b) => this.keySpan(b.pos, b.pos));
          counters.branch = this.branch('parallel', parallelKey, arms);
          spec.branches.forEach((b, arm) => {
            this.model.positions.set(b.pos, { kind: 'branch', branch: counters.branch, arm });
            this.steps(b.steps);
          });
        } else if (spec.for) {
          counters.loop = counters.tracked = true;
          counters.branch = this.loopBranch('parallel', spec.for, this.keySpan(spec.for.keyPos, spec.pos));
          this.model.positions.set(spec.for.pos, { kind: 'parallelFor', action: counters });
          this.steps(spec.for.steps);
        }
        break;
      }
      case 'try': {
        counters.tracked = true;
        if (action.except) {
          counters.branch = this.branch('try', this.entrySpan(body, 'try', at), [
            actionKey('try'),
            actionKey('except'),
          ]);
          this.model.positions.set(action.except.pos, { kind: 'except', branch: counters.branch });
        }
        if (action.retry) {
          const retry = action.retry;
          const retryKey = this.spans.keyIn(body, 'retry');
          const value = this.spans.node(retry.pos) ?? this.spans.restOfLine(retry.pos);
          const maxRetries = this.spans.keyIn(retry.pos, 'max_retries');
          counters.retry = this.branch('retry', retryKey ? this.entrySpan(body, 'retry', at) : value, [
            this.keySpan(retryKey, retry.pos),
            value.start.line === value.end.line ? value : this.spans.restOfLine(retry.pos),
            maxRetries ? this.keySpan(maxRetries, maxRetries) : value,
          ]);
          this.model.positions.set(retry.pos, { kind: 'retry', action: counters });
        }
        const t = action.try;
        if (t.next) counters.tryNext = this.next(t.next, this.spans.keyIn(t.pos, 'next'));
        if (t.action.kind === 'steps') this.steps(t.action.steps);
        else counters.tryBody = this.action(t.action, t.pos, t.pos);
        if (action.except) this.steps(action.except.steps);
        break;
      }
      case 'steps':
        this.steps(action.steps);
        break;
      case 'assign':
      case 'call':
      case 'raise':
      case 'return':
      case 'next':
        break;
    }
    return counters;
  }

  private loopBranch(type: 'for' | 'parallel', spec: ForSpec, forKey: Span): number {
    const loc = spec.keyPos ? (this.spans.key(spec.keyPos)?.entry ?? forKey) : forKey;
    const stepsKey = this.keySpan(this.spans.keyIn(spec.pos, 'steps'), spec.pos);
    return this.branch(type, loc, [forKey, stepsKey]);
  }

  private next(target: NextTarget, keyPos: Pos | undefined): NextBranch {
    const span =
      (keyPos && this.spans.key(keyPos)?.entry) ??
      this.spans.node(target.pos) ??
      this.spans.restOfLine(target.pos);
    const name = target.kind === 'step' ? target.name : target.kind;
    return { branch: this.branch('next', span, [span]), target: name };
  }

  private branch(type: CoverageBranchType, loc: Span, arms: Span[]): number {
    const id = this.model.arms.length;
    this.model.arms.push(arms.length);
    const r = range(loc);
    this.model.branchMap[id] = { type, loc: r, locations: arms.map(range), line: r.start.line };
    return id;
  }

  /** The key at `pos` (just the key), or the rest of the line at `fallback`. */
  private keySpan(pos: Pos | undefined, fallback: Pos): Span {
    return (pos && this.spans.key(pos)?.key) ?? this.spans.restOfLine(fallback);
  }

  /** The key `name` of the map at `map` with its value, or the rest of the line at `fallback`. */
  private entrySpan(map: Pos | undefined, name: string, fallback: Pos): Span {
    const pos = this.spans.keyIn(map, name);
    return (pos && this.spans.key(pos)?.entry) ?? this.spans.restOfLine(fallback);
  }
}
