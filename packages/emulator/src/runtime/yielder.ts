/**
 * Fairness: CPU-bound executions let the event loop in (REST requests, other executions,
 * cancellation) once they have held it for a few milliseconds, at a step boundary.
 *
 * The time counted is the time since the event loop last got a turn, shared by all executions
 * (a slice starts at the first clock reading after a turn and ends at the next turn), so time
 * an execution spent waiting (a sleep, an HTTP call) never counts as running.
 *
 * Reading the clock costs about as much as a simple step, so it is not read on every step: the
 * number of steps between two readings adapts to how long steps take (about one reading per
 * millisecond), down to every step when single steps are slow.
 *
 * An execution paused here can run again without any time passing, so a virtual clock must not
 * move while one is paused: `pausedExecutions()` tells it (the testing package's clock asks).
 */

/** Longest stretch executions hold the event loop (unless one step takes longer). */
export const YIELD_AFTER_MS = 4;
const READ_EVERY_MS = 1;
const MAX_STEPS_BETWEEN_READS = 1024;

let sliceStart = 0;
let paused = 0;
const resume = (resolve: () => void) => () => {
  paused--;
  resolve();
};
let inSlice = false;
const endSlice = () => {
  inSlice = false;
};

/** One per execution: decides after each step whether to let the event loop in. */
export class Yielder {
  private lastRead = performance.now();
  private stride = 1;
  private countdown = 1;

  /** Called after each step: a promise to await when it is time to let the event loop in. */
  afterStep(): Promise<void> | undefined {
    if (--this.countdown > 0) return undefined;
    const now = performance.now();
    const elapsed = now - this.lastRead;
    this.stride =
      elapsed <= 0
        ? Math.min(this.stride * 2, MAX_STEPS_BETWEEN_READS)
        : Math.max(1, Math.min(MAX_STEPS_BETWEEN_READS, Math.floor((this.stride * READ_EVERY_MS) / elapsed)));
    this.countdown = this.stride;
    this.lastRead = now;
    if (!inSlice) {
      // The first reading since the event loop had a turn: a new slice starts, and ends at the next turn.
      inSlice = true;
      sliceStart = now;
      setImmediate(endSlice);
      return undefined;
    }
    if (now - sliceStart < YIELD_AFTER_MS) return undefined;
    paused++;
    return new Promise<void>((resolve) => setImmediate(resume(resolve)));
  }
}

/**
 * How many executions in this process are paused at a step boundary to let the event loop in:
 * they are runnable, not waiting for time, a call or a callback.
 */
export function pausedExecutions(): number {
  return paused;
}
