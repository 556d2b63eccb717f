import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../src/engine/clock.js';
import { ExpiryQueue, MAX_TIMER_DELAY, type TimerFunctions } from '../../src/engine/expiry-queue.js';

/** Timers that only fire when told to, counting how many are armed. */
class FakeTimers implements TimerFunctions {
  private readonly armed = new Map<number, { callback: () => void; ms: number }>();
  private next = 1;
  /** Timers set so far, re-arms included. */
  sets = 0;

  set(callback: () => void, ms: number): unknown {
    this.sets++;
    this.armed.set(this.next, { callback, ms });
    return this.next++;
  }

  clear(handle: unknown): void {
    this.armed.delete(handle as number);
  }

  get active(): number {
    return this.armed.size;
  }

  /** The armed timer's delay. */
  get delay(): number | undefined {
    return [...this.armed.values()][0]?.ms;
  }

  /** Runs the armed timer, as if its delay had passed (or the OS woke it early). */
  fire(): void {
    const [entry] = [...this.armed];
    if (!entry) throw new Error('no timer armed');
    this.armed.delete(entry[0]);
    entry[1].callback();
  }
}

function setup(start = 0) {
  const clock = new ManualClock(start);
  const timers = new FakeTimers();
  const queue = new ExpiryQueue(clock, timers);
  const expired: string[][] = [];
  queue.onExpire((ips) => expired.push([...ips].sort()));
  return { clock, timers, queue, expired };
}

describe('ExpiryQueue', () => {
  it('arms one timer for the earliest expiry and delivers nothing early', () => {
    const { clock, timers, queue, expired } = setup(1000);
    queue.schedule('a', 3000);
    expect(timers.delay).toBe(2000);
    queue.schedule('b', 1500);
    expect(timers.active).toBe(1);
    expect(timers.delay).toBe(500);
    queue.schedule('c', 9000); // later: the timer stays
    expect(timers.sets).toBe(2);
    clock.advanceTo(1499);
    timers.fire(); // woken early
    expect(expired).toEqual([]);
    expect(timers.active).toBe(1);
    expect(timers.delay).toBe(1);
    clock.advanceTo(1500);
    timers.fire();
    expect(expired).toEqual([['b']]);
    expect(timers.delay).toBe(1500);
    expect(queue.size).toBe(2);
  });

  it('delivers everything due in one call', () => {
    const { clock, timers, queue, expired } = setup();
    for (const [ip, at] of [['a', 10], ['b', 20], ['c', 30], ['d', 40]] as const) queue.schedule(ip, at);
    clock.advanceTo(35); // the process slept through three expiries
    timers.fire();
    expect(expired).toEqual([['a', 'b', 'c']]);
    expect(timers.delay).toBe(5);
  });

  it('moves and cancels expiries without searching the heap', () => {
    const { clock, timers, queue, expired } = setup();
    queue.schedule('a', 100);
    queue.schedule('b', 100);
    queue.schedule('a', 200); // rebanned for longer
    expect(queue.cancel('b')).toBe(true);
    expect(queue.cancel('b')).toBe(false);
    clock.advanceTo(100);
    timers.fire();
    expect(expired).toEqual([]);
    expect(timers.delay).toBe(100);
    clock.advanceTo(200);
    timers.fire();
    expect(expired).toEqual([['a']]);
    expect(timers.active).toBe(0);
    queue.schedule('c', 300);
    expect(queue.cancel('c')).toBe(true);
    expect(timers.active).toBe(0); // nothing left to wait for
  });

  it('caps the timer at 2^31-1 ms and waits again when it fires', () => {
    const { clock, timers, queue, expired } = setup();
    const far = 3 * MAX_TIMER_DELAY;
    queue.schedule('a', far);
    expect(timers.delay).toBe(MAX_TIMER_DELAY);
    clock.advanceTo(MAX_TIMER_DELAY);
    timers.fire();
    expect(expired).toEqual([]);
    expect(timers.delay).toBe(MAX_TIMER_DELAY);
    clock.advanceTo(far);
    timers.fire();
    expect(expired).toEqual([['a']]);
  });

  it('lets a listener schedule again', () => {
    const { clock, timers, queue } = setup();
    queue.onExpire(() => queue.schedule('again', clock.now() + 50));
    queue.schedule('a', 10);
    clock.advanceTo(10);
    timers.fire();
    expect(queue.expiresAt('again')).toBe(60);
    expect(timers.active).toBe(1);
    expect(timers.delay).toBe(50);
  });

  it('works with the real clock and an unref-ed setTimeout', async () => {
    const queue = new ExpiryQueue(systemClock);
    const due = new Promise<string[]>((resolve) => queue.onExpire(resolve));
    queue.schedule('a', Date.now() + 20);
    expect(await due).toEqual(['a']);
    queue.stop();
  });

  it('schedules 1,000,000 spread expiries with one timer, and expires them in order', () => {
    const { clock, timers, queue, expired } = setup();
    const n = 1_000_000;
    // Spread over 30 days, in random order, as bans of many jails would arrive.
    const times = Array.from({ length: n }, () => 1 + Math.floor(Math.random() * 30 * 86_400_000));
    const ips = Array.from({ length: n }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    let start = performance.now();
    for (let i = 0; i < n; i++) queue.schedule(ips[i]!, times[i]!);
    const scheduleMs = performance.now() - start;
    const earliest = times.reduce((a, b) => Math.min(a, b));
    expect(timers.active).toBe(1);
    expect(timers.sets).toBeLessThan(100); // re-armed only when an earlier expiry arrived (~ln n)
    expect(timers.delay).toBe(earliest);
    clock.advanceTo(earliest - 1);
    timers.fire();
    expect(expired).toEqual([]);
    clock.advanceTo(earliest);
    timers.fire();
    expect(expired[0]).toEqual(ips.filter((_, i) => times[i] === earliest).sort());
    // Half-way through the month: one call with everything due by then.
    const half = 15 * 86_400_000;
    clock.advanceTo(half);
    start = performance.now();
    timers.fire();
    const drainMs = performance.now() - start;
    expect(expired[1]!.length).toBe(times.filter((t) => t <= half && t !== earliest).length);
    expect(queue.size).toBe(times.filter((t) => t > half).length);
    expect(timers.active).toBe(1);
    console.log(
      `ExpiryQueue: 1,000,000 schedules in ${scheduleMs.toFixed(0)} ms (${((scheduleMs * 1000) / n).toFixed(2)} µs each), ` +
        `${timers.sets} timer arms; ${expired[1]!.length} expiries delivered in one call in ${drainMs.toFixed(0)} ms`,
    );
  });

  it('stays bounded in memory however often bans are moved', () => {
    const { queue } = setup();
    const ips = Array.from({ length: 10_000 }, (_, i) => `192.0.${i >> 8}.${i & 255}`);
    let maxRatio = 0;
    for (let round = 0; round < 100; round++) {
      for (const ip of ips) queue.schedule(ip, 1000 + Math.floor(Math.random() * 1e9));
      maxRatio = Math.max(maxRatio, queue.heapSize / queue.size);
    }
    expect(queue.size).toBe(10_000);
    expect(maxRatio).toBeLessThanOrEqual(2);
    for (const ip of ips.slice(0, 9000)) queue.cancel(ip);
    expect(queue.size).toBe(1000);
    expect(queue.heapSize).toBeLessThanOrEqual(2 * 1000);
  });

  it('refuses a time that is not a number', () => {
    const { queue } = setup();
    expect(() => queue.schedule('a', Number.NaN)).toThrow(/finite/);
  });
});

describe('ExpiryQueue over its owner\'s times', () => {
  /** The owner's times: a Map it changes before telling the queue, as the ban table does. */
  function owned(start = 0) {
    const clock = new ManualClock(start);
    const timers = new FakeTimers();
    const times = new Map<string, number>();
    const queue = new ExpiryQueue(clock, timers, times);
    const expired: string[][] = [];
    queue.onExpire((ips) => {
      expired.push([...ips].sort());
      // The owner forgets what was delivered, as the ban manager does.
      for (const ip of ips) times.delete(ip);
    });
    const set = (ip: string, at: number) => {
      times.set(ip, at);
      queue.schedule(ip, at);
    };
    return { clock, timers, times, queue, expired, set };
  }

  it('delivers by the owner\'s times: once when scheduled twice at one time, never after a move or a cancel', () => {
    const { clock, timers, times, queue, expired, set } = owned(1000);
    set('a', 2000);
    set('a', 2000);
    set('b', 2000);
    set('c', 2500);
    set('c', 4000); // moved later
    set('d', 2000);
    times.delete('d');
    queue.cancel('d');
    expect(queue.size).toBe(3);
    expect(queue.expiresAt('c')).toBe(4000);
    clock.advanceTo(3000);
    timers.fire();
    expect(expired).toEqual([['a', 'b']]);
    clock.advanceTo(4000);
    timers.fire();
    expect(expired).toEqual([['a', 'b'], ['c']]);
    expect(timers.active).toBe(0);
  });

  it('builds its heap from the owner\'s times in one go', () => {
    const { clock, timers, times, queue, expired } = owned(0);
    for (let i = 0; i < 1000; i++) times.set(`ip${i}`, 10_000 - i);
    queue.rebuild();
    expect(timers.delay).toBe(9001);
    clock.advanceTo(9500);
    timers.fire();
    expect(expired[0]).toHaveLength(500);
    expect(queue.size).toBe(500);
    expect(queue.heapSize).toBe(500);
  });
});
