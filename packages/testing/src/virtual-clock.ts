/**
 * The clock a test environment injects into the emulator.
 *
 * Virtual time: `now()` is a number the clock owns, and `sleep()` registers a timer instead
 * of a `setTimeout`. Time moves in two ways:
 *
 * - `advance(duration)` moves it forward and fires, in order, every timer it passes.
 * - In `auto` mode the clock also skips ahead by itself: when executions are asleep, the
 *   earliest timer fires next (time jumps to it), one timer per macrotask so that the woken
 *   execution registers its next timer before the following one is chosen. Sleeps, retry
 *   back-off and stub delays therefore finish at once, in the order real time would give,
 *   and `sys.now` moves consistently with them.
 *
 * Callback time-outs (`events.await_callback`) are "lazy" timers: in `auto` mode time does
 * not run past one unless the test is waiting for a result (a lease, taken by
 * `waitForExecution` and `run`). Otherwise an await would time out in the few macrotasks
 * between `invoke()` and `sendCallback()`, and callbacks could not be tested. This is the
 * rule Temporal's time-skipping test server follows for everything; here it applies only to
 * callbacks, so sleeping workflows complete even when nobody waits through the environment.
 */
import type { Clock } from '@workflows-kit/emulator';
import { toMilliseconds, type Duration } from './duration.js';

export type ClockMode = 'auto' | 'manual' | 'real';

/** What `env.clock` offers a test. */
export interface TestClock {
  readonly mode: ClockMode;
  /** Milliseconds since the epoch, as the workflows see it. */
  now(): number;
  /** `new Date(now())`. */
  date(): Date;
  /**
   * Moves virtual time forward by `duration`, firing the timers it passes in order and
   * letting each woken execution run before the next one fires. Throws with a real clock.
   */
  advance(duration: Duration): Promise<void>;
  /** Moves virtual time to `time` (never backwards), like `advance`. */
  advanceTo(time: Date | number | string): Promise<void>;
  /** The wake-up times of the timers now pending (executions asleep, callback time-outs, stub delays). */
  pendingTimers(): Date[];
}

interface Timer {
  due: number;
  seq: number;
  lazy: boolean;
  fire: () => void;
}

/** A reason the clock must not move by itself right now (e.g. a callback being delivered). */
export interface ClockHold {
  release(): void;
}

const macrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class VirtualClock implements TestClock, Clock {
  readonly mode: 'auto' | 'manual';
  private current: number;
  private readonly timers: Timer[] = [];
  private seq = 0;
  private leases = 0;
  private readonly holds = new Set<() => boolean>();
  private pumpScheduled = false;
  private disposed = false;
  private readonly running: () => boolean;

  /**
   * `running`: true while some execution can go on without time moving (it paused to let the
   * event loop in). Time then waits for it, in `auto` mode and in `advance()`.
   */
  constructor(options: { mode?: 'auto' | 'manual'; start?: number; running?: () => boolean } = {}) {
    this.mode = options.mode ?? 'auto';
    this.current = Math.floor(options.start ?? Date.now());
    this.running = options.running ?? (() => false);
  }

  now(): number {
    return this.current;
  }

  date(): Date {
    return new Date(this.current);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.addTimer(ms, false, signal);
  }

  /** The same timeline, but the timers it creates are lazy (see the file comment). */
  readonly lazy: Clock = {
    now: () => this.now(),
    sleep: (ms, signal) => this.addTimer(ms, true, signal),
  };

  /**
   * While at least one lease is held, `auto` mode lets time run past lazy timers too. Returns
   * the release function.
   */
  acquireLease(): () => void {
    this.leases++;
    this.schedulePump();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.leases--;
    };
  }

  /** While `active()` is true, `auto` mode does not move time by itself. */
  hold(active: () => boolean): ClockHold {
    this.holds.add(active);
    return {
      release: () => {
        this.holds.delete(active);
        this.schedulePump();
      },
    };
  }

  pendingTimers(): Date[] {
    return [...this.timers].sort(byDue).map((t) => new Date(t.due));
  }

  async advance(duration: Duration): Promise<void> {
    await this.runUntil(this.current + toMilliseconds(duration));
  }

  async advanceTo(time: Date | number | string): Promise<void> {
    const target = time instanceof Date ? time.getTime() : typeof time === 'number' ? time : Date.parse(time);
    if (Number.isNaN(target)) throw new TypeError(`advanceTo: cannot read time '${String(time)}'`);
    await this.runUntil(target);
  }

  /**
   * Forgets every pending timer (the environment is going away): their sleeps never settle, so
   * nothing runs after teardown. Executions are cancelled before this, which rejects their sleeps.
   */
  dispose(): void {
    this.disposed = true;
    this.timers.length = 0;
  }

  private async runUntil(target: number): Promise<void> {
    for (;;) {
      const next = this.earliest();
      if (!next || next.due > target) break;
      this.fire(next);
      // Let the woken execution run to its next wait before the next timer is chosen.
      await this.settle();
    }
    if (target > this.current) this.current = target;
    await this.settle();
  }

  /** One macrotask, then more while an execution is paused but runnable. */
  private async settle(): Promise<void> {
    do await macrotask();
    while (this.running() && !this.disposed);
  }

  private addTimer(ms: number, lazy: boolean, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason as Error);
        return;
      }
      if (this.disposed) return; // never settles: the environment is gone
      const onAbort = () => {
        const i = this.timers.indexOf(timer);
        if (i >= 0) this.timers.splice(i, 1);
        reject(signal?.reason as Error);
      };
      const timer: Timer = {
        due: this.current + Math.max(0, Number.isFinite(ms) ? ms : 0),
        seq: this.seq++,
        lazy,
        fire: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.timers.push(timer);
      this.schedulePump();
    });
  }

  private earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.timers) if (!best || byDue(t, best) < 0) best = t;
    return best;
  }

  private fire(timer: Timer): void {
    const i = this.timers.indexOf(timer);
    if (i >= 0) this.timers.splice(i, 1);
    if (timer.due > this.current) this.current = timer.due;
    timer.fire();
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.disposed || this.timers.length === 0) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Fires at most one timer, then reschedules itself (one timer per macrotask). */
  private pump(): void {
    const next = this.earliest();
    if (!next) return;
    // A timer already due fires in every mode: it does not need time to move.
    const movesTime = next.due > this.current;
    if (movesTime) {
      if (this.mode !== 'auto') return;
      if (next.lazy && this.leases === 0) return;
      for (const active of this.holds) if (active()) return;
      if (this.running()) {
        // A paused execution resumes in the macrotask already queued; look again after it.
        this.schedulePump();
        return;
      }
    }
    this.fire(next);
    this.schedulePump();
  }
}

function byDue(a: Timer, b: Timer): number {
  return a.due - b.due || a.seq - b.seq;
}

/** Wall-clock time for `clock: 'real'`; `advance` is refused since real time cannot be skipped. */
export class RealTestClock implements TestClock {
  readonly mode = 'real' as const;
  constructor(private readonly clock: Clock) {}
  now(): number {
    return this.clock.now();
  }
  date(): Date {
    return new Date(this.clock.now());
  }
  advance(): Promise<void> {
    return Promise.reject(
      new TypeError(
        "env.clock.advance() needs virtual time: create the environment with clock 'virtual' or 'manual'",
      ),
    );
  }
  advanceTo(): Promise<void> {
    return this.advance();
  }
  pendingTimers(): Date[] {
    return [];
  }
}
