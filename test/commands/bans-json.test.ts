import { describe, expect, it } from 'vitest';
import { BansJsonText, formatBans } from '../../src/commands/ban-format.js';
import { listingParts } from '../control/helpers.js';
import { SUBNET_JAIL } from '../../src/domain/index.js';
import type { BanListing } from '../../src/engine/types.js';

const T0 = Date.UTC(2026, 11, 7, 12);

/** Bans of every shape `bans --json` prints: permanent, from a fleet node, a subnet with its reason, odd text. */
const bans: BanListing[] = [
  { ip: '198.51.100.7', jail: 'sshd', bannedAt: T0, expiresAt: T0 + 3_600_000, count: 1 },
  { ip: '198.51.100.8', jail: 'sshd', bannedAt: T0, expiresAt: T0 + 3_600_000, count: 2 },
  { ip: '2001:db8::5', jail: 'manual', bannedAt: T0 + 1, expiresAt: null, count: 1 },
  { ip: '198.51.100.9', jail: 'nginx-http-auth', bannedAt: T0 + 2, expiresAt: T0 + 7_200_123, count: 3, origin: 'web02' },
  { ip: '198.51.100.0/28', jail: SUBNET_JAIL, bannedAt: T0 + 3, expiresAt: T0 + 86_400_000, count: 1, reason: ['subnet 198.51.100.0/28: 3 addresses "banned"', 'ünïcode\ttab'] },
  { ip: '198.51.100.10', jail: '网站登录', bannedAt: T0 + 4, expiresAt: 8.64e15 + 1, count: 1, origin: 'node "x"' },
  // A reason on a ban that is no subnet's is not printed, as before.
  { ip: '198.51.100.11', jail: 'sshd', bannedAt: T0 + 5, expiresAt: T0 + 9, count: 4, reason: ['not shown'] },
  // Times a Date holds at its ends (years before 1970, after 9999) and just past them.
  { ip: '198.51.100.12', jail: 'sshd', bannedAt: -1, expiresAt: 8.64e15, count: 0, origin: 'web02' },
  { ip: '198.51.100.13', jail: 'sshd', bannedAt: -8.64e15, expiresAt: -8.64e15 - 1, count: 2 ** 40 },
  { ip: '198.51.100.14', jail: 'sshd', bannedAt: Date.UTC(2024, 1, 29, 23, 59, 59, 999), expiresAt: Date.UTC(2024, 2, 1), count: 7 },
  // Text no daemon holds as an address, printed as JSON would all the same.
  { ip: 'a"b\\c\u0001', jail: 'sshd', bannedAt: T0, expiresAt: null, count: 1 },
  { ip: 'x'.repeat(300), jail: 'sshd', bannedAt: T0, expiresAt: null, count: 1 },
];

/** `bans --json` as listBans writes it from the packed list cut in parts of `size`. */
function printed(list: BanListing[], size: number): string {
  const chunks: Buffer[] = [];
  const text = new BansJsonText((chunk) => chunks.push(chunk));
  for (const part of listingParts(list, size)) text.part(part);
  text.end();
  return Buffer.concat(chunks).toString('utf8');
}

describe('bans --json from the packed list, a part at a time', () => {
  it('prints what the listing of objects printed, whatever the parts', () => {
    const expected = formatBans(bans, true);
    for (const size of [1, 2, 3, 7, 100]) expect(printed(bans, size)).toBe(expected);
    expect(JSON.parse(expected)).toHaveLength(bans.length);
  });

  it('prints a listing of thousands the same (bans joined a thousand at a time)', () => {
    const many: BanListing[] = Array.from({ length: 3000 }, (_, i) => ({
      ip: `198.18.${i >> 8}.${i & 255}`, jail: i % 7 ? 'sshd' : 'nginx', bannedAt: T0 + (i >> 4), expiresAt: i % 5 ? T0 + 3_600_000 + i : null, count: 1 + (i % 3),
    }));
    expect(printed(many, 2000)).toBe(formatBans(many, true));
    // Past one buffer (256 KiB), with a name of several bytes a character across its ends.
    const wide = Array.from({ length: 6000 }, (_, i) => ({ ...many[i % many.length]!, jail: i % 3 ? '网站登录' : 'sshd', bannedAt: T0 + i * 997 }));
    expect(printed(wide, 4096)).toBe(formatBans(wide, true));
  });

  it('prints an empty array for no bans', () => {
    expect(printed([], 5)).toBe(formatBans([], true));
  });
});
