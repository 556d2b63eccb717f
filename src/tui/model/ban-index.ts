import { eachPackedBan, type BanColumns } from '../../control/index.js';
import type { BanListing } from '../../engine/types.js';
import { AddressTexts } from './address-texts.js';
import { sortRows } from '../../domain/index.js';
import { addressKey, ADDRESS_KEY_WORDS, compareKeys, RowOrder, type RowCompare } from './row-order.js';

/** Columns the bans list sorts by. */
export type BanSortKey = 'ip' | 'jail' | 'bannedAt' | 'expiresAt' | 'count';

export const BAN_SORT_KEYS: readonly BanSortKey[] = ['bannedAt', 'expiresAt', 'ip', 'jail', 'count'];

/** The keys with an order of their own (the address order is always kept). */
type KeptSortKey = Exclude<BanSortKey, 'ip'>;
const KEPT_SORT_KEYS = BAN_SORT_KEYS.filter((key): key is KeptSortKey => key !== 'ip');

const TWO_32 = 2 ** 32;

/** The next `BanRows.version`: unique across indexes, as the console swaps in a new one at each load. */
let nextViewId = 1;

/**
 * The bans in force as the console sees them, held once and compactly: the addresses' text in
 * one buffer ({@link AddressTexts}), every other field in a typed column under the address's
 * row, about 60 bytes a ban (and 4 for each sort order made) and no object per ban. The rows
 * are kept in address order and in the order of each sort key asked for (or made ahead by
 * `prepareOrder`), each a typed array of row numbers that a ban or an unban changes with one
 * binary search; a sort key's first order is a radix sort of the address order (stable, so equal
 * keys stay in address order); a filter is one scan of the shown order, narrowed rather than
 * redone while it is typed.
 */
export class BanIndex {
  private readonly texts = new AddressTexts();
  private bannedAt = new Float64Array(0);
  /** Infinity for a permanent ban. */
  private expiresAt = new Float64Array(0);
  private count = new Uint32Array(0);
  private jail = new Uint16Array(0);
  /** Index in `names` + 1 of the fleet node a ban came from; 0 for a ban made here. */
  private origin = new Uint16Array(0);
  /** A subnet ban's reason (what it holds), the only lines the list carries. */
  private readonly reasons = new Map<number, string[]>();
  private readonly names: string[] = [];
  private readonly nameAt = new Map<string, number>();
  private longestOriginName = 0;
  private byIp = new RowOrder();
  /** The rows by each key other than `ip` asked for or made ahead, all kept up to date. */
  private readonly orders = new Map<KeptSortKey, RowOrder>();
  private sortKey: BanSortKey = 'bannedAt';
  private filtered: { needle: string; rows: RowOrder } | null = null;
  private version = 0;
  private shown: { version: number; key: BanSortKey; needle: string; id: number } | null = null;
  private readonly keyA = new Uint32Array(ADDRESS_KEY_WORDS);
  private readonly keyB = new Uint32Array(ADDRESS_KEY_WORDS);
  /**
   * A filter's working space, kept: made anew for each character typed, a million rows' 5 MB
   * outside the heap made the collector run more often.
   */
  private hitScratch = new Uint8Array(0);
  private rowScratch = new Uint32Array(0);

  get size(): number {
    return this.texts.size;
  }

  /** The longest fleet node name a ban came from (0 when none did), for the jail column's width. */
  get longestOrigin(): number {
    return this.longestOriginName;
  }

  get(ip: string): BanListing | undefined {
    const row = this.texts.rowOf(ip);
    return row < 0 ? undefined : this.listing(row);
  }

  /** Replaces everything with a list as `bans` gives it. */
  reset(records: readonly BanListing[]): void {
    this.clear();
    for (const record of records) this.write(record.ip, record);
    this.rebuild();
  }

  /** Replaces everything with the packed columns `ban-columns` gives (no object per ban made). */
  load(columns: BanColumns): void {
    this.clear();
    this.loadPart(columns);
    this.endLoad();
  }

  /**
   * Adds one part of a list sent in parts to an index not yet shown (the first makes room for
   * the `total` it gives); {@link endLoad} after the last.
   */
  loadPart(columns: BanColumns): void {
    if (this.texts.rowLimit === 0) {
      // Room for what is sent and a little more, not the half more that growing one by one leaves.
      const total = columns.total ?? columns.jail.length;
      const rows = Math.ceil(total * 1.02) + 1024;
      const perBan = columns.jail.length ? columns.ips.length / columns.jail.length : 0;
      this.texts.reserve(rows, Math.ceil(total * perBan * 1.02) + 65536);
      this.grow(rows);
    }
    const names = columns.names.map((name) => this.nameOf(name));
    const ban = { jail: '', bannedAt: 0, expiresAt: null as number | null, count: 0, reason: undefined as string[] | undefined, origin: undefined as string | undefined };
    eachPackedBan(columns, (ip, packed) => {
      ban.jail = this.names[names[packed.jail]!]!;
      ban.bannedAt = packed.bannedAt;
      ban.expiresAt = packed.expiresAt;
      ban.count = packed.count;
      ban.origin = packed.origin ? this.names[names[packed.origin - 1]!]! : undefined;
      ban.reason = packed.reason;
      this.write(ip, ban);
    });
  }

  /** Ends a load in parts: the rows put in order. */
  endLoad(): void {
    this.rebuild();
  }

  /** Adds a ban or replaces the address's current one. */
  put(record: BanListing): void {
    const known = this.texts.rowOf(record.ip);
    if (known >= 0) this.unlink(known);
    this.link(this.write(record.ip, record));
    this.version++;
  }

  /** Removes a ban; returns whether there was one. */
  remove(ip: string): boolean {
    const row = this.texts.rowOf(ip);
    if (row < 0) return false;
    this.unlink(row);
    this.texts.delete(ip);
    this.reasons.delete(row);
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
      this.filtered = null;
    }
    const order = this.ordered();
    const needle = filter.trim().toLowerCase();
    if (!needle) this.filtered = null;
    else if (this.filtered?.needle !== needle) {
      // Typing one more character narrows the rows already matched.
      const from = this.filtered && needle.includes(this.filtered.needle) ? this.filtered.rows : order;
      this.filtered = { needle, rows: this.filter(from, needle) };
    }
    const rows = this.filtered?.rows ?? order;
    const shown = this.shown;
    if (!shown || shown.version !== this.version || shown.key !== key || shown.needle !== needle) {
      this.shown = { version: this.version, key, needle, id: nextViewId++ };
    }
    const compare = this.comparator(key);
    return {
      length: rows.length,
      version: this.shown!.id,
      at: (index) => {
        const row = rows.at(index);
        return row === undefined ? undefined : this.listing(row);
      },
      indexOf: (ip) => {
        const row = this.texts.rowOf(ip);
        return row < 0 ? -1 : rows.indexOf(row, compare);
      },
    };
  }

  private clear(): void {
    this.texts.clear();
    this.grow(0);
    this.reasons.clear();
    this.byIp = new RowOrder();
    this.orders.clear();
    this.filtered = null;
    this.version++;
  }

  /** Writes a ban's columns under its address's row (added if new); returns the row. */
  private write(ip: string, ban: Omit<BanListing, 'ip'>): number {
    const row = this.texts.add(ip);
    if (this.texts.capacity > this.bannedAt.length) this.grow(this.texts.capacity);
    this.bannedAt[row] = ban.bannedAt;
    this.expiresAt[row] = ban.expiresAt ?? Infinity;
    this.count[row] = ban.count;
    this.jail[row] = this.nameOf(ban.jail);
    this.origin[row] = ban.origin === undefined ? 0 : this.nameOf(ban.origin) + 1;
    if (ban.origin !== undefined) this.longestOriginName = Math.max(this.longestOriginName, ban.origin.length);
    if (ban.reason) this.reasons.set(row, ban.reason);
    else this.reasons.delete(row);
    return row;
  }

  private listing(row: number): BanListing {
    const expiresAt = this.expiresAt[row]!;
    const origin = this.origin[row]!;
    const reason = this.reasons.get(row);
    return {
      ip: this.texts.textOf(row),
      jail: this.names[this.jail[row]!]!,
      bannedAt: this.bannedAt[row]!,
      expiresAt: expiresAt === Infinity ? null : expiresAt,
      count: this.count[row]!,
      ...(origin ? { origin: this.names[origin - 1]! } : {}),
      ...(reason ? { reason } : {}),
    };
  }

  private nameOf(name: string): number {
    let at = this.nameAt.get(name);
    if (at === undefined) {
      at = this.names.push(name) - 1;
      this.nameAt.set(name, at);
    }
    return at;
  }

  /** Resizes the columns to `capacity` rows (0: empties them). */
  private grow(capacity: number): void {
    const grown = <T extends Float64Array | Uint32Array | Uint16Array>(old: T, make: (n: number) => T): T => {
      const column = make(capacity);
      if (capacity) column.set(old as never);
      return column;
    };
    this.bannedAt = grown(this.bannedAt, (n) => new Float64Array(n));
    this.expiresAt = grown(this.expiresAt, (n) => new Float64Array(n));
    this.count = grown(this.count, (n) => new Uint32Array(n));
    this.jail = grown(this.jail, (n) => new Uint16Array(n));
    this.origin = grown(this.origin, (n) => new Uint16Array(n));
  }

  /** Puts every row in address order again (after a load): a radix sort of their keys. */
  private rebuild(): void {
    const limit = this.texts.rowLimit;
    const words = Array.from({ length: ADDRESS_KEY_WORDS }, () => new Uint32Array(limit));
    const rows: number[] = [];
    for (let row = 0; row < limit; row++) {
      if (!this.texts.holds(row)) continue;
      rows.push(row);
      const { bytes, start, end } = this.texts.bytesOf(row);
      addressKey(bytes, start, end, this.keyA, 0);
      for (let w = 0; w < ADDRESS_KEY_WORDS; w++) words[w]![row] = this.keyA[w]!;
    }
    const sorted = sortRows(Uint32Array.from(rows), words);
    this.byIp = new RowOrder(sorted, sorted.length);
  }

  /**
   * Makes the order of one more sort key (the radix sort of a million rows: 13-110 ms a key on
   * this 2-core machine, the times the dearest, more when a collection falls in it), so that
   * choosing it later costs nothing; false once every key has one.
   * The console makes them all with each load.
   */
  prepareOrder(): boolean {
    const missing = KEPT_SORT_KEYS.filter((key) => !this.orders.has(key));
    if (missing.length === 0) return false;
    this.orderBy(missing[0]!);
    return missing.length > 1;
  }

  /** The rows in the order of the sort key shown. */
  private ordered(): RowOrder {
    const key = this.sortKey;
    return key === 'ip' ? this.byIp : (this.orders.get(key) ?? this.orderBy(key));
  }

  /** Makes and keeps the order of `key`, from the address order. */
  private orderBy(key: KeptSortKey): RowOrder {
    const rows = this.byIp.view();
    const limit = this.texts.rowLimit;
    let words: Uint32Array[];
    switch (key) {
      case 'bannedAt':
        words = timeWords(this.bannedAt, rows, limit);
        break;
      case 'expiresAt':
        words = timeWords(this.expiresAt, rows, limit);
        break;
      case 'count':
        words = [this.count];
        break;
      case 'jail': {
        const rank = new Uint32Array(this.names.length);
        [...this.names.keys()].sort((a, b) => (this.names[a]! < this.names[b]! ? -1 : this.names[a]! > this.names[b]! ? 1 : 0)).forEach((name, i) => (rank[name] = i));
        const jailRank = new Uint32Array(limit);
        for (const row of rows) jailRank[row] = rank[this.jail[row]!]!;
        words = [jailRank];
        break;
      }
    }
    const sorted = sortRows(rows, words);
    const order = new RowOrder(sorted, sorted.length);
    this.orders.set(key, order);
    return order;
  }

  private filter(from: RowOrder, needle: string): RowOrder {
    const bytes = Uint8Array.from(needle, (c) => c.charCodeAt(0));
    const ipCanMatch = [...needle].every((c) => c.charCodeAt(0) < 128);
    const jailMatches = this.names.map((name) => name.toLowerCase().includes(needle));
    const shown = from.view();
    if (this.rowScratch.length < shown.length) this.rowScratch = new Uint32Array(shown.length);
    const rows = this.rowScratch;
    let n = 0;
    const limit = this.texts.rowLimit;
    // In the shown order each row is a jump elsewhere in the addresses' buffer once bans made over
    // time have reused rows, about 3x the time a row: for up to a third of the rows (as when a
    // character typed narrows what the needle matched), still less than testing all in row order.
    if (shown.length * 3 < limit) {
      for (let k = 0; k < shown.length; k++) {
        const row = shown[k]!;
        if (jailMatches[this.jail[row]!] || (ipCanMatch && this.texts.contains(row, bytes))) rows[n++] = row;
      }
      return new RowOrder(rows.slice(0, n), n);
    }
    // More: all tested in row order, as they lie in memory, then taken in the shown order
    // (bench/ban-filter-bench.ts: 6-17 ms a needle with a million).
    if (this.hitScratch.length < limit) this.hitScratch = new Uint8Array(limit);
    const hit = this.hitScratch.fill(0, 0, limit);
    let marked = ipCanMatch ? this.texts.markContaining(bytes, hit) : 0;
    if (jailMatches.some(Boolean)) {
      for (let row = 0; row < limit; row++) {
        // (A free row keeps the jail of its last ban.)
        if (!hit[row] && jailMatches[this.jail[row]!] && this.texts.holds(row)) {
          hit[row] = 1;
          marked++;
        }
      }
    }
    // Every ban matches (a first character most addresses hold): the shown order as it is.
    if (marked === this.texts.size) return new RowOrder(shown.slice(), shown.length);
    for (let k = 0; k < shown.length; k++) if (hit[shown[k]!]) rows[n++] = shown[k]!;
    return new RowOrder(rows.slice(0, n), n);
  }

  private link(row: number): void {
    this.byIp.insert(row, this.compareIp);
    for (const [key, order] of this.orders) order.insert(row, this.comparator(key));
    const compare = this.comparator(this.sortKey);
    if (this.filtered && this.filter(new RowOrder(Uint32Array.of(row), 1), this.filtered.needle).length) this.filtered.rows.insert(row, compare);
  }

  private unlink(row: number): void {
    this.byIp.remove(row, this.compareIp);
    for (const [key, order] of this.orders) order.remove(row, this.comparator(key));
    this.filtered?.rows.remove(row, this.comparator(this.sortKey));
  }

  private readonly compareIp: RowCompare = (a, b) => {
    const one = this.texts.bytesOf(a);
    addressKey(one.bytes, one.start, one.end, this.keyA, 0);
    const two = this.texts.bytesOf(b);
    addressKey(two.bytes, two.start, two.end, this.keyB, 0);
    return compareKeys(this.keyA, 0, this.keyB, 0);
  };

  private comparator(key: BanSortKey): RowCompare {
    switch (key) {
      case 'ip':
        return this.compareIp;
      case 'jail':
        return (a, b) => {
          const x = this.names[this.jail[a]!]!;
          const y = this.names[this.jail[b]!]!;
          return x < y ? -1 : x > y ? 1 : this.compareIp(a, b);
        };
      case 'bannedAt':
        return (a, b) => this.bannedAt[a]! - this.bannedAt[b]! || this.compareIp(a, b);
      case 'expiresAt':
        return (a, b) => {
          const x = this.expiresAt[a]!;
          const y = this.expiresAt[b]!;
          return x === y ? this.compareIp(a, b) : x < y ? -1 : 1;
        };
      case 'count':
        return (a, b) => this.count[a]! - this.count[b]! || this.compareIp(a, b);
    }
  }
}

/** Rows of a sorted, filtered view, read by index: only the visible ones are ever made objects. */
export interface BanRows {
  readonly length: number;
  /** Changes whenever the rows do (a ban, an unban, another sort or filter). */
  readonly version: number;
  at(index: number): BanListing | undefined;
  /** Where an address is in these rows (a binary search), or -1. */
  indexOf(ip: string): number;
}

/** Epoch-ms times of `rows` as two key words (high, low) of their distance from the earliest; Infinity last. */
function timeWords(column: Float64Array, rows: Uint32Array, limit: number): Uint32Array[] {
  let min = Infinity;
  let max = -Infinity;
  for (const row of rows) {
    const v = column[row]!;
    if (v === Infinity) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const high = new Uint32Array(limit);
  const low = new Uint32Array(limit);
  for (const row of rows) {
    const v = column[row]!;
    const d = Math.floor(v === Infinity ? max - min + 1 : v - min);
    high[row] = Math.floor(d / TWO_32);
    low[row] = d >>> 0;
  }
  return [high, low];
}
