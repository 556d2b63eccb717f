import { detach } from './detach.js';

/** Reaching `maxretry` within `findtime`: the ban manager decides what happens next. */
export interface BanRequest {
  jail: string;
  ip: string;
  /** Time of the failure that reached `maxretry` (ms). */
  time: number;
  /** Failures counted within `findtime`. */
  failures: number;
  /** The matched lines, oldest first (at most `maxretry`, each cut to a bounded length). */
  lines: string[];
}

/** Limits of one jail's counter. */
export interface FailCounterOptions {
  jail: string;
  maxretry: number;
  /** The window in ms. */
  findtime: number;
  /** Hard cap on IPs tracked at once, for a flood of distinct addresses within findtime. */
  maxEntries?: number;
}

interface Entry {
  /** The address as first counted (a copy of its own): the ban and the queue share it. */
  ip: string;
  times: number[];
  lines: string[];
  last: number;
}

const MAX_LINE = 1000;

/** A matched line as a counter keeps it: at most MAX_LINE characters. */
export function cutLine(line: string): string {
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line;
}

/**
 * Counts failures per IP for one jail. Each update also goes into a queue in arrival order, so
 * eviction by findtime looks only at the oldest updates: O(1) per update, however many IPs are
 * tracked. (Iterating a Map from its start after many deletions is slow in V8: it walks the
 * holes the deletions left.)
 */
export class FailCounter {
  private readonly entries = new Map<string, Entry>();
  /** Updates in arrival order; one whose time is no longer its entry's `last` is stale. */
  private queueIps: string[] = [];
  private queueTimes: number[] = [];
  private head = 0;
  private readonly maxEntries: number;
  /** IPs dropped because the cap was reached before findtime let them go. */
  evictedByCap = 0;

  constructor(private options: FailCounterOptions) {
    this.maxEntries = options.maxEntries ?? 200_000;
  }

  /** Changes the thresholds (a reload); counts already made are kept. */
  configure(options: Omit<FailCounterOptions, 'jail'>): void {
    this.options = { ...this.options, ...options };
  }

  /** IPs currently tracked. */
  get size(): number {
    return this.entries.size;
  }

  /** Failures counted for `ip` within findtime of `now`. */
  count(ip: string, now: number): number {
    const entry = this.entries.get(ip);
    if (!entry) return 0;
    // Asked once per failure: count without building an array.
    const from = now - this.options.findtime;
    let n = 0;
    for (const t of entry.times) if (t > from) n++;
    return n;
  }

  /**
   * Records one failure; returns a ban request when it reaches maxretry. `now` (the engine's
   * clock; the failure's own time when replaying) bounds eviction, so one line dated far ahead
   * cannot make every other address's count expire.
   */
  add(ip: string, time: number, line: string, now = time): BanRequest | null {
    const { findtime, maxretry, jail } = this.options;
    this.evictOlderThan(Math.min(time, now) - findtime);
    let entry = this.entries.get(ip);
    const fresh = entry === undefined;
    if (!entry) {
      ip = detach(ip);
      entry = { ip, times: [], lines: [], last: time };
      if (this.entries.size >= this.maxEntries) this.evictOldest();
    }
    entry.times.push(time);
    entry.lines.push(detach(cutLine(line)));
    entry.last = Math.max(entry.last, time);
    // Keep the failures inside the window that ends at the newest one, whatever order they came
    // in (a jail reading several files, or a rotated log read late), and at most maxretry.
    const from = entry.last - findtime;
    if (entry.times.some((t) => t <= from)) {
      const keep = entry.times.map((_t, i) => i).filter((i) => entry!.times[i]! > from);
      entry.lines = keep.map((i) => entry!.lines[i]!);
      entry.times = keep.map((i) => entry!.times[i]!);
    }
    if (entry.times.length > maxretry) {
      entry.times = entry.times.slice(-maxretry);
      entry.lines = entry.lines.slice(-maxretry);
    }
    if (entry.times.length >= maxretry) {
      this.entries.delete(ip);
      // A ban outlives its lines: its address must not keep a slice of the log's read buffer
      // alive, nor its lines a list with room for more. The address is the copy the queue holds
      // already: a flood's million bans must not hold each address twice.
      return { jail, ip: entry.ip, time, failures: entry.times.length, lines: entry.lines.slice() };
    }
    if (fresh) this.entries.set(ip, entry);
    this.queueIps.push(entry.ip);
    this.queueTimes.push(entry.last);
    return null;
  }

  /** Every failure being counted, per address: what a checkpoint of the counter writes. */
  *failures(): Generator<{ ip: string; time: number; line: string }> {
    for (const [ip, entry] of this.entries) {
      for (let i = 0; i < entry.times.length; i++) yield { ip, time: entry.times[i]!, line: entry.lines[i]! };
    }
  }

  /** Forgets an IP (after a ban, or when it becomes trusted). */
  forget(ip: string): void {
    this.entries.delete(ip);
  }

  /** Drops every IP whose newest failure is at or before `cutoff`. */
  evictOlderThan(cutoff: number): void {
    while (this.head < this.queueIps.length && this.queueTimes[this.head]! <= cutoff) {
      this.dropHead();
    }
    this.compactQueue();
  }

  private evictOldest(): void {
    while (this.head < this.queueIps.length) {
      if (this.dropHead()) {
        this.evictedByCap++;
        break;
      }
    }
    this.compactQueue();
  }

  /** Removes the oldest queued update; true when it was its IP's latest, so the IP is dropped. */
  private dropHead(): boolean {
    const ip = this.queueIps[this.head]!;
    const time = this.queueTimes[this.head]!;
    this.head++;
    const entry = this.entries.get(ip);
    if (entry && entry.last === time) {
      this.entries.delete(ip);
      return true;
    }
    return false;
  }

  private compactQueue(): void {
    const queued = this.queueIps.length - this.head;
    if (queued > 2 * this.entries.size + 4096) {
      // Mostly updates of addresses banned (or counted again) since: a flood's million first
      // failures would stay queued for a whole findtime. Only each address's latest is kept.
      const ips: string[] = [];
      const times: number[] = [];
      for (let i = this.head; i < this.queueIps.length; i++) {
        const ip = this.queueIps[i]!;
        const time = this.queueTimes[i]!;
        if (this.entries.get(ip)?.last === time) {
          ips.push(ip);
          times.push(time);
        }
      }
      this.queueIps = ips;
      this.queueTimes = times;
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.queueIps.length) {
      this.queueIps = this.queueIps.slice(this.head);
      this.queueTimes = this.queueTimes.slice(this.head);
      this.head = 0;
    }
  }
}
