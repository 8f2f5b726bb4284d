/**
 * Workflow coverage: which steps, subworkflows and branches of each workflow source ran, and how
 * often. An observer of executions (tracer.ts) that counts against the coverage model of each
 * source (coverage-map.ts), and answers with Istanbul's coverage object (the shape of
 * `coverage-final.json`), so the libraries behind nyc and vitest merge it and write reports.
 *
 * Each execution gets its own observer (`observer()`), all counting into one `WorkflowCoverage`.
 * A file is keyed by the path it was deployed from; a workflow deployed from source text by the
 * virtual path `workflows/<location>/<workflow-id>.yaml` and carries its source (`source`), so
 * that a report can show it. Beside Istanbul's fields, each file has `tests`: per statement, the
 * names of the tests that ran it (when the collector knows the current test).
 */
import { createHash } from 'node:crypto';
import { SourceSpans } from '../source/spans.js';
import type { WorkflowDefinition } from '../source/types.js';
import type { ExecutionIdentity } from './api.js';
import {
  buildCoverageModel,
  type ActionCounters,
  type CoverageModel,
  type IstanbulBranch,
  type IstanbulFunction,
  type IstanbulRange,
  type NextBranch,
  type StepCounters,
} from './coverage-map.js';
import type {
  ExceptTakenEvent,
  ExecutionStartedEvent,
  ExecutionTracer,
  ForIterationEvent,
  ParallelBranchEvent,
  RetryAttemptEvent,
  SubworkflowCalledEvent,
  SwitchConditionEvent,
  TracedStep,
  TryCompletedEvent,
} from './tracer.js';

/** One file of Istanbul's coverage object, with the emulator's additions. */
export interface WorkflowFileCoverage {
  path: string;
  statementMap: Record<string, IstanbulRange>;
  fnMap: Record<string, IstanbulFunction>;
  branchMap: Record<string, IstanbulBranch>;
  s: Record<string, number>;
  f: Record<string, number>;
  b: Record<string, number[]>;
  /** Per statement ID, the names of the tests that ran it (statements no named test ran are left out). */
  tests?: Record<string, string[]>;
  /**
   * A workflow deployed from source text: `workflows/<location>/<workflow-id>.yaml` (the path
   * may add a hash of the text when that ID was deployed with several texts).
   */
  virtualPath?: string;
  /** A workflow deployed from source text: the source (no file holds it). */
  source?: string;
}

/** Istanbul's coverage object (`coverage-final.json`): file coverage by path. */
export type WorkflowCoverageData = Record<string, WorkflowFileCoverage>;

/** A deployed revision, for `WorkflowCoverageOptions.deployed`. */
export interface DeployedWorkflow {
  definition: WorkflowDefinition;
  location: string;
  workflowId: string;
  /** The file it was deployed from, when it came from one. */
  sourceFile?: string;
}

export interface WorkflowCoverageOptions {
  /** The name of the test running now, recorded with the statements its executions run. */
  currentTest?: () => string | undefined;
  /** The revisions deployed now: they appear in the coverage with zeros until they run. */
  deployed?: () => Iterable<DeployedWorkflow>;
}

/** Where a workflow deployed from source text (not from a file) is reported. */
export function virtualWorkflowPath(location: string, workflowId: string): string {
  return `workflows/${location}/${workflowId}.yaml`;
}

/** The counters of one workflow source. */
class FileEntry {
  /** The model of the first definition seen; others of the same text have their own (same IDs). */
  readonly model: CoverageModel;
  private readonly spans: SourceSpans;
  private readonly models = new WeakMap<WorkflowDefinition, CoverageModel>();
  readonly s: Float64Array;
  readonly f: Float64Array;
  readonly b: Float64Array[];
  /** Per statement, the tests that ran it. */
  readonly tests: (Set<string> | undefined)[] = [];
  readonly mainFn: number;

  constructor(
    readonly path: string,
    readonly virtual: boolean,
    readonly source: string,
    definition: WorkflowDefinition,
  ) {
    this.spans = new SourceSpans(source);
    this.model = buildCoverageModel(definition, this.spans);
    this.models.set(definition, this.model);
    this.s = new Float64Array(this.model.statements);
    this.f = new Float64Array(this.model.routines.size);
    this.b = this.model.arms.map((n) => new Float64Array(n));
    this.mainFn = this.model.routines.get('main') ?? -1;
  }

  /** The model of a definition of this text (its step nodes and positions are its own objects). */
  modelFor(definition: WorkflowDefinition): CoverageModel {
    let model = this.models.get(definition);
    if (!model) this.models.set(definition, (model = buildCoverageModel(definition, this.spans)));
    return model;
  }

  reset(): void {
    this.s.fill(0);
    this.f.fill(0);
    for (const arms of this.b) arms.fill(0);
    this.tests.length = 0;
  }

  toJSON(path = this.path): WorkflowFileCoverage {
    const { statementMap, fnMap, branchMap } = this.model;
    const out: WorkflowFileCoverage = {
      path,
      statementMap: structuredClone(statementMap),
      fnMap: structuredClone(fnMap),
      branchMap: structuredClone(branchMap),
      s: Object.fromEntries(Array.from(this.s, (n, i) => [i, n])),
      f: Object.fromEntries(Array.from(this.f, (n, i) => [i, n])),
      b: Object.fromEntries(this.b.map((arms, i) => [i, Array.from(arms)])),
    };
    const tests: Record<string, string[]> = {};
    this.tests.forEach((names, i) => {
      if (names && names.size > 0) tests[i] = [...names].sort();
    });
    if (Object.keys(tests).length > 0) out.tests = tests;
    if (this.virtual) {
      out.virtualPath = this.path;
      out.source = this.source;
    }
    return out;
  }
}

/** Collects coverage of every execution given one of its observers. */
export class WorkflowCoverage {
  private readonly byDefinition = new WeakMap<WorkflowDefinition, FileEntry>();
  /** By path, then by source text (a path deployed with several texts keeps each apart). */
  private readonly files = new Map<string, Map<string, FileEntry>>();

  constructor(private readonly options: WorkflowCoverageOptions = {}) {}

  /** An observer for one execution (pass it in `StartExecutionOptions.tracers`). */
  observer(): ExecutionTracer {
    return new ExecutionCoverage(this, this.options.currentTest?.());
  }

  /** Counts a revision as deployed (zeros until it runs); done for every `deployed()` one on read. */
  add(workflow: DeployedWorkflow): void {
    this.entry(workflow.definition, workflow.location, workflow.workflowId, workflow.sourceFile);
  }

  /** @internal the counters of a definition, created on first use. */
  entry(
    definition: WorkflowDefinition,
    location: string,
    workflowId: string,
    sourceFile?: string,
  ): FileEntry {
    let entry = this.byDefinition.get(definition);
    if (entry) return entry;
    const path = sourceFile ?? virtualWorkflowPath(location, workflowId);
    let bySource = this.files.get(path);
    if (!bySource) this.files.set(path, (bySource = new Map()));
    entry = bySource.get(definition.source);
    if (entry) {
      // The newest source of a file is the one reported: keep it last.
      bySource.delete(definition.source);
    } else {
      entry = new FileEntry(path, sourceFile === undefined, definition.source, definition);
    }
    bySource.set(definition.source, entry);
    this.byDefinition.set(definition, entry);
    return entry;
  }

  /**
   * Istanbul's coverage object. A file deployed with several different texts reports the last
   * one (hits against an earlier text of the file are dropped, as its lines no longer match); a
   * virtual path deployed with several texts reports each under `<workflow-id>.<hash>.yaml`.
   */
  toJSON(): WorkflowCoverageData {
    for (const w of this.options.deployed?.() ?? []) this.add(w);
    const out: WorkflowCoverageData = {};
    for (const [path, bySource] of this.files) {
      const entries = [...bySource.values()];
      const last = entries[entries.length - 1];
      if (!last) continue;
      if (!last.virtual || entries.length === 1) {
        out[path] = last.toJSON();
        continue;
      }
      for (const e of entries) {
        const p = withSourceHash(path, e.source);
        out[p] = e.toJSON(p);
      }
    }
    return out;
  }

  /** Sets every count to zero (the files stay, with zeros). */
  reset(): void {
    for (const bySource of this.files.values()) for (const e of bySource.values()) e.reset();
  }
}

/** `workflows/l/w.yaml` → `workflows/l/w.<first 8 hex digits of the source's SHA-256>.yaml` */
export function withSourceHash(path: string, source: string): string {
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 8);
  const dot = path.lastIndexOf('.');
  return dot > path.lastIndexOf('/') ? `${path.slice(0, dot)}.${hash}${path.slice(dot)}` : `${path}.${hash}`;
}

/** Step kinds whose nested steps' `next` can end the step itself (the jump leaves the block). */
const BLOCK_KINDS: ReadonlySet<string> = new Set(['switch', 'for', 'steps', 'try']);

/** What one run of a step with loops, retries, embedded actions or jumps is doing. */
class StepRun {
  readonly loops: ActionCounters[] = [];
  readonly iterated: ActionCounters[] = [];
  readonly retries: ActionCounters[] = [];
  readonly retried: ActionCounters[] = [];
  /** The `for` whose iterations come next (the step's own, or one in a body that ran). */
  lastFor: ActionCounters | null = null;
  /** The `try`s running, innermost last. */
  readonly tries: ActionCounters[] = [];
  /** `next`s that may end the step, innermost last; a `try` body's counts once the body completed. */
  readonly nexts: { next: NextBranch; owner: ActionCounters | null; valid: boolean }[] = [];

  constructor(readonly counters: StepCounters) {
    this.enter(counters.action);
  }

  enter(a: ActionCounters): void {
    if (a.loop && !this.loops.includes(a)) this.loops.push(a);
    if (a.kind === 'for') this.lastFor = a;
    if (a.kind === 'try') {
      this.tries.push(a);
      if (a.retry >= 0 && !this.retries.includes(a)) this.retries.push(a);
      if (a.tryNext) this.nexts.push({ next: a.tryNext, owner: a, valid: false });
      if (a.tryBody) this.enter(a.tryBody);
    }
  }

  /** The `try` `a` ended its body (completed, or failed into a retry or its `except`). */
  leave(a: ActionCounters): void {
    const i = this.tries.lastIndexOf(a);
    if (i >= 0) this.tries.length = i;
  }
}

/** The observer of one execution. */
class ExecutionCoverage implements ExecutionTracer {
  private file: FileEntry | undefined;
  private model: CoverageModel | undefined;
  /** Statements this execution ran already (to add its test's name once per statement). */
  private seen: Uint8Array | null = null;
  private readonly runs = new Map<number, StepRun>();
  /** The switch whose conditions were evaluated last (a "no match" is about that one). */
  private lastSwitch = -1;
  /** The step that ended last in the main thread, and in each parallel thread. */
  private lastMain: TracedStep | null = null;
  private readonly lastInThread = new Map<string, TracedStep>();

  constructor(
    private readonly coverage: WorkflowCoverage,
    private readonly test: string | undefined,
  ) {}

  executionStarted(e: ExecutionStartedEvent): void {
    const id: ExecutionIdentity = e.identity;
    const file = this.coverage.entry(e.definition, id.location, id.workflowId, e.sourceFile);
    this.file = file;
    this.model = file.modelFor(e.definition);
    if (file.mainFn >= 0) file.f[file.mainFn]!++;
    if (this.test !== undefined) this.seen = new Uint8Array(file.model.statements);
  }

  stepStarted(step: TracedStep): void {
    const file = this.file;
    const c = this.model?.steps.get(step.node);
    if (!file || !c) return;
    file.s[c.statement]!++;
    const seen = this.seen;
    if (seen !== null && seen[c.statement] === 0) {
      seen[c.statement] = 1;
      let names = file.tests[c.statement];
      if (!names) file.tests[c.statement] = names = new Set();
      names.add(this.test as string);
    }
    if (c.action.tracked) this.runs.set(step.stepId, new StepRun(c));
  }

  stepEnded(step: TracedStep): void {
    const runs = this.runs;
    const run = runs.size > 0 ? runs.get(step.stepId) : undefined;
    if (run) {
      runs.delete(step.stepId);
      this.finish(run, step);
    }
    if (step.next !== undefined) this.jumped(step, run);
    if (step.threadId === '') this.lastMain = step;
    else this.lastInThread.set(step.threadId, step);
  }

  switchCondition(e: SwitchConditionEvent): void {
    const file = this.file;
    const at = this.model?.positions.get(e.pos);
    if (!file || at?.kind !== 'condition') return;
    this.lastSwitch = at.branch;
    if (!e.matched) return;
    file.b[at.branch]![at.arm]!++;
    if (!at.next && !at.body) return;
    const run = this.runs.get(e.step.stepId);
    if (!run) return;
    if (at.next) run.nexts.push({ next: at.next, owner: null, valid: true });
    if (at.body) run.enter(at.body);
  }

  switchNoMatch(): void {
    const arms = this.lastSwitch >= 0 ? this.file?.b[this.lastSwitch] : undefined;
    if (arms) arms[arms.length - 1]!++;
    this.lastSwitch = -1;
  }

  forIteration(e: ForIterationEvent): void {
    if (e.index !== 0) return;
    const run = this.runs.get(e.step.stepId);
    const loop = run?.lastFor;
    if (run && loop && !run.iterated.includes(loop)) run.iterated.push(loop);
  }

  parallelBranch(e: ParallelBranchEvent): void {
    const file = this.file;
    const at = this.model?.positions.get(e.pos);
    if (!file || !at) return;
    if (at.kind === 'branch') file.b[at.branch]![at.arm]!++;
    else if (at.kind === 'parallelFor') {
      const run = this.runs.get(e.step.stepId);
      if (run && !run.iterated.includes(at.action)) run.iterated.push(at.action);
    }
  }

  tryCompleted(e: TryCompletedEvent): void {
    const run = this.runs.get(e.step.stepId);
    const t = run?.tries[run.tries.length - 1];
    if (!run || !t) return;
    run.leave(t);
    if (t.branch >= 0) this.file!.b[t.branch]![0]!++;
    for (const n of run.nexts) if (n.owner === t) n.valid = true;
  }

  exceptTaken(e: ExceptTakenEvent): void {
    const file = this.file;
    const at = this.model?.positions.get(e.pos);
    if (!file || at?.kind !== 'except') return;
    file.b[at.branch]![1]!++;
    const run = this.runs.get(e.step.stepId);
    const t = run?.tries.find((a) => a.branch === at.branch);
    if (run && t) run.leave(t);
  }

  retryAttempt(e: RetryAttemptEvent): void {
    const file = this.file;
    const at = this.model?.positions.get(e.pos);
    if (!file || at?.kind !== 'retry') return;
    const a = at.action;
    const run = this.runs.get(e.step.stepId);
    if (e.decision === 'retry') {
      file.b[a.retry]![1]!++;
      if (run) {
        if (!run.retried.includes(a)) run.retried.push(a);
        // The body runs again: what it entered last time is entered anew.
        run.leave(a);
        run.enter(a);
      }
    } else if (e.decision === 'exhausted') {
      file.b[a.retry]![2]!++;
    }
  }

  subworkflowCalled(e: SubworkflowCalledEvent): void {
    const file = this.file;
    const fn = this.model?.routines.get(e.routine);
    if (file && fn !== undefined) file.f[fn]!++;
  }

  /** Counts what is decided when the step ends: loops that ran no iteration, tries never retried. */
  private finish(run: StepRun, step: TracedStep): void {
    const b = this.file!.b;
    for (const loop of run.loops) {
      if (run.iterated.includes(loop)) b[loop.branch]![1]!++;
      else if (step.outcome === 'succeeded') b[loop.branch]![0]!++;
    }
    for (const t of run.retries) if (!run.retried.includes(t)) b[t.retry]![0]!++;
  }

  /**
   * Counts the `next` the step took. A jump made by a nested step that leaves its block ends the
   * enclosing step with the same target: it was counted at the nested step.
   */
  private jumped(step: TracedStep, run: StepRun | undefined): void {
    const file = this.file;
    if (!file) return;
    const target = step.next as string;
    const prev = step.threadId === '' ? this.lastMain : this.lastInThread.get(step.threadId);
    if (
      prev &&
      prev.parentStepId === step.stepId &&
      prev.next === target &&
      prev.routine === step.routine &&
      BLOCK_KINDS.has(step.kind) &&
      // A loop of the step ends `break` and `continue` of its body: those are not the step's.
      !((target === 'break' || target === 'continue') && run && run.loops.length > 0)
    ) {
      return;
    }
    let taken: NextBranch | null = null;
    if (run) {
      for (let i = run.nexts.length - 1; i >= 0 && !taken; i--) {
        const n = run.nexts[i]!;
        if (n.valid && n.next.target === target) taken = n.next;
      }
    }
    const own = (run?.counters ?? this.model?.steps.get(step.node))?.next;
    if (!taken && own?.target === target) taken = own;
    if (taken) file.b[taken.branch]![0]!++;
  }
}
