import type { TestClock } from '@workflows-kit/testing';
import type { SchedulerClock } from '../src/status-checker.js';

interface Pending {
  readonly due: number;
  readonly resolve: () => void;
}

/**
 * The status checker's clock in tests: reads the environment's virtual time, and lets its
 * sleeps end only when the test says so (`fireDue`) after moving that time. This keeps the
 * checker (an app-side timer) on the same timeline as the sleeping executions.
 */
export class ManualScheduler implements SchedulerClock {
  /** Every delay the checker asked for, in order. */
  readonly requestedDelays: number[] = [];
  readonly #pending: Pending[] = [];

  constructor(private readonly clock: TestClock) {}

  now(): number {
    return this.clock.now();
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    this.requestedDelays.push(ms);
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const onAbort = () => {
        this.#pending.splice(this.#pending.indexOf(entry), 1);
        reject(signal.reason as Error);
      };
      const entry: Pending = {
        due: this.clock.now() + ms,
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.#pending.push(entry);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** When the checker's next sleep ends, if it is sleeping. */
  nextDue(): number | undefined {
    return this.#pending.length === 0 ? undefined : Math.min(...this.#pending.map((p) => p.due));
  }

  /** Ends the sleeps that are due at the current virtual time; returns how many. */
  fireDue(): number {
    const now = this.clock.now();
    const due = this.#pending.filter((p) => p.due <= now);
    for (const p of due) {
      this.#pending.splice(this.#pending.indexOf(p), 1);
      p.resolve();
    }
    return due.length;
  }
}
