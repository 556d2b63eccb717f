import { formatDuration } from './duration.js';

/** A ban's times, epoch ms; `expiresAt` null for a permanent ban. */
export interface BanTimes {
  bannedAt: number;
  expiresAt: number | null;
}

/** How long a ban lasts, as every front end says it: "10m", "1h30m" or "permanent". */
export function banLength(ban: BanTimes): string {
  if (ban.expiresAt === null) return 'permanent';
  return formatDuration(Math.max(0, Math.round((ban.expiresAt - ban.bannedAt) / 1000)));
}

/** "for 10m" or "permanently", after a verb: "banned 192.0.2.1 for 10m". */
export function banLengthAfterVerb(ban: BanTimes): string {
  return ban.expiresAt === null ? 'permanently' : `for ${banLength(ban)}`;
}
