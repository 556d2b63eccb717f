import type { BanListing } from '../../engine/types.js';

/** Columns the bans list sorts by. */
export type BanSortKey = 'ip' | 'jail' | 'bannedAt' | 'expiresAt' | 'count';

export const BAN_SORT_KEYS: readonly BanSortKey[] = ['bannedAt', 'expiresAt', 'ip', 'jail', 'count'];

interface Entry {
  record: BanListing;
  /** Sorts addresses by value: 9.x before 10.x, IPv4 before IPv6. */
  ipKey: string;
}

/**
 * The bans in force as the console sees them, kept sorted as they change: a ban or an unban is
 * one binary search and one splice, so 20 updates a second over 100,000 bans cost next to
 * nothing, and a sorted, filtered view is only rebuilt when something changed.
 */
export class BanIndex {
  private readonly byIp = new Map<string, Entry>();
  private sorted: Entry[] = [];
  private sortKey: BanSortKey = 'bannedAt';
  private sortedValid = true;
  private version = 0;
  private cache: { version: number; key: BanSortKey; filter: string; rows: readonly Entry[]; id: number } | null = null;
  private views = 0;

  get size(): number {
    return this.byIp.size;
  }

  get(ip: string): BanListing | undefined {
    return this.byIp.get(ip)?.record;
  }

  /** Replaces everything (the first load, or after events were dropped). */
  reset(records: readonly BanListing[]): void {
    this.byIp.clear();
    for (const record of records) this.byIp.set(record.ip, { record, ipKey: ipSortKey(record.ip) });
    this.sortedValid = false;
    this.version++;
  }

  /** Adds a ban or replaces the address's current one. */
  put(record: BanListing): void {
    const old = this.byIp.get(record.ip);
    if (old) this.removeSorted(old);
    const entry = { record, ipKey: old?.ipKey ?? ipSortKey(record.ip) };
    this.byIp.set(record.ip, entry);
    if (this.sortedValid) this.sorted.splice(this.position(entry), 0, entry);
    this.version++;
  }

  /** Removes a ban; returns whether there was one. */
  remove(ip: string): boolean {
    const entry = this.byIp.get(ip);
    if (!entry) return false;
    this.byIp.delete(ip);
    this.removeSorted(entry);
    this.version++;
    return true;
  }

  /**
   * The bans sorted by `key` (ascending; read from the end for descending), only those whose
   * address or jail contains `filter` (case-insensitive) when one is given.
   */
  view(key: BanSortKey, filter = ''): BanRows {
    if (key !== this.sortKey) {
      this.sortKey = key;
      this.sortedValid = false;
    }
    if (!this.sortedValid) {
      this.sorted = [...this.byIp.values()].sort(comparator(key));
      this.sortedValid = true;
    }
    const needle = filter.trim().toLowerCase();
    const cached = this.cache;
    if (!cached || cached.version !== this.version || cached.key !== key || cached.filter !== needle) {
      const rows = needle ? this.sorted.filter((e) => e.record.ip.includes(needle) || e.record.jail.toLowerCase().includes(needle)) : this.sorted;
      this.cache = { version: this.version, key, filter: needle, rows, id: ++this.views };
    }
    const { rows, id } = this.cache!;
    const compare = comparator(key);
    return {
      length: rows.length,
      version: id,
      at: (index) => rows[index]?.record,
      indexOf: (ip) => {
        const entry = this.byIp.get(ip);
        if (!entry) return -1;
        const at = lowerBound(rows, entry, compare);
        return rows[at] === entry ? at : -1;
      },
    };
  }

  private removeSorted(entry: Entry): void {
    if (!this.sortedValid) return;
    const at = this.position(entry);
    if (this.sorted[at] === entry) this.sorted.splice(at, 1);
    else {
      const found = this.sorted.indexOf(entry);
      if (found >= 0) this.sorted.splice(found, 1);
    }
  }

  /** Where `entry` belongs in the sorted array (the first index not before it). */
  private position(entry: Entry): number {
    return lowerBound(this.sorted, entry, comparator(this.sortKey));
  }
}

/** Rows of a sorted, filtered view, read by index: only the visible ones are ever touched. */
export interface BanRows {
  readonly length: number;
  /** Changes whenever the rows do (a ban, an unban, another sort or filter). */
  readonly version: number;
  at(index: number): BanListing | undefined;
  /** Where an address is in these rows (a binary search), or -1. */
  indexOf(ip: string): number;
}

/** The first index in sorted `rows` whose entry is not before `entry`. */
function lowerBound(rows: readonly Entry[], entry: Entry, compare: (a: Entry, b: Entry) => number): number {
  let low = 0;
  let high = rows.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compare(rows[mid]!, entry) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

function comparator(key: BanSortKey): (a: Entry, b: Entry) => number {
  const byIp = (a: Entry, b: Entry): number => (a.ipKey < b.ipKey ? -1 : a.ipKey > b.ipKey ? 1 : 0);
  switch (key) {
    case 'ip':
      return byIp;
    case 'jail':
      return (a, b) => (a.record.jail < b.record.jail ? -1 : a.record.jail > b.record.jail ? 1 : byIp(a, b));
    case 'bannedAt':
      return (a, b) => a.record.bannedAt - b.record.bannedAt || byIp(a, b);
    case 'expiresAt':
      return (a, b) => (a.record.expiresAt ?? Infinity) - (b.record.expiresAt ?? Infinity) || byIp(a, b);
    case 'count':
      return (a, b) => a.record.count - b.record.count || byIp(a, b);
  }
}

/** `4.010.000.000.001` for 10.0.0.1, `6` and 32 hex digits for IPv6; a range keeps its prefix after it. */
export function ipSortKey(ip: string): string {
  const [address = '', prefix = ''] = ip.split('/');
  if (address.includes(':')) {
    const [head = '', tail = ''] = address.split('::');
    const left = head ? head.split(':') : [];
    const right = address.includes('::') ? (tail ? tail.split(':') : []) : [];
    const groups = address.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
    return `6${groups.map((g) => g.padStart(4, '0')).join('')}/${prefix.padStart(3, '0')}`;
  }
  return `4${address.split('.').map((o) => o.padStart(3, '0')).join('.')}/${prefix.padStart(3, '0')}`;
}
