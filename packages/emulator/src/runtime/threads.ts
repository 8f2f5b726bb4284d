/** The threads of an execution: the main thread and one per running parallel branch or iteration. */
import type { Routine } from '../source/types.js';
import type { CurrentStep } from './api.js';
import type { TracedStep } from './tracer.js';

export interface Thread {
  /** "" for the main thread, else a number unique in the execution. */
  id: string;
  /** Parallel nesting depth of this thread. */
  parallelDepth: number;
  /** The step running in this thread (strings, not an object: updated on every step). */
  routine: string;
  step: string | null;
  /** The innermost step open in this thread (the parent of the next step it starts). */
  open: TracedStep | null;
  /** The innermost open step-history entry of this thread (the parent of the next one); 0: none. */
  entry: number;
}

/** One routine invocation: what the executor runs a step in. */
export interface Frame {
  routine: Routine;
  depth: number;
  thread: Thread;
}

export class Threads {
  private readonly live = new Map<string, Thread>();
  private counter = 0;

  create(parallelDepth: number, open: TracedStep | null = null): Thread {
    const id = parallelDepth === 0 && this.live.size === 0 ? '' : String(++this.counter);
    const t: Thread = { id, parallelDepth, routine: '', step: null, open, entry: 0 };
    this.live.set(id, t);
    return t;
  }

  end(thread: Thread): void {
    this.live.delete(thread.id);
  }

  clear(): void {
    this.live.clear();
  }

  /** The step each thread runs (`status.currentSteps`). */
  currentSteps(): CurrentStep[] {
    const out: CurrentStep[] = [];
    for (const t of this.live.values()) if (t.step !== null) out.push({ routine: t.routine, step: t.step });
    return out;
  }
}
