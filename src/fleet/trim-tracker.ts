import { idTime, type FleetEntry } from './fleet-entry.js';

/** How long the end of a permanent ban stays in the stream, for nodes that were away. */
const PERMANENT_UNBAN_KEPT = 24 * 3600 * 1000;

/**
 * Works out how far the stream may be trimmed: entries before the oldest one still carrying a
 * ban in force (or the end of one that nodes away now must still hear of) are no use to anyone.
 * Fed every entry read, in stream order.
 */
export class TrimTracker {
  /** Entries still needed, by id, in stream order; until: epoch ms, null for never. */
  private readonly live = new Map<string, { key: string; until: number | null }>();
  /** The entry id of each node's latest ban of an address. */
  private readonly latest = new Map<string, string>();
  private lastId: string | null = null;

  saw(id: string, entry: FleetEntry): void {
    this.lastId = id;
    const key = `${entry.node}|${entry.ip}`;
    const previous = this.latest.get(key);
    const previousUntil = previous === undefined ? undefined : this.live.get(previous)?.until;
    // A later ban or its end from the same node supersedes the earlier ban entry.
    if (previous !== undefined) this.live.delete(previous);
    if (entry.kind === 'ban') {
      this.live.set(id, { key, until: entry.expiresAt });
      this.latest.set(key, id);
    } else {
      this.latest.delete(key);
      if (previousUntil !== undefined) this.live.set(id, { key: '', until: previousUntil ?? idTime(id) + PERMANENT_UNBAN_KEPT });
    }
  }

  /** The MINID to trim to (entries with a smaller id can go), or null while nothing was read. */
  minId(now: number): string | null {
    for (const [id, e] of this.live) {
      if (e.until !== null && e.until <= now) {
        this.live.delete(id);
        if (this.latest.get(e.key) === id) this.latest.delete(e.key);
        continue;
      }
      return id;
    }
    return this.lastId;
  }

  /** Entries held (for the benchmark's memory figures). */
  get size(): number {
    return this.live.size;
  }
}
