/** The real implementations of the seams: wall clock, random IDs, no logging. */
import type { Clock, IdSource, Logger } from '../values/seams.js';

/**
 * The longest delay Node's timers take: past 2^31-1 ms (about 24.8 days) `setTimeout` fires
 * after 1 ms instead. Google allows `sys.sleep` up to 31,536,000 s and `sys.sleep_until` a
 * year ahead (https://cloud.google.com/workflows/docs/reference/stdlib/sys/sleep), so longer
 * waits are slept in chunks.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export const realClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason as Error);
        return;
      }
      let remaining = Math.max(0, ms);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason as Error);
      };
      const arm = () => {
        const chunk = Math.min(remaining, MAX_TIMER_MS);
        remaining -= chunk;
        timer = setTimeout(() => {
          if (remaining > 0) {
            arm();
            return;
          }
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, chunk);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      arm();
    }),
};

export const randomIds: IdSource = { uuid: () => crypto.randomUUID() };

export const silentLogger: Logger = { log: () => {} };
