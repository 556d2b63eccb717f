import { formatDuration, padEndWidth, printable, SUBNET_JAIL, TRUSTED_ORIGIN_LABELS } from '../domain/index.js';
import type { TrustedRange } from '../engine/trusted.js';
import type { BanListing } from '../engine/types.js';
import { eachPackedBan, type BanColumns } from '../control/index.js';
import { IsoCache, isoOrNumber, jsonString } from './json-text.js';

/** The `--json` form of a ban. */
export function banJson(b: BanListing): { ip: string; jail: string; bannedAt: string; expiresAt: string | null; count: number; origin?: string; reason?: string[] } {
  return {
    ip: b.ip,
    jail: b.jail,
    bannedAt: isoOrNumber(b.bannedAt),
    expiresAt: b.expiresAt === null ? null : isoOrNumber(b.expiresAt),
    count: b.count,
    // A ban another fleet node sent names that node.
    ...(b.origin !== undefined ? { origin: b.origin } : {}),
    // A subnet ban says why ("subnet 203.0.113.0/24: 5 addresses banned within 1h") and its members.
    ...(b.jail === SUBNET_JAIL ? { reason: b.reason } : {}),
  };
}

/**
 * One column of a text table: made printable (the store and the daemon are trusted, but what
 * they hold came partly from log files) and padded to `width` terminal columns, so a
 * double-width name does not push the next column out of line. Never cut: a script reading the
 * output must get whole values.
 */
export function column(text: string, width: number): string {
  return padEndWidth(printable(text), width);
}

/**
 * `bans --json` written a part of the packed list (`ban-columns`) at a time: the text `formatBans`
 * writes, built as text a thousand bans at a time and handed to `write`, so a million bans are
 * printed without an object each and nothing of one batch outlives it.
 */
export class BansJsonText {
  private started = false;

  constructor(private readonly write: (text: string) => void) {}

  /** One part: '[' before the first ban, ',' between bans. */
  part(columns: BanColumns): void {
    let batch: string[] = [];
    const bannedAt = new IsoCache();
    const expiresAt = new IsoCache();
    eachPackedBan(columns, (ip, ban) => {
      if (batch.length === BATCH) {
        this.flush(batch);
        batch = [];
      }
      const jail = columns.names[ban.jail]!;
      const origin = ban.origin ? `,"origin":${jsonString(columns.names[ban.origin - 1]!)}` : '';
      const reason = jail === SUBNET_JAIL && ban.reason ? `,"reason":${JSON.stringify(ban.reason)}` : '';
      const ends = ban.expiresAt === null ? 'null' : `"${expiresAt.of(ban.expiresAt)}"`;
      batch.push(`{"ip":${jsonString(ip)},"jail":${jsonString(jail)},"bannedAt":"${bannedAt.of(ban.bannedAt)}","expiresAt":${ends},"count":${ban.count}${origin}${reason}}`);
    });
    this.flush(batch);
  }

  /** The end of the array (all of it, for no bans). */
  end(): void {
    this.write(this.started ? ']\n' : '[]\n');
  }

  private flush(batch: string[]): void {
    if (batch.length === 0) return;
    this.write(`${this.started ? ',' : '['}${batch.join(',')}`);
    this.started = true;
  }
}

/** Bans written at a time. */
const BATCH = 1024;

/** `bans` output, the same whether the daemon or the store answered. */
export function formatBans(bans: BanListing[], json: boolean, now = Date.now()): string {
  if (json) return `${JSON.stringify(bans.map(banJson))}\n`;
  if (bans.length === 0) return 'no bans\n';
  return bans.map((b) => {
    const left = b.expiresAt === null ? 'permanent' : `${formatDuration(Math.max(1, Math.round((b.expiresAt - now) / 1000)))} left`;
    return `${column(b.ip, 39)} ${column(b.jail, 16)} ${localTime(b.bannedAt)}  ${left.padEnd(14)} ban #${b.count}\n`;
  }).join('');
}

/** `trust list` output. */
export function formatTrusted(ranges: TrustedRange[], json: boolean): string {
  if (json) return `${JSON.stringify(ranges)}\n`;
  return ranges.map((t) => `${column(t.range, 43)} ${column(TRUSTED_ORIGIN_LABELS[t.origin], 17)}${t.note ? ` ${printable(t.note)}` : ''}`.trimEnd() + '\n').join('');
}

/** Local time to the second, as a person reads it in a table: 2026-12-05 14:03:07 (the JSON keeps ISO UTC). */
export function localTime(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return String(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}
