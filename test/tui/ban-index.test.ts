import { describe, expect, it } from 'vitest';
import { packBanColumns, unpackBanColumns } from '../../src/control/index.js';
import type { BanListing } from '../../src/engine/types.js';
import { BAN_SORT_KEYS, BanIndex, type BanSortKey } from '../../src/tui/model/ban-index.js';

/** A small deterministic random source, so a failure can be run again. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Addresses of every shape the list holds: IPv4, IPv6 (with `::` anywhere), ranges of both. */
function address(next: () => number): string {
  const n = (max: number): number => Math.floor(next() * max);
  switch (n(6)) {
    case 0:
    case 1:
      return `198.${18 + n(2)}.${n(256)}.${n(256)}`;
    case 2:
      return `2001:db8:${n(3).toString(16)}::${n(0x10000).toString(16)}`;
    case 3:
      return `2001:db8:${n(0x10000).toString(16)}:${n(0x10000).toString(16)}:1:2:3:${n(9).toString(16)}`;
    case 4:
      return `198.18.${n(256)}.0/${[16, 24, 28][n(3)]}`;
    default:
      return n(2) ? `2001:db8:${n(4)}::/48` : '::1';
  }
}

function ban(next: () => number, ip: string): BanListing {
  const n = (max: number): number => Math.floor(next() * max);
  const bannedAt = 1_700_000_000_000 + n(5) * 1000 + n(3);
  const jail = ['sshd', 'postfix', 'manual', 'nginx-auth', 'subnet'][n(5)]!;
  return {
    ip,
    jail,
    bannedAt,
    expiresAt: n(5) === 0 ? null : bannedAt + n(4) * 60_000,
    count: 1 + n(3),
    ...(n(4) === 0 ? { origin: ['web2', 'mail-node'][n(2)]! } : {}),
    ...(jail === 'subnet' ? { reason: [`${ip} holds 3 bans`] } : {}),
  };
}

/** The order the list promises, written the slow, obvious way: by the key, then by address value. */
function expected(bans: BanListing[], key: BanSortKey, filter: string): string[] {
  const value = (ip: string): bigint[] => {
    const [address = '', prefix] = ip.split('/');
    const tail = prefix === undefined ? 0n : BigInt(prefix) + 1n;
    if (!address.includes(':')) return [0n, BigInt(address.split('.').reduce((v, o) => v * 256 + Number(o), 0)), tail];
    const [head = '', rest = ''] = address.split('::');
    const left = head ? head.split(':') : [];
    const right = address.includes('::') && rest ? rest.split(':') : [];
    const groups = address.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
    return [1n, groups.reduce((v, g) => v * 65536n + BigInt(parseInt(g, 16)), 0n), tail];
  };
  const byIp = (a: BanListing, b: BanListing): number => {
    const [x, y] = [value(a.ip), value(b.ip)];
    for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
    return 0;
  };
  const primary = (a: BanListing, b: BanListing): number => {
    switch (key) {
      case 'ip':
        return 0;
      case 'jail':
        return a.jail < b.jail ? -1 : a.jail > b.jail ? 1 : 0;
      case 'bannedAt':
        return a.bannedAt - b.bannedAt;
      case 'expiresAt':
        return (a.expiresAt ?? Infinity) === (b.expiresAt ?? Infinity) ? 0 : (a.expiresAt ?? Infinity) < (b.expiresAt ?? Infinity) ? -1 : 1;
      case 'count':
        return a.count - b.count;
    }
  };
  const needle = filter.trim().toLowerCase();
  return bans
    .filter((b) => !needle || b.ip.includes(needle) || b.jail.toLowerCase().includes(needle))
    .sort((a, b) => primary(a, b) || byIp(a, b))
    .map((b) => b.ip);
}

function shown(index: BanIndex, key: BanSortKey, filter: string): string[] {
  const rows = index.view(key, filter);
  return Array.from({ length: rows.length }, (_, i) => rows.at(i)!.ip);
}

/** `n` random bans, one per address, as the list would be loaded with them. */
function someBans(next: () => number, n: number): Map<string, BanListing> {
  const live = new Map<string, BanListing>();
  for (let i = 0; i < n; i++) {
    const ip = address(next);
    live.set(ip, ban(next, ip));
  }
  return live;
}

/** `n` random changes to both the index and `live`: unbans, re-bans of known addresses, new bans. */
function churn(index: BanIndex, live: Map<string, BanListing>, next: () => number, n: number): void {
  for (let i = 0; i < n; i++) {
    const known = [...live.keys()];
    if (next() < 0.4 && known.length) {
      const ip = known[Math.floor(next() * known.length)]!;
      expect(index.remove(ip)).toBe(true);
      live.delete(ip);
    } else {
      const ip = next() < 0.3 && known.length ? known[Math.floor(next() * known.length)]! : address(next);
      const record = ban(next, ip);
      index.put(record);
      live.set(ip, record);
    }
  }
}

describe('BanIndex (the console\'s compact ban list)', () => {
  it('sorts by every key and filters exactly as the obvious sort of the records does, through loads, bans, re-bans and unbans', () => {
    const next = random(16);
    const live = someBans(next, 1500);
    const index = new BanIndex();
    index.load(packBanColumns([...live.values()]));
    // '198.18.10' narrows the rows '198.18.1' matched (a few, tested one by one); the others scan
    // every row, '1' and '19' finding most, 'x' (a character no address holds) none, 'e' only IPv6.
    const filters = ['', '198.18.1', '198.18.10', 'DB8:1', 'ssh', '::', '/24', '.0/', '1', '19', 'x', 'e', 'post'];
    for (let round = 0; round < 6; round++) {
      for (const key of BAN_SORT_KEYS) {
        for (const filter of filters) expect(shown(index, key, filter), `${key} "${filter}" round ${round}`).toEqual(expected([...live.values()], key, filter));
      }
      // The list changes while a view is shown (its sort and filter kept up to date, not rebuilt).
      const key = BAN_SORT_KEYS[round % BAN_SORT_KEYS.length]!;
      index.view(key, round % 2 ? '198.1' : '');
      churn(index, live, next, 300);
      expect(shown(index, key, round % 2 ? '198.1' : '')).toEqual(expected([...live.values()], key, round % 2 ? '198.1' : ''));
      expect(index.size).toBe(live.size);
    }
    for (const [ip, record] of live) expect(index.get(ip)).toEqual(record);
    expect(index.remove('203.0.113.1')).toBe(false);
    expect(index.get('203.0.113.1')).toBeUndefined();
  });

  it('makes every sort order ahead, one per call, and keeps them all right through bans and unbans', () => {
    const next = random(5);
    const live = someBans(next, 800);
    const index = new BanIndex();
    index.load(packBanColumns([...live.values()]));
    // Four keys besides the address: three calls say more is left, the fourth makes the last.
    expect([index.prepareOrder(), index.prepareOrder(), index.prepareOrder(), index.prepareOrder(), index.prepareOrder()]).toEqual([true, true, true, false, false]);
    // Changed while the address order is shown: the orders made ahead follow.
    index.view('ip');
    churn(index, live, next, 400);
    for (const key of BAN_SORT_KEYS) expect(shown(index, key, ''), key).toEqual(expected([...live.values()], key, ''));
  });

  it('finds an address in a view by binary search, and the view\'s version changes with the rows', () => {
    const index = new BanIndex();
    const records = ['198.51.100.10', '198.51.100.9', '2001:db8::1'].map((ip, i) => ({ ip, jail: 'sshd', bannedAt: 1000 * i, expiresAt: null, count: 1 }));
    index.reset(records);
    const before = index.view('ip');
    expect(before.indexOf('198.51.100.9')).toBe(0);
    expect(before.indexOf('2001:db8::1')).toBe(2);
    expect(before.indexOf('203.0.113.1')).toBe(-1);
    expect(index.view('ip').version).toBe(before.version);
    index.put({ ip: '198.51.100.1', jail: 'sshd', bannedAt: 5000, expiresAt: 9000, count: 2 });
    const after = index.view('ip');
    expect(after.version).not.toBe(before.version);
    expect(after.indexOf('198.51.100.9')).toBe(1);
    expect(index.view('bannedAt', 'db8').at(0)).toEqual({ ip: '2001:db8::1', jail: 'sshd', bannedAt: 2000, expiresAt: null, count: 1 });
  });

  it('gives every ban in the shown order for a needle each one matches, by its address or by its jail', () => {
    const next = random(9);
    const live = new Map<string, BanListing>();
    for (let i = 0; i < 600; i++) {
      const ip = i % 2 ? `198.18.${i >> 8}.${i & 255}` : `2001:db8::${i.toString(16)}`;
      // IPv6 addresses hold no '.'; all of their bans are in a jail whose name has one.
      live.set(ip, { ...ban(next, ip), jail: i % 2 ? 'sshd' : 'web.auth' });
    }
    const index = new BanIndex();
    index.load(packBanColumns([...live.values()]));
    for (const key of BAN_SORT_KEYS) {
      expect(shown(index, key, '.'), key).toEqual(shown(index, key, ''));
      expect(shown(index, key, '.').length).toBe(600);
    }
    // An unbanned row keeps its old jail until reused: two unbans, one ban that does not match
    // (it takes one of their rows); the other row must not count as a ban that matches.
    for (let i = 0; i < 4; i += 2) {
      index.remove(`2001:db8::${i.toString(16)}`);
      live.delete(`2001:db8::${i.toString(16)}`);
    }
    const odd = { ...ban(next, '2001:db8::ffff'), jail: 'sshd' };
    index.put(odd);
    live.set(odd.ip, odd);
    for (const key of BAN_SORT_KEYS) expect(shown(index, key, '.'), key).toEqual(expected([...live.values()], key, '.'));
    expect(shown(index, 'ip', '.')).not.toContain('2001:db8::ffff');
  });

  it('packs a listing in columns and gives it back unchanged', () => {
    const next = random(7);
    const bans = Array.from({ length: 200 }, () => ban(next, address(next)));
    const packed = packBanColumns(bans);
    expect(JSON.parse(JSON.stringify(packed))).toEqual(packed);
    expect(unpackBanColumns(packed)).toEqual(bans);
    expect(unpackBanColumns(packBanColumns([]))).toEqual([]);
  });
});
