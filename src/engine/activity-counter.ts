import type { Clock } from './clock.js';
import { detach } from './detach.js';

const MINUTE = 60_000;
/** Minutes kept: one hour. */
export const ACTIVITY_MINUTES = 60;
/** Default cap on (minute, address) entries kept for the top-offenders list over the hour. */
export const ACTIVITY_MAX_ADDRESSES = 10_000;
const TOP = 10;

/** Failures and bans in one minute. */
export interface ActivityMinute {
  /** Epoch ms of the minute's start. */
  start: number;
  failures: number;
  bans: number;
}

/** One address or jail in a top list. */
export interface ActivityCount {
  failures: number;
  bans: number;
}

/** The last hour, as the `activity` command reports it. */
export interface ActivityReport {
  /** 60 minutes, oldest first; the current minute last. */
  minutes: ActivityMinute[];
  /** The 10 addresses with the most failures in the last hour (then the most bans). */
  topIps: Array<{ ip: string } & ActivityCount>;
  /** Jails by failures in the last hour (then bans), at most 10. */
  topJails: Array<{ jail: string } & ActivityCount>;
}

interface Bucket {
  /** Minute number (epoch ms / 60,000) this bucket holds, or -1 when never used. */
  minute: number;
  failures: number;
  bans: number;
  ips: Map<string, ActivityCount>;
  jails: Map<string, ActivityCount>;
}

/** Options of an {@link ActivityCounter}. */
export interface ActivityCounterOptions {
  /**
   * Most (minute, address) entries kept over the hour, all minutes together. Past it, a new
   * address still counts in its minute's totals but not in the top list until old minutes age out.
   */
  maxAddresses?: number;
}

/**
 * Failures and bans per minute over the last hour, and who caused them. A ring of 60 buckets
 * keyed by minute: recording is O(1) (a bucket from an hour ago is emptied when its slot comes
 * round again) and memory is bounded: at most `maxAddresses` per-minute address counts in all,
 * plus one count per jail per minute. Time comes from the injected clock.
 */
export class ActivityCounter {
  private readonly buckets: Bucket[];
  private readonly maxAddresses: number;
  /** (minute, address) entries held in all buckets, for the cap. */
  private addresses = 0;
  /** The minute releaseStale last ran in: until the next one, no bucket can become stale. */
  private releasedIn = -1;

  constructor(private readonly clock: Clock, options: ActivityCounterOptions = {}) {
    this.maxAddresses = options.maxAddresses ?? ACTIVITY_MAX_ADDRESSES;
    this.buckets = Array.from({ length: ACTIVITY_MINUTES }, () => ({ minute: -1, failures: 0, bans: 0, ips: new Map(), jails: new Map() }));
  }

  /** Counts one failure of `ip` in `jail`, now. */
  recordFailure(ip: string, jail: string): void {
    const bucket = this.current();
    bucket.failures++;
    this.count(bucket, ip, jail, 'failures');
  }

  /** Counts one ban of `ip` by `jail` (or `manual`), now. */
  recordBan(ip: string, jail: string): void {
    const bucket = this.current();
    bucket.bans++;
    this.count(bucket, ip, jail, 'bans');
  }

  /** Failures counted in the last 60 minutes, the current one included. */
  failuresLastHour(): number {
    const now = this.minuteNow();
    let total = 0;
    for (const bucket of this.buckets) if (bucket.minute > now - ACTIVITY_MINUTES && bucket.minute <= now) total += bucket.failures;
    return total;
  }

  /** The last hour: minute by minute, and the top addresses and jails. */
  report(): ActivityReport {
    const now = this.minuteNow();
    const minutes: ActivityMinute[] = [];
    const ips = new Map<string, ActivityCount>();
    const jails = new Map<string, ActivityCount>();
    for (let minute = now - ACTIVITY_MINUTES + 1; minute <= now; minute++) {
      const bucket = this.buckets[slot(minute)]!;
      const live = bucket.minute === minute;
      minutes.push({ start: minute * MINUTE, failures: live ? bucket.failures : 0, bans: live ? bucket.bans : 0 });
      if (!live) continue;
      addAll(ips, bucket.ips);
      addAll(jails, bucket.jails);
    }
    return {
      minutes,
      topIps: top(ips).map(([ip, count]) => ({ ip, ...count })),
      topJails: top(jails).map(([jail, count]) => ({ jail, ...count })),
    };
  }

  /** Frees the addresses of minutes older than the hour, which only a new event in their slot would otherwise free. */
  private releaseStale(): void {
    const now = this.minuteNow();
    if (now === this.releasedIn) return;
    this.releasedIn = now;
    const oldest = now - ACTIVITY_MINUTES;
    for (const bucket of this.buckets) {
      if (bucket.minute === -1 || bucket.minute > oldest || bucket.ips.size === 0) continue;
      this.addresses -= bucket.ips.size;
      bucket.ips = new Map();
    }
  }

  private minuteNow(): number {
    return Math.floor(this.clock.now() / MINUTE);
  }

  /** This minute's bucket, emptied first if it still holds the same minute of an earlier hour. */
  private current(): Bucket {
    const minute = this.minuteNow();
    const bucket = this.buckets[slot(minute)]!;
    if (bucket.minute !== minute) {
      this.addresses -= bucket.ips.size;
      bucket.minute = minute;
      bucket.failures = 0;
      bucket.bans = 0;
      bucket.ips = new Map();
      bucket.jails = new Map();
    }
    return bucket;
  }

  private count(bucket: Bucket, ip: string, jail: string, field: keyof ActivityCount): void {
    let perIp = bucket.ips.get(ip);
    if (!perIp && this.addresses >= this.maxAddresses) this.releaseStale();
    if (!perIp && this.addresses < this.maxAddresses) {
      perIp = { failures: 0, bans: 0 };
      // Kept for the hour: a copy, not a slice of the log line the address was read from.
      bucket.ips.set(detach(ip), perIp);
      this.addresses++;
    }
    if (perIp) perIp[field]++;
    let perJail = bucket.jails.get(jail);
    if (!perJail) {
      perJail = { failures: 0, bans: 0 };
      bucket.jails.set(jail, perJail);
    }
    perJail[field]++;
  }
}

function slot(minute: number): number {
  return ((minute % ACTIVITY_MINUTES) + ACTIVITY_MINUTES) % ACTIVITY_MINUTES;
}

function addAll(into: Map<string, ActivityCount>, from: Map<string, ActivityCount>): void {
  for (const [key, count] of from) {
    const sum = into.get(key);
    if (sum) {
      sum.failures += count.failures;
      sum.bans += count.bans;
    } else {
      into.set(key, { ...count });
    }
  }
}

function top(counts: Map<string, ActivityCount>): Array<[string, ActivityCount]> {
  return [...counts]
    .sort(([ka, a], [kb, b]) => b.failures - a.failures || b.bans - a.bans || (ka < kb ? -1 : ka > kb ? 1 : 0))
    .slice(0, TOP);
}
