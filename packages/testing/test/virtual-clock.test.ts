import { describe, it, expect } from 'vitest';
import { VirtualClock } from '../src/virtual-clock.js';

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe('VirtualClock', () => {
  it('auto mode fires sleeps at once, in wake order, moving now() to each', async () => {
    const clock = new VirtualClock({ start: 1000 });
    const log: [string, number][] = [];
    const nap = async (name: string, ms: number) => {
      await clock.sleep(ms);
      log.push([name, clock.now()]);
    };
    await Promise.all([nap('c', 300), nap('a', 100), nap('b', 200), nap('a2', 100)]);
    expect(log).toEqual([
      ['a', 1100],
      ['a2', 1100],
      ['b', 1200],
      ['c', 1300],
    ]);
  });

  it('lazy timers wait for a lease, and do not let time run past them', async () => {
    const clock = new VirtualClock({ start: 0 });
    let lazyDone = false;
    let sleepDone = false;
    void clock.lazy.sleep(1000).then(() => (lazyDone = true));
    void clock.sleep(5000).then(() => (sleepDone = true));
    await turns(10);
    expect(lazyDone).toBe(false);
    expect(sleepDone).toBe(false);
    expect(clock.now()).toBe(0);
    const release = clock.acquireLease();
    await turns(10);
    expect([lazyDone, sleepDone, clock.now()]).toEqual([true, true, 5000]);
    release();
  });

  it('a hold stops auto advance until released', async () => {
    const clock = new VirtualClock({ start: 0 });
    const hold = clock.hold(() => true);
    let done = false;
    void clock.sleep(10).then(() => (done = true));
    await turns(5);
    expect(done).toBe(false);
    hold.release();
    await turns(5);
    expect(done).toBe(true);
  });

  it('does not move while an execution is running, in auto mode and in advance()', async () => {
    let running = true;
    const auto = new VirtualClock({ start: 0, running: () => running });
    let woke = false;
    void auto.sleep(10).then(() => (woke = true));
    await turns(20);
    expect(woke).toBe(false);
    expect(auto.now()).toBe(0);
    running = false;
    await turns(5);
    expect(woke).toBe(true);
    expect(auto.now()).toBe(10);

    running = true;
    const manual = new VirtualClock({ mode: 'manual', start: 0, running: () => running });
    let advanced = false;
    const advancing = manual.advance('1s').then(() => (advanced = true));
    await turns(20);
    expect(advanced).toBe(false);
    running = false;
    await advancing;
    expect(manual.now()).toBe(1000);
  });

  it('manual mode moves only with advance(), firing timers in order; due-now timers still fire', async () => {
    const clock = new VirtualClock({ mode: 'manual', start: 0 });
    const log: number[] = [];
    void clock.sleep(0).then(() => log.push(0));
    void clock.sleep(60_000).then(() => log.push(1));
    void clock.sleep(30_000).then(async () => {
      log.push(2);
      await clock.sleep(20_000);
      log.push(3);
    });
    await turns(5);
    expect(log).toEqual([0]);
    expect(clock.pendingTimers().map((d) => d.getTime())).toEqual([30_000, 60_000]);
    await clock.advance('55s');
    expect(log).toEqual([0, 2, 3]);
    expect(clock.now()).toBe(55_000);
    await clock.advanceTo(new Date(60_000));
    expect(log).toEqual([0, 2, 3, 1]);
  });

  it('an aborted sleep rejects with the reason and leaves no timer', async () => {
    const clock = new VirtualClock({ mode: 'manual', start: 0 });
    const ctl = new AbortController();
    const p = clock.sleep(1000, ctl.signal);
    ctl.abort(new Error('cancelled'));
    await expect(p).rejects.toThrow('cancelled');
    expect(clock.pendingTimers()).toEqual([]);
  });
});
