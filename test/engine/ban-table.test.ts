import { describe, expect, it } from 'vitest';
import { BanTable } from '../../src/engine/ban-table.js';
import type { BanSummary } from '../../src/engine/types.js';

const T0 = Date.UTC(2026, 0, 1);
const ban = (ip: string, over: Partial<BanSummary> = {}): BanSummary => ({ ip, jail: 'sshd', bannedAt: T0, expiresAt: T0 + 3600_000, count: 1, ...over });

describe('BanTable', () => {
  it('gives back each ban as it was set, permanent, remote and manual ones included', () => {
    const table = new BanTable();
    const bans = [
      ban('198.18.0.1'),
      ban('2001:db8::1', { jail: 'nginx', expiresAt: null, count: 4 }),
      ban('198.18.0.0/24', { jail: 'manual', bannedAt: T0 + 1 }),
      ban('198.18.9.9', { origin: 'web02', count: 2 }),
    ];
    for (const b of bans) table.set(b);
    expect(table.size).toBe(4);
    expect(table.timedSize).toBe(3);
    for (const b of bans) expect(table.get(b.ip)).toEqual(b);
    expect([...table.values()]).toEqual(bans);
    expect([...table.values('nginx')]).toEqual([bans[1]]);
    expect([...table.values('no such jail')]).toEqual([]);
    expect(table.jailOf('198.18.0.0/24')).toBe('manual');
    expect(table.expiryOf('2001:db8::1')).toBeNull();
    expect(table.expiryOf('198.18.0.2')).toBeUndefined();
    expect(table.get('198.18.9.9')).not.toBe(table.get('198.18.9.9'));
  });

  it('replaces a ban in place, keeping its place in the order, and reuses freed slots', () => {
    const table = new BanTable();
    table.set(ban('198.18.0.1'));
    table.set(ban('198.18.0.2'));
    table.set(ban('198.18.0.1', { expiresAt: null, count: 2, jail: 'recidive' }));
    expect([...table.keys()]).toEqual(['198.18.0.1', '198.18.0.2']);
    expect(table.timedSize).toBe(1);
    expect(table.get('198.18.0.1')).toEqual(ban('198.18.0.1', { expiresAt: null, count: 2, jail: 'recidive' }));
    const row = table.set(ban('198.18.0.1', { expiresAt: null, count: 2, jail: 'recidive' }));
    expect(table.ipAt(row)).toBe('198.18.0.1');
    expect(table.delete('198.18.0.1')).toBe(true);
    expect(table.delete('198.18.0.1')).toBe(false);
    expect(table.expiryAt(row)).toBeUndefined();
    expect(table.timedSize).toBe(1);
    table.set(ban('198.18.0.3', { origin: 'web03' }));
    expect([...table.keys()]).toEqual(['198.18.0.2', '198.18.0.3']);
    expect(table.get('198.18.0.3')).toEqual(ban('198.18.0.3', { origin: 'web03' }));
    expect(table.get('198.18.0.1')).toBeUndefined();
  });

  it('grows past its first columns and lists each jail\'s addresses oldest first', () => {
    const table = new BanTable();
    for (let i = 0; i < 5000; i++) table.set(ban(`198.18.${i >> 8}.${i & 255}`, { bannedAt: T0 - i, jail: i % 2 ? 'a' : 'b', expiresAt: i % 3 ? T0 + i : null }));
    expect(table.size).toBe(5000);
    expect(table.get('198.18.19.135')).toEqual(ban('198.18.19.135', { bannedAt: T0 - 4999, jail: 'a', expiresAt: T0 + 4999 }));
    const byJail = table.addressesByJail();
    expect(byJail.get('a')).toHaveLength(2500);
    expect(byJail.get('a')![0]).toBe('198.18.19.135');
    expect(byJail.get('b')!.at(-1)).toBe('198.18.0.0');
    const timed = [...table.timedRows()];
    expect(timed).toHaveLength(table.timedSize);
    expect(timed.every(([row, at]) => table.expiryAt(row) === at && table.expiryOf(table.ipAt(row)) === at)).toBe(true);
    let visited = 0;
    for (const { ip, expiresAt } of table.ends()) {
      visited++;
      expect(table.expiryOf(ip)).toBe(expiresAt);
    }
    expect(visited).toBe(5000);
    table.clear();
    expect(table.size).toBe(0);
    expect(table.timedSize).toBe(0);
    table.set(ban('198.18.0.1'));
    expect(table.get('198.18.0.1')).toEqual(ban('198.18.0.1'));
  });

  it('hands over every ban oldest first, equal times in table order, as a sort of its copies would', () => {
    const table = new BanTable();
    const times = [5, 1, 3, 1, 5, 0, 3, 3];
    times.forEach((t, i) => table.set(ban(`198.18.1.${i}`, {
      bannedAt: T0 + t, expiresAt: i % 3 ? T0 + 99 : null, count: i + 1, jail: i % 2 ? 'a' : 'b', ...(i === 4 ? { origin: 'web02' } : {}),
    })));
    // A ban set again keeps its place in the table's order.
    table.set(ban('198.18.1.1', { bannedAt: T0 + 3, count: 9 }));
    const seen: BanSummary[] = [];
    let reused = true;
    let last: BanSummary | null = null;
    const order = table.orderByBanTime();
    table.eachInOrder(order, 0, order.slots.length, (b) => {
      if (last && last !== b) reused = false;
      last = b;
      // Field by field: a ban of the walk makes its address when `ip` is read.
      seen.push({ ip: b.ip, jail: b.jail, bannedAt: b.bannedAt, expiresAt: b.expiresAt, count: b.count, ...(b.origin !== undefined ? { origin: b.origin } : {}) });
    });
    const expected = [...table.values()].sort((x, y) => x.bannedAt - y.bannedAt);
    expect(seen).toEqual(expected);
    expect(seen.map((b) => b.ip)).toEqual(['198.18.1.5', '198.18.1.3', '198.18.1.1', '198.18.1.2', '198.18.1.6', '198.18.1.7', '198.18.1.0', '198.18.1.4']);
    expect(seen[7]).toEqual(expect.objectContaining({ origin: 'web02', count: 5 }));
    expect(reused).toBe(true);
  });

  it('reads an order taken before as the bans are now: lifted ones left out, a row taken by another ban too', () => {
    const table = new BanTable();
    for (let i = 0; i < 6; i++) table.set(ban(`198.18.2.${i}`, { bannedAt: T0 + i }));
    const order = table.orderByBanTime();
    table.delete('198.18.2.1');
    // Takes the row 198.18.2.1 had: not a ban of the order.
    table.set(ban('198.18.2.99', { bannedAt: T0 + 10 }));
    table.delete('198.18.2.3');
    table.set(ban('198.18.2.4', { bannedAt: T0 + 4, count: 7 }));
    const read = (from: number, to: number) => {
      const seen: string[] = [];
      table.eachInOrder(order, from, to, (b) => seen.push(`${b.ip}#${b.count}`));
      return seen;
    };
    expect(read(0, 3)).toEqual(['198.18.2.0#1', '198.18.2.2#1']);
    expect(read(3, 6)).toEqual(['198.18.2.4#7', '198.18.2.5#1']);
    expect(order.slots).toHaveLength(6);
  });

  it('walks every ban once while bans are deleted and set during the walk', () => {
    const table = new BanTable();
    for (let i = 0; i < 100; i++) table.set(ban(`198.18.0.${i}`, { expiresAt: i % 2 ? T0 + i : null }));
    const seen: string[] = [];
    for (const { ip } of table.ends()) {
      seen.push(ip);
      // The row just read is freed and taken at once by a new ban: the walk goes on past it.
      if (ip === '198.18.0.10') {
        table.delete(ip);
        table.set(ban('198.18.1.1'));
      }
      if (ip === '198.18.0.20') table.delete('198.18.0.50');
    }
    expect(seen).toHaveLength(99);
    expect(seen).not.toContain('198.18.0.50');
    expect(seen.at(-1)).toBe('198.18.0.99');
    expect(table.size).toBe(99);
  });
});
