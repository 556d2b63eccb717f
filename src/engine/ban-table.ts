import type { BanSummary } from './types.js';

/** Slots the columns start with; they grow by half each time they are full. */
const FIRST_CAPACITY = 1024;

/**
 * The bans in force, held compactly: one slot per address, its times, count, jail and origin in
 * typed columns (28 bytes a ban) and the address text once, as the key of the one map. A million
 * bans held as objects cost about 600 bytes each (the record, its boxed times, its reason lines);
 * here about 110 (the address, its map entry, the columns). The reason lines are not held: the
 * store has them (`BanStore.reasonOf`).
 *
 * Map order is kept as the bans were first set, as a Map of records kept it, so listings sorted
 * by ban time keep the same order for equal times.
 */
export class BanTable {
  private readonly slots = new Map<string, number>();
  private ips: string[] = [];
  private bannedAt = new Float64Array(FIRST_CAPACITY);
  /** NaN: permanent. */
  private expiresAt = new Float64Array(FIRST_CAPACITY);
  private counts = new Float64Array(FIRST_CAPACITY);
  private jails = new Uint32Array(FIRST_CAPACITY);
  /** 0: made here; else 1 + the origin's index in `names`. */
  private origins = new Uint32Array(FIRST_CAPACITY);
  private free: number[] = [];
  /** Jail and node names, each once: a million bans name a few jails. */
  private readonly names: string[] = [];
  private readonly nameIndex = new Map<string, number>();
  /** Bans with an expiry (not permanent). */
  private timed = 0;

  get size(): number {
    return this.slots.size;
  }

  /** How many bans have an expiry (the permanent ones left out). */
  get timedSize(): number {
    return this.timed;
  }

  has(ip: string): boolean {
    return this.slots.has(ip);
  }

  /** The ban of `ip`, as a new object (changing it changes nothing here). */
  get(ip: string): BanSummary | undefined {
    const slot = this.slots.get(ip);
    return slot === undefined ? undefined : this.summaryAt(ip, slot);
  }

  /** The jail whose ban holds `ip`: no object made, for the check run on every failure. */
  jailOf(ip: string): string | undefined {
    const slot = this.slots.get(ip);
    return slot === undefined ? undefined : this.names[this.jails[slot]!];
  }

  /** When the ban of `ip` ends: epoch ms, null when permanent, undefined when not banned. */
  expiryOf(ip: string): number | null | undefined {
    const slot = this.slots.get(ip);
    if (slot === undefined) return undefined;
    const at = this.expiresAt[slot]!;
    return Number.isNaN(at) ? null : at;
  }

  /** Adds a ban or replaces the address's current one (keeping its place in the order). */
  set(ban: BanSummary): void {
    let slot = this.slots.get(ban.ip);
    if (slot === undefined) {
      slot = this.free.pop() ?? this.grow();
      this.ips[slot] = ban.ip;
      this.slots.set(ban.ip, slot);
    } else if (!Number.isNaN(this.expiresAt[slot]!)) {
      this.timed--;
    }
    this.bannedAt[slot] = ban.bannedAt;
    this.expiresAt[slot] = ban.expiresAt === null ? NaN : ban.expiresAt;
    if (ban.expiresAt !== null) this.timed++;
    this.counts[slot] = ban.count;
    this.jails[slot] = this.nameOf(ban.jail);
    this.origins[slot] = ban.origin === undefined ? 0 : this.nameOf(ban.origin) + 1;
  }

  /** Forgets the ban of `ip`; false if there was none. */
  delete(ip: string): boolean {
    const slot = this.slots.get(ip);
    if (slot === undefined) return false;
    this.slots.delete(ip);
    if (!Number.isNaN(this.expiresAt[slot]!)) this.timed--;
    this.ips[slot] = '';
    this.free.push(slot);
    return true;
  }

  clear(): void {
    this.slots.clear();
    this.ips = [];
    this.free = [];
    this.timed = 0;
    for (const column of ['bannedAt', 'expiresAt', 'counts'] as const) this[column] = new Float64Array(FIRST_CAPACITY);
    this.jails = new Uint32Array(FIRST_CAPACITY);
    this.origins = new Uint32Array(FIRST_CAPACITY);
  }

  /** The banned addresses, in the table's order. */
  keys(): IterableIterator<string> {
    return this.slots.keys();
  }

  /** Every ban (of one jail, if given), in the table's order, each as a new object. */
  *values(jail?: string): Generator<BanSummary> {
    const wanted = jail === undefined ? -1 : this.nameIndex.get(jail);
    if (wanted === undefined) return;
    for (const [ip, slot] of this.slots) if (wanted < 0 || this.jails[slot] === wanted) yield this.summaryAt(ip, slot);
  }

  /** Calls `visit` with each ban's address and end (null: permanent), making no object. */
  eachExpiry(visit: (ip: string, expiresAt: number | null) => void): void {
    for (const [ip, slot] of this.slots) {
      const at = this.expiresAt[slot]!;
      visit(ip, Number.isNaN(at) ? null : at);
    }
  }

  /** Every ban with an expiry, as [address, epoch ms]: what an expiry queue rebuilds from. */
  *timedEntries(): Generator<[string, number]> {
    for (const [ip, slot] of this.slots) {
      const at = this.expiresAt[slot]!;
      if (!Number.isNaN(at)) yield [ip, at];
    }
  }

  /** The addresses each jail bans, oldest ban first (as a listing sorted by ban time has them). */
  addressesByJail(): Map<string, string[]> {
    const order = [...this.slots.values()].sort((a, b) => this.bannedAt[a]! - this.bannedAt[b]!);
    const out = new Map<string, string[]>();
    for (const slot of order) {
      const jail = this.names[this.jails[slot]!]!;
      let ips = out.get(jail);
      if (!ips) out.set(jail, (ips = []));
      ips.push(this.ips[slot]!);
    }
    return out;
  }

  private summaryAt(ip: string, slot: number): BanSummary {
    const at = this.expiresAt[slot]!;
    const origin = this.origins[slot]!;
    return {
      ip,
      jail: this.names[this.jails[slot]!]!,
      bannedAt: this.bannedAt[slot]!,
      expiresAt: Number.isNaN(at) ? null : at,
      count: this.counts[slot]!,
      ...(origin !== 0 ? { origin: this.names[origin - 1]! } : {}),
    };
  }

  private nameOf(name: string): number {
    let index = this.nameIndex.get(name);
    if (index === undefined) {
      index = this.names.length;
      this.names.push(name);
      this.nameIndex.set(name, index);
    }
    return index;
  }

  /** A new slot at the end, the columns grown by half when full. */
  private grow(): number {
    const slot = this.ips.length;
    this.ips.push('');
    if (slot >= this.bannedAt.length) {
      const capacity = Math.ceil(this.bannedAt.length * 1.5);
      this.bannedAt = grown(this.bannedAt, new Float64Array(capacity));
      this.expiresAt = grown(this.expiresAt, new Float64Array(capacity));
      this.counts = grown(this.counts, new Float64Array(capacity));
      this.jails = grown(this.jails, new Uint32Array(capacity));
      this.origins = grown(this.origins, new Uint32Array(capacity));
    }
    return slot;
  }
}

function grown<T extends Float64Array | Uint32Array>(old: T, bigger: T): T {
  bigger.set(old);
  return bigger;
}
