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
