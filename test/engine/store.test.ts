import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/engine/memory-store.js';
import { DATABASE_FILE, SCHEMA_VERSION, SqliteStore, StoreError } from '../../src/engine/store.js';
import type { BanRecord, BanStore } from '../../src/engine/types.js';
import { makeTempDir, type TempDir } from './helpers.js';

/** A store with the batch write both implementations offer beyond the interface. */
type TestStore = BanStore & { putBans(bans: readonly BanRecord[]): void; pruneHistory(before: number): number };

interface Flavour {
  name: string;
  open(dir: string): TestStore;
}

const flavours: Flavour[] = [
  { name: 'MemoryStore', open: () => new MemoryStore() },
  { name: 'SqliteStore', open: (dir) => SqliteStore.open(dir) },
];

const MINUTE = 60_000;
const T0 = Date.UTC(2025, 0, 1);

function ban(ip: string, extra: Partial<BanRecord> = {}): BanRecord {
  return { ip, jail: 'sshd', bannedAt: T0, expiresAt: T0 + 10 * MINUTE, count: 1, reason: [`failed ${ip}`], ...extra };
}

let tmp: TempDir;
beforeEach(() => {
  tmp = makeTempDir('portcullis-store-');
});
afterEach(() => tmp.remove());

describe.each(flavours)('$name', ({ open }) => {
  let store: TestStore;
  beforeEach(() => {
    store = open(path.join(tmp.dir, 'state'));
  });
  afterEach(() => store.close());

  it('starts empty', () => {
    expect(store.activeBans()).toEqual([]);
    expect(store.history('192.0.2.1', 0)).toEqual([]);
    expect(store.trustedRanges()).toEqual([]);
    expect(store.position('/var/log/auth.log')).toBeUndefined();
    expect(store.removeAllBans()).toBe(0);
  });

  it('puts bans and lists them by address, permanent ones included', () => {
    const permanent = ban('2001:db8::1', { jail: 'recidive', expiresAt: null, count: 3, reason: ['zoë ✓', 'line\ttwo\n'] });
    store.putBan(ban('198.51.100.7'));
    store.putBan(permanent);
    store.putBan(ban('192.0.2.1', { reason: [] }));
    expect(store.activeBans()).toEqual([ban('192.0.2.1', { reason: [] }), ban('198.51.100.7'), permanent]);
  });

  it('replaces the ban of an address and keeps both in the history', () => {
    store.putBan(ban('192.0.2.1'));
    const second = ban('192.0.2.1', { jail: 'nginx', bannedAt: T0 + MINUTE, expiresAt: T0 + 61 * MINUTE, count: 2 });
    store.putBan(second);
    expect(store.activeBans()).toEqual([second]);
    expect(store.history('192.0.2.1', 0)).toEqual([
      { ip: '192.0.2.1', jail: 'sshd', bannedAt: T0, duration: 600 },
      { ip: '192.0.2.1', jail: 'nginx', bannedAt: T0 + MINUTE, duration: 3600 },
    ]);
  });

  it('hands out copies, so a caller cannot change what is stored', () => {
    const original = ban('192.0.2.1');
    store.putBan(original);
    original.reason.push('changed after put');
    const [listed] = store.activeBans();
    listed!.reason.push('changed after read');
    listed!.count = 99;
    expect(store.activeBans()).toEqual([ban('192.0.2.1')]);
  });

  it('removes one ban, returning it, and keeps its history', () => {
    store.putBan(ban('192.0.2.1'));
    store.putBan(ban('192.0.2.2'));
    expect(store.removeBan('192.0.2.1')).toEqual(ban('192.0.2.1'));
    expect(store.removeBan('192.0.2.1')).toBeUndefined();
    expect(store.removeBan('203.0.113.9')).toBeUndefined();
    expect(store.activeBans().map((b) => b.ip)).toEqual(['192.0.2.2']);
    expect(store.history('192.0.2.1', 0)).toHaveLength(1);
  });

  it('removes all bans, returning how many', () => {
    store.putBans([ban('192.0.2.1'), ban('192.0.2.2'), ban('192.0.2.3')]);
    expect(store.removeAllBans()).toBe(3);
    expect(store.activeBans()).toEqual([]);
    expect(store.removeAllBans()).toBe(0);
    expect(store.history('192.0.2.3', 0)).toHaveLength(1);
  });

  it('puts a batch of bans like one putBan each', () => {
    store.putBans([]);
    store.putBans([ban('192.0.2.1'), ban('192.0.2.2'), ban('192.0.2.1', { bannedAt: T0 + 1, count: 2 })]);
    expect(store.activeBans()).toEqual([ban('192.0.2.1', { bannedAt: T0 + 1, count: 2 }), ban('192.0.2.2')]);
    expect(store.history('192.0.2.1', 0).map((h) => h.bannedAt)).toEqual([T0, T0 + 1]);
  });

  it('reads the history oldest first, since a time (inclusive), of one jail if asked', () => {
    const at = (minutes: number, jail = 'sshd', expiresAt: number | null = T0 + (minutes + 5) * MINUTE) =>
      ban('192.0.2.1', { bannedAt: T0 + minutes * MINUTE, jail, expiresAt });
    store.putBan(at(30));
    store.putBan(at(10, 'nginx'));
    store.putBan(at(20, 'recidive', null));
    store.putBan(at(0));
    store.putBan(ban('192.0.2.2', { bannedAt: T0 + 15 * MINUTE }));
    const times = (entries: { bannedAt: number }[]) => entries.map((h) => (h.bannedAt - T0) / MINUTE);
    expect(times(store.history('192.0.2.1', 0))).toEqual([0, 10, 20, 30]);
    expect(times(store.history('192.0.2.1', T0 + 10 * MINUTE))).toEqual([10, 20, 30]);
    expect(times(store.history('192.0.2.1', T0 + 10 * MINUTE + 1))).toEqual([20, 30]);
    expect(times(store.history('192.0.2.1', 0, 'sshd'))).toEqual([0, 30]);
    expect(store.history('192.0.2.1', 0, 'recidive')).toEqual([
      { ip: '192.0.2.1', jail: 'recidive', bannedAt: T0 + 20 * MINUTE, duration: -1 },
    ]);
    expect(store.history('192.0.2.1', 0, 'postfix')).toEqual([]);
    expect(store.history('192.0.2.3', 0)).toEqual([]);
  });

  it('keeps equal ban times in the order they were made', () => {
    store.putBan(ban('192.0.2.1', { jail: 'b' }));
    store.putBan(ban('192.0.2.1', { jail: 'a' }));
    store.putBan(ban('192.0.2.1', { jail: 'c' }));
    expect(store.history('192.0.2.1', 0).map((h) => h.jail)).toEqual(['b', 'a', 'c']);
  });

  it('reads the bans page by page, each once, those stored meanwhile in a later page; and the bans of one jail', () => {
    store.putBans(Array.from({ length: 25 }, (_, i) => ban(`198.51.100.${i}`, { jail: i % 5 === 0 ? 'subnet' : 'sshd' })));
    const seen: string[] = [];
    const pages: number[] = [];
    let from: number | null = 0;
    while (from !== null) {
      const before = seen.length;
      from = store.banSummaryPage(from, 10, (b) => seen.push(b.ip));
      pages.push(seen.length - before);
      // Stored while the pages are read: comes in a later one.
      if (pages.length === 1) store.putBan(ban('203.0.113.9'));
    }
    expect(pages).toEqual([10, 10, 6]);
    expect(seen.sort()).toEqual([...Array.from({ length: 25 }, (_, i) => `198.51.100.${i}`), '203.0.113.9'].sort());
    const subnet: string[] = [];
    store.eachBanSummaryOf('subnet', (b) => subnet.push(b.ip));
    expect(subnet.sort()).toEqual(['198.51.100.0', '198.51.100.10', '198.51.100.15', '198.51.100.20', '198.51.100.5']);
  });

  it('prunes history before a time', () => {
    for (const minutes of [0, 10, 20]) store.putBan(ban('192.0.2.1', { bannedAt: T0 + minutes * MINUTE }));
    store.putBan(ban('192.0.2.2', { bannedAt: T0 + 5 * MINUTE }));
    expect(store.pruneHistory(T0 + 10 * MINUTE)).toBe(2);
    expect(store.history('192.0.2.1', 0).map((h) => h.bannedAt)).toEqual([T0 + 10 * MINUTE, T0 + 20 * MINUTE]);
    expect(store.history('192.0.2.2', 0)).toEqual([]);
    expect(store.activeBans()).toHaveLength(2);
    expect(store.pruneHistory(T0 + 10 * MINUTE)).toBe(0);
  });

  it('adds, replaces and removes trusted ranges', () => {
    store.addTrusted('203.0.113.0/24', 'office', T0);
    store.addTrusted('192.0.2.10', 'monitoring', T0 + 1);
    store.addTrusted('2001:db8::/32', '', T0 + 2);
    store.addTrusted('203.0.113.0/24', 'new office', T0 + 3);
    expect(store.trustedRanges()).toEqual([
      { range: '192.0.2.10', addedAt: T0 + 1, note: 'monitoring' },
      { range: '2001:db8::/32', addedAt: T0 + 2, note: '' },
      { range: '203.0.113.0/24', addedAt: T0 + 3, note: 'new office' },
    ]);
    expect(store.removeTrusted('192.0.2.10')).toBe(true);
    expect(store.removeTrusted('192.0.2.10')).toBe(false);
    expect(store.trustedRanges().map((t) => t.range)).toEqual(['2001:db8::/32', '203.0.113.0/24']);
  });

  it('saves and loads positions, with and without a journal cursor', () => {
    const file = { source: '/var/log/auth.log', inode: 1_234_567, offset: 98_765, firstLineHash: 'ab12' };
    const journal = { source: 'journal:sshd', inode: 0, offset: 0, firstLineHash: '', cursor: 's=abc;i=1f;b=9' };
    store.savePosition(file);
    store.savePosition(journal);
    expect(store.position(file.source)).toStrictEqual(file);
    expect(store.position(journal.source)).toStrictEqual(journal);
    store.savePosition({ ...file, offset: 100_000, cursor: 'now set' });
    expect(store.position(file.source)).toStrictEqual({ ...file, offset: 100_000, cursor: 'now set' });
    store.savePosition({ ...journal, cursor: undefined });
    const { cursor: _dropped, ...withoutCursor } = journal;
    expect(store.position(journal.source)).toStrictEqual(withoutCursor);
    expect(store.position('/var/log/other.log')).toBeUndefined();
  });
});

describe('SqliteStore on disk', () => {
  const dbFile = () => path.join(tmp.dir, 'state', DATABASE_FILE);

  it('keeps everything across close and reopen', () => {
    const state = path.join(tmp.dir, 'state');
    const first = SqliteStore.open(state);
    first.putBan(ban('192.0.2.1', { expiresAt: null, reason: ['a', 'b'] }));
    first.putBans([ban('192.0.2.2'), ban('192.0.2.3')]);
    first.removeBan('192.0.2.3');
    first.addTrusted('10.0.0.0/8', 'lan', T0);
    first.savePosition({ source: 'journal:sshd', inode: 0, offset: 0, firstLineHash: '', cursor: 'c1' });
    first.close();
    first.close();

    const second = SqliteStore.open(state);
    try {
      expect(second.activeBans()).toEqual([ban('192.0.2.1', { expiresAt: null, reason: ['a', 'b'] }), ban('192.0.2.2')]);
      expect(second.history('192.0.2.3', 0)).toHaveLength(1);
      expect(second.trustedRanges()).toEqual([{ range: '10.0.0.0/8', addedAt: T0, note: 'lan' }]);
      expect(second.position('journal:sshd')?.cursor).toBe('c1');
    } finally {
      second.close();
    }
  });

  it('creates nested folders and a database readable by its owner only', () => {
    const state = path.join(tmp.dir, 'a', 'b', 'state');
    const store = SqliteStore.open(state);
    try {
      store.putBan(ban('192.0.2.1'));
      const file = path.join(state, DATABASE_FILE);
      expect(store.file).toBe(file);
      for (const name of [file, `${file}-wal`, `${file}-shm`]) expect(statSync(name).mode & 0o777).toBe(0o600);
      expect(statSync(state).mode & 0o777).toBe(0o700);
    } finally {
      store.close();
    }
  });

  it('tightens the mode of an existing database file', () => {
    SqliteStore.open(path.join(tmp.dir, 'state')).close();
    chmodSync(dbFile(), 0o644);
    SqliteStore.open(path.join(tmp.dir, 'state')).close();
    expect(statSync(dbFile()).mode & 0o777).toBe(0o600);
  });

  it('is in WAL mode with synchronous FULL and the current schema version', () => {
    const store = SqliteStore.open(path.join(tmp.dir, 'state'));
    try {
      const db = Reflect.get(store, 'db') as Database.Database;
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    } finally {
      store.close();
    }
    const raw = new Database(dbFile(), { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal'); // persistent in the file
      expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(raw.pragma('page_size', { simple: true })).toBe(16384); // a new database's pages
      const tables = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
      expect(tables).toEqual(['bans', 'bans_staged', 'failures', 'fleet_outbox', 'fleet_state', 'history', 'history_staged', 'mail_queue', 'positions', 'trusted']);
    } finally {
      raw.close();
    }
  });

  it('keeps the page size of a database made before 16 KiB pages', () => {
    mkdirSync(path.join(tmp.dir, 'state'), { recursive: true });
    const old = new Database(dbFile());
    old.pragma('journal_mode = WAL');
    old.close();
    const store = SqliteStore.open(path.join(tmp.dir, 'state'));
    try {
      store.putBan(ban('192.0.2.1'));
      const db = Reflect.get(store, 'db') as Database.Database;
      expect(db.pragma('page_size', { simple: true })).toBe(4096);
      expect(store.activeBans()).toEqual([ban('192.0.2.1')]);
    } finally {
      store.close();
    }
  });

  it('refuses a database written by a newer schema, naming the file', () => {
    const state = path.join(tmp.dir, 'state');
    SqliteStore.open(state).close();
    const raw = new Database(dbFile());
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    const error = catchStoreError(() => SqliteStore.open(state));
    expect(error.file).toBe(dbFile());
    expect(error.message).toBe(
      `${dbFile()}: schema version ${SCHEMA_VERSION + 1} is newer than this portcullis supports (${SCHEMA_VERSION}); ` +
        'upgrade portcullis, or move the file away to start with an empty state',
    );
  });

  it('names the database file when it is not a database', () => {
    const state = path.join(tmp.dir, 'state');
    tmp.write(path.join('state', DATABASE_FILE), 'this is not an SQLite file, just text that is long enough '.repeat(20));
    const error = catchStoreError(() => SqliteStore.open(state));
    expect(error.message).toMatch(new RegExp(`^${escape(dbFile())}: cannot open the state database: .*not a database`));
  });

  it('names the database file when the state folder cannot be made', () => {
    const blocker = tmp.write('file-not-folder', 'x');
    const error = catchStoreError(() => SqliteStore.open(path.join(blocker, 'state')));
    expect(error.file).toBe(path.join(blocker, 'state', DATABASE_FILE));
    expect(error.message).toContain('cannot open the state database');
  });

  it('names the database file and the operation when a write fails', () => {
    const store = SqliteStore.open(path.join(tmp.dir, 'state'));
    store.close();
    const error = catchStoreError(() => store.putBan(ban('192.0.2.1')));
    expect(error.message).toMatch(new RegExp(`^${escape(dbFile())}: cannot record the ban of 192\\.0\\.2\\.1: `));
  });

  it('leaves a ban and its history together when the history write fails', () => {
    const store = SqliteStore.open(path.join(tmp.dir, 'state'));
    try {
      // A NaN duration reaches the NOT NULL column as NULL, so the second statement of putBan fails.
      const broken = ban('192.0.2.1', { bannedAt: T0, expiresAt: Number.NaN });
      expect(() => store.putBan(broken)).toThrow(StoreError);
      expect(store.activeBans()).toEqual([]);
      expect(store.history('192.0.2.1', 0)).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('keeps a reason that is not JSON as one line', () => {
    const state = path.join(tmp.dir, 'state');
    const first = SqliteStore.open(state);
    first.putBan(ban('192.0.2.1'));
    first.close();
    const raw = new Database(dbFile());
    raw.prepare("UPDATE bans SET reason = 'edited by hand'").run();
    raw.close();
    const store = SqliteStore.open(state);
    try {
      expect(store.activeBans()[0]?.reason).toEqual(['edited by hand']);
    } finally {
      store.close();
    }
  });
});

function catchStoreError(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StoreError) return err;
    throw new Error(`expected a StoreError, got ${String(err)}`);
  }
  throw new Error('expected a StoreError, but nothing was thrown');
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe.each([
  ['MemoryStore', (): BanStore => new MemoryStore()],
  ['SqliteStore', (dir: string): BanStore => SqliteStore.open(dir)],
] as const)('%s removeBans', (_name, open) => {
  it('removes many bans in one call and counts only those that were there', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'portcullis-store-batch-'));
    const store = open(dir);
    try {
      const bans = ['198.18.1.1', '198.18.1.2', '2001:db8::3'].map((ip) => ({
        ip, jail: 'sshd', bannedAt: 1000, expiresAt: 2000, count: 1, reason: ['x'],
      }));
      for (const ban of bans) store.putBan(ban);
      expect(store.removeBans(['198.18.1.1', '2001:db8::3', '198.18.9.9'])).toBe(2);
      expect(store.activeBans().map((b) => b.ip)).toEqual(['198.18.1.2']);
      expect(store.history('198.18.1.1', 0)).toHaveLength(1);
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
