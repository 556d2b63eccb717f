import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AddressFilter } from '../../src/engine/address-filter.js';
import { DATABASE_FILE, SqliteStore } from '../../src/engine/store.js';
import type { BanRecord } from '../../src/engine/types.js';
import { makeTempDir, type TempDir } from './helpers.js';

const T0 = Date.UTC(2026, 0, 1);

/** Address number `i` (unique for i < 2^18): IPv4 from 198.18.0.0/15 for even i, IPv6 from 2001:db8::/32 for odd. */
function address(i: number): string {
  return i % 2 === 0 ? `198.${18 + ((i >> 17) & 1)}.${(i >> 9) & 255}.${(i >> 1) & 255}` : `2001:db8:${(i >> 16).toString(16)}::${(i & 0xffff).toString(16)}`;
}

function ban(ip: string, extra: Partial<BanRecord> = {}): BanRecord {
  return { ip, jail: 'sshd', bannedAt: T0, expiresAt: T0 + 600_000, count: 1, reason: [`failed ${ip}`], ...extra };
}

describe('AddressFilter', () => {
  it('never forgets an address added, and says yes to under 1% of the others, however many are added', () => {
    const filter = new AddressFilter();
    const added = 200_000;
    for (let i = 0; i < added; i++) filter.add(address(i));
    const missed: string[] = [];
    for (let i = 0; i < added; i++) if (!filter.mayHave(address(i))) missed.push(address(i));
    expect(missed).toEqual([]);
    let falseYes = 0;
    const others = 62_000; // address() is unique up to 2^18
    for (let i = added; i < added + others; i++) if (filter.mayHave(address(i))) falseYes++;
    expect(falseYes / others).toBeLessThan(0.01);
    expect(filter.count).toBe(added);
    // Layers for 65,536 and 262,144 addresses, 10-16 bits each (a power of two): 640 KiB.
    expect(filter.bytes).toBe((2 ** 20 + 2 ** 22) / 8);
  });

  it('says no to everything when empty', () => {
    const filter = new AddressFilter();
    expect([0, 1, 2, 3].some((i) => filter.mayHave(address(i)))).toBe(false);
  });
});

describe('SqliteStore history with its index', () => {
  let tmp: TempDir;
  let state: string;
  const open: SqliteStore[] = [];
  const openStore = (): SqliteStore => {
    const store = SqliteStore.open(state);
    open.push(store);
    return store;
  };
  beforeEach(() => {
    tmp = makeTempDir('portcullis-history-index-');
    state = path.join(tmp.dir, 'state');
  });
  afterEach(() => {
    for (const store of open.splice(0)) store.close();
    tmp.remove();
  });

  it('finds the history of every address stored before a reopen, over several reads of the table', () => {
    const first = openStore();
    first.putBans(Array.from({ length: 10_000 }, (_, i) => ban(address(i))));
    first.close();
    const store = openStore();
    const missing = Array.from({ length: 10_000 }, (_, i) => address(i)).filter((ip) => store.history(ip, 0).length !== 1);
    expect(missing).toEqual([]);
    expect(store.history(address(10_001), 0)).toEqual([]);
  });

  it('finds history written by this store in every way: in a batch, one by one, added, and by a checkpoint', () => {
    const store = openStore();
    expect(store.history(address(1), 0)).toEqual([]); // the index is complete (empty table) from here
    store.batch(() => {
      store.putBan(ban(address(1)));
      expect(store.history(address(1), 0)).toHaveLength(1);
      store.putBan(ban(address(2)));
    });
    store.putBan(ban(address(3)));
    store.addHistory(ban(address(4), { origin: 'node-b' }));
    store.replaceAllBans([{ ...ban(address(5)), reason: undefined }]);
    store.putBan(ban(address(6), { origin: 'node-b' }));
    expect([1, 2, 3, 4, 5].map((i) => store.history(address(i), 0).length)).toEqual([1, 1, 1, 1, 1]);
    // A ban from another node is no history here.
    expect(store.history(address(6), 0)).toEqual([]);
  });

  it('finds history another process wrote after the index was built', () => {
    const store = openStore();
    store.putBan(ban(address(1)));
    expect(store.history(address(2), 0)).toEqual([]);
    const other = new Database(path.join(state, DATABASE_FILE));
    try {
      other.prepare('INSERT INTO history (ip, jail, banned_at, duration) VALUES (?, ?, ?, ?)').run(address(2), 'sshd', T0, 600);
    } finally {
      other.close();
    }
    expect(store.history(address(2), 0)).toEqual([{ ip: address(2), jail: 'sshd', bannedAt: T0, duration: 600 }]);
    expect(store.history(address(1), 0)).toHaveLength(1);
  });

  it('finds the history of an address banned while the index was still being read', () => {
    const first = openStore();
    first.putBans(Array.from({ length: 9_000 }, (_, i) => ban(address(i))));
    first.close();
    const store = openStore();
    // The first question reads part of the rows; a ban made now lands after them.
    expect(store.history(address(0), 0)).toHaveLength(1);
    store.putBan(ban(address(20_001)));
    store.pruneHistory(T0 + 1); // old rows go: their addresses may still answer yes, never wrongly no
    expect(store.history(address(20_001), 0)).toHaveLength(0);
    store.putBan(ban(address(20_003), { bannedAt: T0 + 10 }));
    expect(store.history(address(20_003), 0)).toHaveLength(1);
    expect(store.history(address(1), 0)).toEqual([]);
  });
});
