import { describe, expect, it } from 'vitest';
import { BansJsonText, formatBans } from '../../src/commands/ban-format.js';
import { packBanColumns, packedParts } from '../../src/control/index.js';
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
];

/** `bans --json` as listBans writes it from the packed list cut in parts of `size`. */
function printed(list: BanListing[], size: number): string {
  let out = '';
  const text = new BansJsonText((chunk) => {
    out += chunk;
  });
  for (const part of packedParts(list.length, size, (from, to) => packBanColumns(list.slice(from, to)))) text.part(part);
  text.end();
  return out;
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
  });

  it('prints an empty array for no bans', () => {
    expect(printed([], 5)).toBe(formatBans([], true));
  });
});
