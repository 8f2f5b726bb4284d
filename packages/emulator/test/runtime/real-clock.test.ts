import { afterEach, describe, expect, it, vi } from 'vitest';
import { CallbackHub } from '../../src/runtime/callbacks.js';
import { MAX_TIMER_MS, realClock } from '../../src/runtime/default-seams.js';

const DAY = 86_400_000;

/** Settles pending promise callbacks without moving the fake time. */
const flush = () => vi.advanceTimersByTimeAsync(0);

afterEach(() => {
  vi.useRealTimers();
});

describe('realClock.sleep beyond 2^31-1 ms', () => {
  it('waits 30 days on the timer clock, not 1 ms (Node timers overflow past ~24.8 days)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    let done = false;
    void realClock.sleep(30 * DAY).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(1000);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(29 * DAY);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(DAY - 1000 - 1);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
    // Every timer asked for stays within what Node's setTimeout honours.
    for (const call of setTimeoutSpy.mock.calls) expect(call[1]).toBeLessThanOrEqual(MAX_TIMER_MS);
  });

  it("sleeps a year (Google's sys.sleep maximum) and can be cancelled in any chunk", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let done = false;
    void realClock.sleep(31_536_000_000).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(364 * DAY);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(DAY);
    expect(done).toBe(true);

    const ctl = new AbortController();
    const cancelled = realClock.sleep(100 * DAY, ctl.signal);
    await vi.advanceTimersByTimeAsync(40 * DAY);
    ctl.abort(new Error('cancelled'));
    await expect(cancelled).rejects.toThrow('cancelled');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('still sleeps short and zero delays once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let done = 0;
    void realClock.sleep(0).then(() => done++);
    void realClock.sleep(250).then(() => done++);
    await flush();
    expect(done).toBe(1);
    await vi.advanceTimersByTimeAsync(250);
    expect(done).toBe(2);
  });

  it('a callback time-out of 30 days waits on the real clock', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const hub = new CallbackHub(() => 'http://127.0.0.1:8787', realClock);
    const exec = 'projects/p/locations/l/workflows/w/executions/e';
    const cb = hub.create(exec, 'POST');
    let result: unknown = 'pending';
    void hub.await(exec, cb.id, 30 * DAY, new AbortController().signal).then((r) => (result = r));
    await vi.advanceTimersByTimeAsync(DAY);
    expect(result).toBe('pending');
    await vi.advanceTimersByTimeAsync(29 * DAY);
    expect(result).toBeNull();
  });
});
