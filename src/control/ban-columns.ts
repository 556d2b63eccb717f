import type { BanListing, ListedBan } from '../engine/types.js';
import { AnswerInParts } from './answer-in-parts.js';

/**
 * `ban-columns`: the bans in force as `bans` lists them (oldest first), packed in columns, so a
 * console holding a million bans reads one string of addresses and arrays of small numbers (about
 * 40 bytes a ban as JSON) instead of a million objects (about 110 bytes each as JSON, and an
 * object each once parsed). Position `i` of every array is the `i`th ban.
 */
export interface BanColumns {
  /** Every ban's address, each followed by "\n". */
  ips: string;
  /** The jail and fleet node names that `jail` and `origin` point into. */
  names: string[];
  /** Index in `names` of each ban's jail. */
  jail: number[];
  /** Index in `names` of the fleet node a ban came from, plus one; 0 for a ban made here. */
  origin: number[];
  /** Each ban's `bannedAt` (epoch ms) minus the one before it (the first: minus 0). */
  bannedAt: number[];
  /** `expiresAt - bannedAt` in ms, or null for a permanent ban. */
  duration: Array<number | null>;
  count: number[];
  /** The reason lines `bans` carries (a subnet ban's: what it holds), by position. */
  reasons: Array<{ at: number; reason: string[] }>;
  /** Sent in parts (`part`): the bans of all the parts together, in each. */
  total?: number;
}

/** Packs a ban listing into columns; {@link unpackBanColumns} gives it back. */
export function packBanColumns(bans: readonly BanListing[]): BanColumns {
  return packEachBan((visit) => bans.forEach((ban) => visit(ban)));
}

/**
 * Packs the bans `each` hands over one at a time (an object it may reuse: only its values are
 * read), so a million bans are packed without a million objects held first. The addresses are
 * written as text into one buffer, by a ban's `ipInto` when it has one (no string made for each).
 */
export function packEachBan(each: (visit: (ban: BanListing | ListedBan) => void) => void): BanColumns {
  const names: string[] = [];
  const nameAt = new Map<string, number>();
  const name = (text: string): number => {
    let at = nameAt.get(text);
    if (at === undefined) {
      at = names.push(text) - 1;
      nameAt.set(text, at);
    }
    return at;
  };
  const columns: BanColumns = { ips: '', names, jail: [], origin: [], bannedAt: [], duration: [], count: [], reasons: [] };
  let ips = Buffer.allocUnsafe(FIRST_IPS_BYTES);
  let end = 0;
  let previous = 0;
  each((ban) => {
    const i = columns.jail.length;
    let after = ipInto(ban, ips, end);
    while (after < 0 || after === ips.length) {
      const larger = Buffer.allocUnsafe(ips.length * 2 + Buffer.byteLength(ban.ip));
      ips.copy(larger, 0, 0, end);
      ips = larger;
      after = ipInto(ban, ips, end);
    }
    ips[after] = NEWLINE;
    end = after + 1;
    columns.jail.push(name(ban.jail));
    columns.origin.push(ban.origin === undefined ? 0 : name(ban.origin) + 1);
    columns.bannedAt.push(ban.bannedAt - previous);
    previous = ban.bannedAt;
    columns.duration.push(ban.expiresAt === null ? null : ban.expiresAt - ban.bannedAt);
    columns.count.push(ban.count);
    if (ban.reason) columns.reasons.push({ at: i, reason: ban.reason });
  });
  columns.ips = ips.toString('utf8', 0, end);
  return columns;
}

/** Room for the addresses at first: doubled as needed (about 21 bytes a ban with the scale bench's mix of addresses). */
const FIRST_IPS_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

/** A ban's address written into `out` at `at` as UTF-8: the position after it, or -1 when it does not fit. */
function ipInto(ban: BanListing | ListedBan, out: Buffer, at: number): number {
  if ((ban as Partial<ListedBan>).ipInto !== undefined) return (ban as ListedBan).ipInto(out, at);
  if (at + Buffer.byteLength(ban.ip) > out.length) return -1;
  return at + out.write(ban.ip, at, 'utf8');
}

/**
 * A listing of `total` bans in parts of `size`, each packed by `pack(from, to)` only when it is
 * to be sent ({@link AnswerInParts} asks for the next once the one before has gone), with `total`
 * set: the whole listing is never packed at once. At least one part, empty for no bans.
 */
export function* packedParts(total: number, size: number, pack: (from: number, to: number) => BanColumns): Generator<BanColumns> {
  let from = 0;
  do {
    const to = Math.min(total, from + size);
    yield { ...pack(from, to), total };
    from = to;
  } while (from < total);
}

/**
 * `ban-columns`'s answer for a listing of `total` bans that `pack(from, to)` packs: all of it, or
 * with `part` in parts of that many bans, each packed as it is sent.
 */
export function banColumnsAnswer(total: number, part: number | undefined, pack: (from: number, to: number) => BanColumns): BanColumns | AnswerInParts<BanColumns> {
  return part === undefined ? pack(0, total) : new AnswerInParts(packedParts(total, part, pack));
}

/** One ban of packed columns as `eachPackedBan` gives it: the fields, indexes into `names` kept. */
export interface PackedBan {
  jail: number;
  bannedAt: number;
  expiresAt: number | null;
  count: number;
  /** 0: made here; else 1 + the index of the node's name. */
  origin: number;
  reason: string[] | undefined;
}

/**
 * Reads packed columns one ban at a time: `next()` moves to the next ban (false past the last),
 * whose fields are then this object's, its address `ips` from `ipStart` to `ipEnd`. The one
 * place the columns are decoded (`eachPackedBan` and `bans --json` read through it).
 */
export class PackedBanCursor implements PackedBan {
  jail = 0;
  bannedAt = 0;
  expiresAt: number | null = null;
  count = 0;
  origin = 0;
  reason: string[] | undefined = undefined;
  ipStart = 0;
  ipEnd = -1;
  private at = -1;
  private readonly reasons: Map<number, string[]>;

  constructor(private readonly columns: BanColumns) {
    this.reasons = new Map(columns.reasons.map((r) => [r.at, r.reason]));
  }

  next(): boolean {
    const columns = this.columns;
    const i = ++this.at;
    if (i >= columns.jail.length) return false;
    this.ipStart = this.ipEnd + 1;
    this.ipEnd = columns.ips.indexOf('\n', this.ipStart);
    this.bannedAt += columns.bannedAt[i]!;
    const duration = columns.duration[i];
    this.expiresAt = duration === null || duration === undefined ? null : this.bannedAt + duration;
    this.jail = columns.jail[i]!;
    this.count = columns.count[i]!;
    this.origin = columns.origin[i]!;
    this.reason = this.reasons.size ? this.reasons.get(i) : undefined;
    return true;
  }
}

/**
 * Calls `visit` with each ban of packed columns in order. One `PackedBan` object is reused for
 * every call (a million bans make no object each): copy what is kept.
 */
export function eachPackedBan(columns: BanColumns, visit: (ip: string, ban: PackedBan) => void): void {
  const ban = new PackedBanCursor(columns);
  while (ban.next()) visit(columns.ips.slice(ban.ipStart, ban.ipEnd), ban);
}

/** The bans of packed columns as `bans` lists them (an old daemon's answer, tests). */
export function unpackBanColumns(columns: BanColumns): BanListing[] {
  const bans: BanListing[] = [];
  eachPackedBan(columns, (ip, ban) => {
    bans.push({
      ip,
      jail: columns.names[ban.jail]!,
      bannedAt: ban.bannedAt,
      expiresAt: ban.expiresAt,
      count: ban.count,
      ...(ban.origin ? { origin: columns.names[ban.origin - 1]! } : {}),
      ...(ban.reason ? { reason: ban.reason } : {}),
    });
  });
  return bans;
}
