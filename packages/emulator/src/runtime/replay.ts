/**
 * Replay: how an action whose expressions call subworkflows runs with one body.
 *
 * Expressions are evaluated synchronously (expr/). A subworkflow or connector called inside an
 * expression cannot run synchronously, so the evaluation context throws a {@link Suspension}.
 * `drive` catches it, makes the call asynchronously and runs the action again from its start
 * with the results of the calls made so far replayed in order: expressions are pure, so the
 * replay takes the same path. An action that changes state before it may suspend (an assign
 * step's earlier items, a subworkflow's parameter defaults) `commit`s its progress, and a
 * replay resumes from there, replaying only the calls made since.
 *
 * One Replay serves a whole execution: evaluation is synchronous, so at most one action runs
 * its synchronous part at a time, and `drive` saves and restores the state of the action it
 * interrupts (an action driven inside another, like a switch condition's body).
 */
import type { Routine } from '../source/types.js';
import type { Value } from '../values/types.js';

/** Thrown by the evaluation context when an expression calls a subworkflow or a connector. */
export class Suspension extends Error {
  override readonly name = 'Suspension';
  constructor(
    /** The subworkflow called, or null for a connector helper (`connector`). */
    readonly routine: Routine | null,
    readonly args: Value[],
    readonly connector?: string,
  ) {
    super('suspend');
  }
}

export class Replay<C> {
  /** Results of the calls made so far by the action being replayed; null on a first run (not recorded). */
  private log: Value[] | null = null;
  private pos = 0;
  private resumeAt = 0;
  private current: C | null = null;

  constructor(
    /** Makes the call an expression suspended on, in the context of the action that made it. */
    private readonly perform: (s: Suspension, context: C) => Promise<Value>,
  ) {}

  /** The context given to `drive` for the action whose synchronous part is running (null between actions). */
  get context(): C | null {
    return this.current;
  }

  /**
   * Runs `fn` (the synchronous part of an action): returns what it returns when no expression
   * suspends, else a promise that makes each call and runs `fn` again, replaying the results.
   * `fn` gets `context` and the arguments after it (so that a hot caller needs no closure).
   */
  drive<T>(context: C, fn: () => T | Promise<T>): T | Promise<T>;
  drive<T, A, B, D>(
    context: C,
    fn: (context: C, a: A, b: B, d: D) => T | Promise<T>,
    a: A,
    b: B,
    d: D,
  ): T | Promise<T>;
  drive<T>(
    context: C,
    fn: (context: C, a: unknown, b: unknown, d: unknown) => T | Promise<T>,
    a?: unknown,
    b?: unknown,
    d?: unknown,
  ): T | Promise<T> {
    const { log, pos, resumeAt, current } = this;
    this.log = null;
    this.pos = 0;
    this.resumeAt = 0;
    this.current = context;
    try {
      return fn(context, a, b, d);
    } catch (err) {
      if (!(err instanceof Suspension)) throw err;
      return this.replay(context, () => fn(context, a, b, d), this.resumeAt);
    } finally {
      this.log = log;
      this.pos = pos;
      this.resumeAt = resumeAt;
      this.current = current;
    }
  }

  /** Where the action being driven resumes (0, or the progress it committed before a replay). */
  get resume(): number {
    return this.resumeAt;
  }

  /** Marks `progress` parts of the action as done (their effects are in place). */
  commit(progress: number): void {
    this.resumeAt = progress;
    if (this.log !== null) this.log = [];
    this.pos = 0;
  }

  /** The recorded result of the next call when replaying, else undefined (the call must run). */
  replayed(): Value | undefined {
    const log = this.log;
    return log !== null && this.pos < log.length ? log[this.pos++] : undefined;
  }

  /** Records the result of a call that ran (when recording). */
  record(result: Value): void {
    if (this.log === null) return;
    this.log.push(result);
    this.pos++;
  }

  /**
   * The first run did not record the calls it made: run again from the last commit recording
   * them, then make each suspended call and run again, replaying the results.
   */
  private async replay<T>(context: C, fn: () => T | Promise<T>, resume: number): Promise<T> {
    let log: Value[] = [];
    let pending: Suspension | null = null;
    for (;;) {
      if (pending) log.push(await this.perform(pending, context));
      const saved = { log: this.log, pos: this.pos, resumeAt: this.resumeAt, current: this.current };
      this.log = log;
      this.pos = 0;
      this.resumeAt = resume;
      this.current = context;
      let r: T | Promise<T>;
      try {
        r = fn();
      } catch (err) {
        if (!(err instanceof Suspension)) throw err;
        pending = err;
        log = this.log ?? [];
        resume = this.resumeAt;
        continue;
      } finally {
        this.log = saved.log;
        this.pos = saved.pos;
        this.resumeAt = saved.resumeAt;
        this.current = saved.current;
      }
      return r;
    }
  }
}
