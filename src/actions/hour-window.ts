const HOUR_MS = 3_600_000;

/** Counts events over the last hour, in one-second buckets, so a flood stays at most 3,600 entries. */
export class HourWindow {
  private readonly buckets: Array<{ second: number; count: number }> = [];

  add(at: number, count = 1): void {
    const second = Math.floor(at / 1000);
    const last = this.buckets[this.buckets.length - 1];
    if (last && last.second === second) last.count += count;
    else this.buckets.push({ second, count });
  }

  /** Events in the hour before `now`. */
  total(now: number): number {
    this.prune(now);
    return this.buckets.reduce((sum, bucket) => sum + bucket.count, 0);
  }

  /** When the oldest event of the hour leaves it, i.e. when total() next drops; null if empty. */
  nextExpiry(now: number): number | null {
    this.prune(now);
    const first = this.buckets[0];
    return first ? first.second * 1000 + HOUR_MS : null;
  }

  private prune(now: number): void {
    const oldest = Math.floor((now - HOUR_MS) / 1000);
    let drop = 0;
    while (drop < this.buckets.length && this.buckets[drop]!.second <= oldest) drop++;
    if (drop > 0) this.buckets.splice(0, drop);
  }
}
