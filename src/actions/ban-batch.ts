import type { BanNotice } from './types.js';

/** Bans kept whole in a batch; beyond these only counts are kept, so a flood costs little memory. */
export const BATCH_SAMPLES = 50;
/** Distinct addresses counted in a batch; the rest are only in the total. */
const BATCH_ADDRESSES = 10_000;
/** Matched lines kept per sampled ban. */
const SAMPLE_LINES = 20;
/** Addresses listed as the batch's top offenders. */
const TOP_ADDRESSES = 10;

/** One address of a batch, with how often it was banned in it. */
export interface BatchAddress {
  ip: string;
  /** Bans of this address in the batch. */
  bans: number;
  /** Jails that banned it, in order of first ban. */
  jails: string[];
  /** The highest ban number seen (escalation's count). */
  highestCount: number;
  /** The latest ban of it in the batch. */
  latest: BanNotice;
}

/** What a closed batch holds. */
export interface BatchSummary {
  /** Bans in the batch. */
  total: number;
  /** Epoch ms of the first and last ban. */
  firstAt: number;
  lastAt: number;
  /** Bans per jail, most first. */
  byJail: Array<{ jail: string; bans: number }>;
  /** Distinct addresses (a lower bound past {@link BATCH_ADDRESSES}). */
  addresses: number;
  /** The most banned addresses, most first; ties go to the higher ban number, then the earlier. */
  top: BatchAddress[];
  /** The first {@link BATCH_SAMPLES} bans, in order, with at most 20 matched lines each. */
  samples: Array<BanNotice & { omittedLines: number }>;
}

/** Gathers the bans of one batch window. */
export class BanBatch {
  private total = 0;
  private firstAt = 0;
  private lastAt = 0;
  private readonly byJail = new Map<string, number>();
  private readonly byAddress = new Map<string, BatchAddress>();
  private samples: Array<BanNotice & { omittedLines: number }> = [];

  get size(): number {
    return this.total;
  }

  add(ban: BanNotice): void {
    if (this.total === 0) this.firstAt = ban.bannedAt;
    this.total++;
    this.firstAt = Math.min(this.firstAt, ban.bannedAt);
    this.lastAt = Math.max(this.lastAt, ban.bannedAt);
    this.byJail.set(ban.jail, (this.byJail.get(ban.jail) ?? 0) + 1);

    // Copy what is kept: the caller's record may change after notify() returns.
    const kept = {
      ...ban,
      reason: ban.reason.slice(0, SAMPLE_LINES),
      omittedLines: Math.max(0, ban.reason.length - SAMPLE_LINES),
    };
    if (this.samples.length < BATCH_SAMPLES) this.samples.push(kept);

    const known = this.byAddress.get(ban.ip);
    if (known) {
      known.bans++;
      if (!known.jails.includes(ban.jail)) known.jails.push(ban.jail);
      known.highestCount = Math.max(known.highestCount, ban.count);
      known.latest = kept;
    } else if (this.byAddress.size < BATCH_ADDRESSES) {
      this.byAddress.set(ban.ip, { ip: ban.ip, bans: 1, jails: [ban.jail], highestCount: ban.count, latest: kept });
    }
  }

  /** Closes the batch: returns what it held and starts an empty one. */
  take(): BatchSummary {
    const order = new Map([...this.byAddress.keys()].map((ip, i) => [ip, i]));
    const top = [...this.byAddress.values()]
      .sort((a, b) => b.bans - a.bans || b.highestCount - a.highestCount || order.get(a.ip)! - order.get(b.ip)!)
      .slice(0, TOP_ADDRESSES);
    const summary: BatchSummary = {
      total: this.total,
      firstAt: this.firstAt,
      lastAt: this.lastAt,
      byJail: [...this.byJail].map(([jail, bans]) => ({ jail, bans })).sort((a, b) => b.bans - a.bans),
      addresses: this.byAddress.size,
      top,
      samples: this.samples,
    };
    this.total = 0;
    this.byJail.clear();
    this.byAddress.clear();
    this.samples = [];
    return summary;
  }
}
