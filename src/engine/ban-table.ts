import { AddressSlots } from '../net/index.js';
import { sortRowsByKey } from './sort-by-key.js';
import type { BanSummary, ListedBan } from './types.js';

/** No slot (the ends of the order). */
const NONE = -1;

/** The bans in force at one moment, in ban time order: their rows, and which ban each row held. */
export interface BanOrder {
  slots: Int32Array;
  stamps: Uint32Array;
}

/**
 * The bans in force, held compactly: each address as numbers in an `AddressSlots` (its slot is
 * the ban's row), its times, count, jail and origin in typed columns, and the order the bans
 * were first set in as a linked list over the rows: about 70 bytes a ban, all outside the
 * JavaScript heap, where records in a Map cost about 600 (the record, its boxed times, its
 * address, its reason lines). The reason lines are not held: the store has them
 * (`BanStore.reasonOf`). Addresses come back as new strings.
 *
 * The order is the one a Map of records kept (a ban set again keeps its place), so listings
 * sorted by ban time keep the same order for equal times.
 */
export class BanTable {
  private readonly addresses = new AddressSlots();
  private bannedAt = new Float64Array(0);
  /** NaN: permanent. */
  private expiresAt = new Float64Array(0);
  private counts = new Float64Array(0);
  private jails = new Uint32Array(0);
  /** 0: made here; else 1 + the origin's index in `names`. */
  private origins = new Uint32Array(0);
  private next = new Int32Array(0);
  private prev = new Int32Array(0);
  /** Which ban a row holds: a new number each time the row is taken, 0 once deleted. */
  private stamps = new Uint32Array(0);
  private stamped = 0;
  private first = NONE;
  private last = NONE;
  /** Jail and node names, each once: a million bans name a few jails. */
  private readonly names: string[] = [];
  private readonly nameIndex = new Map<string, number>();
  /** Bans with an expiry (not permanent). */
  private timed = 0;

  get size(): number {
    return this.addresses.size;
  }

  /** How many bans have an expiry (the permanent ones left out). */
  get timedSize(): number {
    return this.timed;
  }

  has(ip: string): boolean {
    return this.addresses.has(ip);
  }

  /** The ban of `ip`, as a new object (changing it changes nothing here). */
  get(ip: string): BanSummary | undefined {
    const slot = this.addresses.slotOf(ip);
    return slot < 0 ? undefined : this.summaryAt(ip, slot);
  }

  /** The jail whose ban holds `ip`: no object made, for the check run on every failure. */
  jailOf(ip: string): string | undefined {
    const slot = this.addresses.slotOf(ip);
    return slot < 0 ? undefined : this.names[this.jails[slot]!];
  }

  /** When the ban of `ip` ends: epoch ms, null when permanent, undefined when not banned. */
  expiryOf(ip: string): number | null | undefined {
    const slot = this.addresses.slotOf(ip);
    if (slot < 0) return undefined;
    const at = this.expiresAt[slot]!;
    return Number.isNaN(at) ? null : at;
  }

  /** When the ban in row `slot` ends, epoch ms; undefined when the row is free or the ban permanent. */
  expiryAt(slot: number): number | undefined {
    if (!this.addresses.holds(slot)) return undefined;
    const at = this.expiresAt[slot]!;
    return Number.isNaN(at) ? undefined : at;
  }

  /** The address of the ban in row `slot`. */
  ipAt(slot: number): string {
    return this.addresses.textOf(slot);
  }

  /** Adds a ban or replaces the address's current one (keeping its place in the order); returns its row. */
  set(ban: BanSummary): number {
    // One parse of the address: a new one is told apart by the size growing.
    const held = this.addresses.size;
    const slot = this.addresses.add(ban.ip);
    if (this.addresses.size !== held) {
      if (slot >= this.bannedAt.length) this.grow(slot + 1);
      this.link(slot);
      this.stamped = this.stamped === 0xffffffff ? 1 : this.stamped + 1;
      this.stamps[slot] = this.stamped;
    } else if (!Number.isNaN(this.expiresAt[slot]!)) {
      this.timed--;
    }
    this.bannedAt[slot] = ban.bannedAt;
    this.expiresAt[slot] = ban.expiresAt === null ? NaN : ban.expiresAt;
    if (ban.expiresAt !== null) this.timed++;
    this.counts[slot] = ban.count;
    this.jails[slot] = this.nameOf(ban.jail);
    this.origins[slot] = ban.origin === undefined ? 0 : this.nameOf(ban.origin) + 1;
    return slot;
  }

  /** Forgets the ban of `ip`; false if there was none. */
  delete(ip: string): boolean {
    const slot = this.addresses.delete(ip);
    if (slot < 0) return false;
    this.stamps[slot] = 0;
    if (!Number.isNaN(this.expiresAt[slot]!)) this.timed--;
    const before = this.prev[slot]!;
    const after = this.next[slot]!;
    if (before === NONE) this.first = after;
    else this.next[before] = after;
    if (after === NONE) this.last = before;
    else this.prev[after] = before;
    return true;
  }

  clear(): void {
    this.addresses.clear();
    this.first = this.last = NONE;
    this.timed = 0;
    this.grow(0);
  }

  /** The banned addresses, in the table's order. */
  *keys(): Generator<string> {
    for (let slot = this.first; slot !== NONE; slot = this.next[slot]!) yield this.addresses.textOf(slot);
  }

  /** Every ban (of one jail, if given), in the table's order, each as a new object. */
  *values(jail?: string): Generator<BanSummary> {
    const wanted = jail === undefined ? -1 : this.nameIndex.get(jail);
    if (wanted === undefined) return;
    for (let slot = this.first; slot !== NONE; slot = this.next[slot]!) {
      if (wanted < 0 || this.jails[slot] === wanted) yield this.summaryAt(this.addresses.textOf(slot), slot);
    }
  }

  /**
   * Every ban's address and end (null: permanent), row by row, one at a time: what the kernel
   * is given at a restore, read while the firewall command runs. Rows rather than the order's
   * links, so bans set or deleted meanwhile never cut the walk short (a row deleted is skipped,
   * one reused is read as it is then).
   */
  *ends(): Generator<{ ip: string; expiresAt: number | null }> {
    for (let slot = 0; slot < this.addresses.slotLimit; slot++) {
      if (!this.addresses.holds(slot)) continue;
      const at = this.expiresAt[slot]!;
      yield { ip: this.addresses.textOf(slot), expiresAt: Number.isNaN(at) ? null : at };
    }
  }

  /** Every ban with an expiry, as [row, epoch ms]: what an expiry queue rebuilds from. */
  *timedRows(): Generator<[number, number]> {
    for (let slot = this.first; slot !== NONE; slot = this.next[slot]!) {
      const at = this.expiresAt[slot]!;
      if (!Number.isNaN(at)) yield [slot, at];
    }
  }

  /** The addresses each jail bans, oldest ban first (as a listing sorted by ban time has them). */
  addressesByJail(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const slot of this.slotsByBanTime()) {
      const jail = this.names[this.jails[slot]!]!;
      let ips = out.get(jail);
      if (!ips) out.set(jail, (ips = []));
      ips.push(this.addresses.textOf(slot));
    }
    return out;
  }

  /**
   * The bans in force now, oldest ban first (equal times in the table's order), as rows to read
   * later with {@link eachInOrder}: a listing sent in parts reads each part from the table when it
   * is sent (12 bytes a ban held meanwhile, not the whole listing packed at once).
   */
  orderByBanTime(): BanOrder {
    const slots = this.slotsByBanTime();
    const stamps = new Uint32Array(slots.length);
    for (let k = 0; k < slots.length; k++) stamps[k] = this.stamps[slots[k]!]!;
    return { slots, stamps };
  }

  /**
   * The bans at positions `from` to `to` of an order, handed to `visit` one at a time in one
   * object reused for all (copy what is kept: a million bans listed without a million objects),
   * as they are now: a ban lifted since the order was taken is left out (its row may hold another
   * ban by now), one set again is read with its new values.
   */
  eachInOrder(order: BanOrder, from: number, to: number, visit: (ban: ListedBan) => void): void {
    const ban = new RowBan(this.addresses);
    for (let k = from; k < to; k++) {
      const slot = order.slots[k]!;
      if (this.stamps[slot] !== order.stamps[k]) continue;
      const at = this.expiresAt[slot]!;
      const origin = this.origins[slot]!;
      ban.moveTo(slot);
      ban.jail = this.names[this.jails[slot]!]!;
      ban.bannedAt = this.bannedAt[slot]!;
      ban.expiresAt = Number.isNaN(at) ? null : at;
      ban.count = this.counts[slot]!;
      ban.origin = origin !== 0 ? this.names[origin - 1]! : undefined;
      visit(ban);
    }
  }

  /**
   * The rows in ban time order; equal times keep the table's order (the sort is stable). Bans are
   * mostly set in time order, so the table's order is looked at first and only sorted when not.
   */
  private slotsByBanTime(): Int32Array {
    const order = new Int32Array(this.size);
    let n = 0;
    let sorted = true;
    for (let slot = this.first; slot !== NONE; slot = this.next[slot]!) {
      if (n > 0 && this.bannedAt[slot]! < this.bannedAt[order[n - 1]!]!) sorted = false;
      order[n++] = slot;
    }
    if (sorted) return order;
    return sortRowsByKey(order, this.bannedAt) ?? Int32Array.from(Array.from(order).sort((a, b) => this.bannedAt[a]! - this.bannedAt[b]!));
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

  /** Appends a new row to the order. */
  private link(slot: number): void {
    this.prev[slot] = this.last;
    this.next[slot] = NONE;
    if (this.last === NONE) this.first = slot;
    else this.next[this.last] = slot;
    this.last = slot;
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

  /** Columns for at least `rows` rows (by half again when they grow); 0 starts them afresh. */
  private grow(rows: number): void {
    const capacity = rows === 0 ? 1024 : Math.max(rows, 1024, Math.ceil(this.bannedAt.length * 1.5));
    const keep = rows !== 0;
    this.bannedAt = resized(this.bannedAt, new Float64Array(capacity), keep);
    this.expiresAt = resized(this.expiresAt, new Float64Array(capacity), keep);
    this.counts = resized(this.counts, new Float64Array(capacity), keep);
    this.jails = resized(this.jails, new Uint32Array(capacity), keep);
    this.origins = resized(this.origins, new Uint32Array(capacity), keep);
    this.next = resized(this.next, new Int32Array(capacity), keep);
    this.prev = resized(this.prev, new Int32Array(capacity), keep);
    this.stamps = resized(this.stamps, new Uint32Array(capacity), keep);
  }
}

function resized<T extends Float64Array | Uint32Array | Int32Array>(old: T, bigger: T, keep: boolean): T {
  if (keep) bigger.set(old);
  return bigger;
}

/**
 * The ban a walk of the table is at: its address made into text only when `ip` is read, or
 * written as bytes by `ipInto`. (`ip` is a getter: a copy made by spreading does not have it.)
 */
class RowBan implements ListedBan {
  jail = '';
  bannedAt = 0;
  expiresAt: number | null = null;
  count = 0;
  origin: string | undefined = undefined;
  reason: string[] | undefined = undefined;
  readonly #addresses: AddressSlots;
  #row = 0;

  constructor(addresses: AddressSlots) {
    this.#addresses = addresses;
  }

  get ip(): string {
    return this.#addresses.textOf(this.#row);
  }

  moveTo(row: number): void {
    this.#row = row;
  }

  ipInto(out: Buffer, at: number): number {
    return this.#addresses.writeText(this.#row, out, at);
  }
}
