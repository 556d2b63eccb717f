import { formatDuration } from '../config/index.js';
import type { TrustedRange } from '../engine/trusted.js';
import type { BanRecord } from '../engine/types.js';

/** The `--json` form of a ban. */
export function banJson(b: BanRecord): { ip: string; jail: string; bannedAt: string; expiresAt: string | null; count: number } {
  return {
    ip: b.ip,
    jail: b.jail,
    bannedAt: new Date(b.bannedAt).toISOString(),
    expiresAt: b.expiresAt === null ? null : new Date(b.expiresAt).toISOString(),
    count: b.count,
  };
}

/** `bans` output, the same whether the daemon or the store answered. */
export function formatBans(bans: BanRecord[], json: boolean, now = Date.now()): string {
  if (json) return `${JSON.stringify(bans.map(banJson))}\n`;
  if (bans.length === 0) return 'no bans\n';
  return bans.map((b) => {
    const left = b.expiresAt === null ? 'permanent' : `${formatDuration(Math.max(1, Math.round((b.expiresAt - now) / 1000)))} left`;
    return `${b.ip.padEnd(39)} ${b.jail.padEnd(16)} ${new Date(b.bannedAt).toISOString()}  ${left.padEnd(14)} ban #${b.count}\n`;
  }).join('');
}

/** `trust list` output. */
export function formatTrusted(ranges: TrustedRange[], json: boolean): string {
  if (json) return `${JSON.stringify(ranges)}\n`;
  return ranges.map((t) => `${t.range.padEnd(43)} ${t.origin}${t.note ? `  ${t.note}` : ''}\n`).join('');
}
