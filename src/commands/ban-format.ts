import { formatDuration, padEndWidth, printable, SUBNET_JAIL, TRUSTED_ORIGIN_LABELS } from '../domain/index.js';
import type { TrustedRange } from '../engine/trusted.js';
import type { BanListing } from '../engine/types.js';

/**
 * ISO-8601 text of an epoch-ms time, or the number itself when it is outside what a Date can
 * hold (a ban time of billions of weeks): one odd record must not stop the whole listing.
 */
export function isoOrNumber(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}

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
