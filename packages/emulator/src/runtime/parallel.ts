/**
 * Scheduling of parallel branches and iterations
 * (https://cloud.google.com/workflows/docs/reference/syntax/parallel-steps): an execution-wide
 * limit on what runs at once, a per-step `concurrency_limit`, and the collection of the
 * branches' unhandled errors into one UnhandledBranchError.
 */
import type { Value } from '../values/types.js';
import { platformError, RaisedError } from '../values/raised-error.js';

/** A counting semaphore: `acquire` is synchronous while slots are free. */
export class Semaphore {
  private readonly waiting: (() => void)[] = [];
  constructor(private available: number) {}

  acquire(): Promise<void> | void {
    if (this.available > 0) {
      this.available--;
      return;
    }
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.available++;
  }
}

/** One branch (its name) or iteration (its index as a string) of a parallel step. */
export interface BranchTask {
  id: string;
  run(): Promise<void>;
}

export interface BranchFailure {
  id: string;
  error: RaisedError;
}

/**
 * Runs `tasks` with at most `limit` at once, each holding one of the execution-wide `slots`.
 * Resolves with the tasks' Workflows errors once all have ended; rejects with the first other
 * failure (a limit, cancellation, a nesting violation), after which no new task starts.
 * `nested`: the caller is itself a branch holding a slot, which it gives back while it waits
 * (a branch waiting on its own parallel step is not running, and nested steps cannot deadlock
 * on the execution-wide limit).
 */
export async function runBranches(
  tasks: readonly BranchTask[],
  limit: number,
  slots: Semaphore,
  nested: boolean,
): Promise<BranchFailure[]> {
  const errors: BranchFailure[] = [];
  let fatal: unknown;
  let next = 0;
  const worker = async () => {
    while (next < tasks.length && fatal === undefined) {
      const task = tasks[next++]!;
      await slots.acquire();
      try {
        await task.run();
      } catch (err) {
        // A nesting violation is a property of the workflow, not of one branch: it propagates as is.
        if (err instanceof RaisedError && !err.uncatchable && !err.tags.includes('ParallelNestingError')) {
          errors.push({ id: task.id, error: err });
        } else fatal ??= err;
      } finally {
        slots.release();
      }
    }
  };
  const workers = Math.min(limit, tasks.length);
  if (nested) slots.release();
  try {
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    if (nested) await slots.acquire();
  }
  if (fatal !== undefined) throw fatal instanceof Error ? fatal : new Error('parallel branch failed');
  return errors;
}

/** The error a parallel step raises when branches ended with unhandled errors (the first `max` kept). */
export function unhandledBranchError(errors: readonly BranchFailure[], max: number): RaisedError {
  const kept = errors.slice(0, max);
  const one = errors.length === 1;
  return platformError(
    'UnhandledBranchError',
    `UnhandledBranchError: ${errors.length} branch${one ? '' : 'es'} or iteration${one ? '' : 's'} ended with an unhandled error`,
    [
      [
        'branches',
        kept.map(
          (e) =>
            new Map<string, Value>([
              ['id', e.id],
              ['error', e.error.value],
            ]),
        ),
      ],
      ['truncated', errors.length > kept.length],
    ],
  );
}
