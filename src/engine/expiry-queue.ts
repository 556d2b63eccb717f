import type { Clock } from './clock.js';

/** How the queue sets its one timer; tests pass fakes, the engine the real ones. */
export interface TimerFunctions {
  /** Calls `callback` once after `ms`; returns a handle for `clear`. */
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

/** setTimeout, unref'd so that a pending expiry never keeps the process alive on its own. */
export const realTimers: TimerFunctions = {
  set(callback, ms) {
    const timer = setTimeout(callback, ms);
    timer.unref();
    return timer;
  },
  clear(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

/** Node fires a longer setTimeout at once (and warns); a longer wait is made of several. */
export const MAX_TIMER_DELAY = 2 ** 31 - 1;

/** Stale heap entries are only swept once there are more of them than live ones (and a few). */
const COMPACT_MIN = 64;

/**
 * Each address's live expiry, when its owner keeps them (the ban table): the queue then holds no
 * map of its own, only its heap. The owner sets and removes the times before it calls `schedule`
 * and `cancel`, and forgets an address once it is delivered as due.
 */
export interface ExpiryTimes<K> {
  /** When `key` expires, or undefined when it does not (not there, or permanent). */
  get(key: K): number | undefined;
  /** How many keys have an expiry. */
  readonly size: number;
  /** Every key that has an expiry, with it. */
  entries(): Iterable<[K, number]>;
}

/**
 * When each ban ends, with one timer for all of them. A binary min-heap orders (ip, expiresAt);
 * `current` holds each address's live expiry, so rescheduling or cancelling leaves the old heap
 * entry behind as stale (skipped when it surfaces) instead of searching the heap for it. The heap
 * is rebuilt from `current` once stale entries outnumber live ones, so memory stays within twice
 * the live bans however often they are rescheduled.
 *
 * The one timer is set for the earliest live expiry and moved only when an earlier one arrives:
 * no periodic scan, so 100,000 idle bans cost nothing between expiries. When it fires, every
 * address due by then is delivered in one call, so the firewall gets one unban command.
 */
export class ExpiryQueue<K = string> {
  /** What expires: addresses, or the rows of the owner's table. */
  private ips: K[] = [];
  private times: number[] = [];
  /** The live expiries: the queue's own map, or the owner's (then `own` is null). */
  private readonly current: ExpiryTimes<K>;
  private readonly own: Map<K, number> | null;
  private timer: unknown = null;
  /** The expiry the timer was set for; Infinity when no timer is set. */
  private armedFor = Infinity;
  private readonly listeners: Array<(ips: K[]) => void> = [];

  /** `times`: the live expiries as their owner keeps them; without, the queue keeps its own. */
  constructor(
    private readonly clock: Clock,
    private readonly timers: TimerFunctions = realTimers,
    times?: ExpiryTimes<K>,
  ) {
    this.own = times ? null : new Map();
    this.current = times ?? this.own!;
  }

  /**
   * Sets (or moves) when `ip` expires, epoch ms. With the owner's times, they must already say
   * `at`: the queue only notes when to look.
   */
  schedule(ip: K, at: number): void {
    if (!Number.isFinite(at)) throw new Error(`expiry of ${ip} must be a finite time, not ${at}`);
    if (this.own) {
      if (this.own.get(ip) === at) return;
      this.own.set(ip, at);
    }
    this.push(ip, at);
    this.compactIfStale();
    if (at < this.armedFor) this.arm();
  }

  /**
   * Forgets `ip` (unbanned, or now permanent); true if it was scheduled. With the owner's times,
   * they no longer hold it already, and the answer is always true.
   */
  cancel(ip: K): boolean {
    if (this.own && !this.own.delete(ip)) return false;
    this.removed();
    return true;
  }

  /**
   * Some keys lost their expiry (with the owner's times: it removed them): stops the timer when
   * none is left, and sweeps the heap once its stale entries outnumber the live ones.
   */
  removed(): void {
    // The timer stays: when it fires early it finds nothing due and moves on to the next expiry.
    if (this.current.size === 0) this.clear();
    else this.compactIfStale();
  }

  /** Forgets every address and stops the timer. */
  clear(): void {
    this.own?.clear();
    this.ips = [];
    this.times = [];
    this.disarm();
  }

  /**
   * Builds the heap again from the live expiries in one go (after the owner's times were filled
   * by a restore: cheaper than a million `schedule` calls) and sets the timer.
   */
  rebuild(): void {
    this.heapify();
    this.arm();
  }

  /** Stops the timer; scheduled expiries are kept and the next `schedule` sets it again. */
  stop(): void {
    this.disarm();
  }

  /** Calls `listener` with all the addresses due each time the timer fires; returns an unsubscribe. */
  onExpire(listener: (ips: K[]) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** When `ip` expires, if scheduled. */
  expiresAt(ip: K): number | undefined {
    return this.current.get(ip);
  }

  /** Addresses scheduled. */
  get size(): number {
    return this.current.size;
  }

  /** Heap entries, stale ones included: what the queue holds in memory. */
  get heapSize(): number {
    return this.ips.length;
  }

  /** Runs when the timer fires; public so a caller can also check right after a clock jump. */
  fire(): void {
    this.timer = null;
    this.armedFor = Infinity;
    const now = this.clock.now();
    const due: K[] = [];
    // With the owner's times an address may sit in the heap twice with the same time (scheduled
    // again at it): delivered once.
    const seen = this.own ? null : new Set<K>();
    while (this.ips.length > 0 && this.times[0]! <= now) {
      const ip = this.ips[0]!;
      const at = this.times[0]!;
      this.pop();
      if (this.current.get(ip) !== at) continue;
      if (this.own) this.own.delete(ip);
      else if (seen!.has(ip)) continue;
      else seen!.add(ip);
      due.push(ip);
    }
    this.compactIfStale();
    // Re-armed before the listeners run, so one that schedules again sees a consistent queue.
    this.arm();
    if (due.length === 0) return;
    for (const listener of [...this.listeners]) listener(due);
  }

  /** Sets the timer for the earliest live expiry, dropping stale entries that hide it. */
  private arm(): void {
    while (this.ips.length > 0 && this.current.get(this.ips[0]!) !== this.times[0]) this.pop();
    if (this.ips.length === 0) {
      this.disarm();
      return;
    }
    const at = this.times[0]!;
    if (this.timer !== null && this.armedFor === at) return;
    this.disarm();
    const delay = Math.min(Math.max(0, at - this.clock.now()), MAX_TIMER_DELAY);
    this.armedFor = at;
    this.timer = this.timers.set(() => this.fire(), delay);
  }

  private disarm(): void {
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
    this.armedFor = Infinity;
  }

  private compactIfStale(): void {
    const live = this.current.size;
    if (this.ips.length <= COMPACT_MIN || this.ips.length <= 2 * live) return;
    this.heapify();
  }

  private heapify(): void {
    const ips: K[] = [];
    const times: number[] = [];
    for (const [ip, at] of this.current.entries()) {
      ips.push(ip);
      times.push(at);
    }
    this.ips = ips;
    this.times = times;
    // Bottom-up heapify: O(n), cheaper than n pushes.
    for (let i = (this.ips.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private push(ip: K, at: number): void {
    this.ips.push(ip);
    this.times.push(at);
    let i = this.ips.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.times[parent]! <= at) break;
      this.ips[i] = this.ips[parent]!;
      this.times[i] = this.times[parent]!;
      i = parent;
    }
    this.ips[i] = ip;
    this.times[i] = at;
  }

  private pop(): void {
    const lastIp = this.ips.pop()!;
    const lastAt = this.times.pop()!;
    if (this.ips.length === 0) return;
    this.ips[0] = lastIp;
    this.times[0] = lastAt;
    this.siftDown(0);
  }

  private siftDown(start: number): void {
    const n = this.ips.length;
    const ip = this.ips[start]!;
    const at = this.times[start]!;
    let i = start;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.times[child + 1]! < this.times[child]!) child++;
      if (this.times[child]! >= at) break;
      this.ips[i] = this.ips[child]!;
      this.times[i] = this.times[child]!;
      i = child;
    }
    this.ips[i] = ip;
    this.times[i] = at;
  }
}
