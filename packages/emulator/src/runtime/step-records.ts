/**
 * What the executor records of the steps it runs: their entries in the step history (a step's
 * own, and those of its parts: iterations, matched conditions, try attempts, retries, except
 * blocks, branches) and the `stepStarted` and `stepEnded` events its observers listen to.
 */
import type { Clock } from '../values/seams.js';
import { RaisedError } from '../values/raised-error.js';
import type { ProgressType, StepType } from './enums.js';
import type { Flow } from './control-flow.js';
import type { StepHistory, VariableScope } from './history.js';
import type { Thread } from './threads.js';
import type { TracedStep, TraceGroups, Tracers } from './tracer.js';

export class StepRecords {
  constructor(
    private readonly history: StepHistory,
    private readonly tracers: Tracers,
    private readonly trace: TraceGroups,
    private readonly clock: Clock,
    /** The execution's cancellation: a step or part that ends with it aborted was cancelled. */
    private readonly signal: AbortSignal,
  ) {}

  /** A step starts in `thread`: its entry opens under the thread's open entry and becomes it. */
  started(traced: TracedStep, thread: Thread): void {
    const entry = this.history.stepStarted(traced, thread.entry);
    if (entry > 0) {
      traced.entryId = entry;
      thread.entry = entry;
    }
    if (this.trace.steps) this.tracers.emit('stepStarted', traced);
  }

  /** A step ended at `endedAt` with `flow` (where it went next). */
  succeeded(traced: TracedStep, flow: Flow, endedAt: number): void {
    traced.outcome = 'succeeded';
    traced.endedAt = endedAt;
    if (flow) {
      if (flow.kind === 'return') traced.returned = true;
      else traced.next = flow.kind === 'jump' ? flow.target : flow.kind;
    }
    this.ended(traced);
  }

  /** A step ended with `err`: failed with it when it is a Workflows error, else failed or cancelled. */
  failed(traced: TracedStep, err: unknown): void {
    if (err instanceof RaisedError) {
      traced.outcome = 'failed';
      traced.error = err;
    } else {
      traced.outcome = this.signal.aborted ? 'cancelled' : 'failed';
    }
    traced.endedAt = this.clock.now();
    this.ended(traced);
  }

  private ended(traced: TracedStep): void {
    this.history.stepEnded(traced);
    if (this.trace.steps) this.tracers.emit('stepEnded', traced);
    traced.scope = null;
  }

  /** Opens the entry of a part of the step `step` (under the step's own entry, `parent`) in `thread`. */
  openPart(
    thread: Thread,
    parent: number,
    routine: string,
    step: string,
    type: StepType,
    progress?: ProgressType,
    n = 0,
    expected = 0,
  ): number {
    return this.history.open(parent, routine, step, type, thread.id, this.clock.now(), progress, n, expected);
  }

  /** Closes a part's entry that ended normally, with the variables of `scope`. */
  partSucceeded(part: number, scope: VariableScope): void {
    this.history.close(part, 'succeeded', this.clock.now(), undefined, scope);
  }

  /** Closes a part's entry that ended with `err`: failed with it, or cancelled. */
  partFailed(part: number, err: unknown, scope: VariableScope): void {
    if (err instanceof RaisedError) this.history.close(part, 'failed', this.clock.now(), err, scope);
    else this.history.close(part, this.signal.aborted ? 'cancelled' : 'failed', this.clock.now());
  }
}
