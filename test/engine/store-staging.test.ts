import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/engine/memory-store.js';
import { DATABASE_FILE, SqliteStore } from '../../src/engine/store.js';
import { MERGE_ROWS } from '../../src/engine/store-write-behind.js';
import type { BanRecord, BanStore } from '../../src/engine/types.js';
import { makeTempDir, type TempDir } from './helpers.js';
import { random } from '../helpers/random.js';

const T0 = Date.UTC(2025, 0, 1);
const IPS = ['198.18.0.1', '198.18.0.2', '198.18.0.3', '2001:db8::1', '2001:db8::2', '198.18.0.0/24'];


function ban(ip: string, i: number, extra: Partial<BanRecord> = {}): BanRecord {
  return { ip, jail: i % 2 ? 'sshd' : 'postfix', bannedAt: T0 + i, expiresAt: i % 5 === 0 ? null : T0 + 60_000 + i, count: 1 + (i % 3), reason: [`line ${i}`], ...extra };
}

/** The n-th (below 131,072) of distinct IPv4 and IPv6 test addresses, in no order an index likes. */
function spread(n: number): string {
  const k = Math.imul(n, 40503) & 0x1ffff;
  return n % 2 ? `198.${18 + (k >> 16)}.${(k >> 8) & 255}.${k & 255}` : `2001:db8::${k.toString(16)}`;
}

function contents(store: BanStore) {
  return { bans: store.activeBans(), history: IPS.map((ip) => store.history(ip, 0)), reasons: IPS.map((ip) => store.reasonOf(ip)) };
}

let tmp: TempDir;
let dir: string;
let store: SqliteStore;
beforeEach(() => {
  tmp = makeTempDir('portcullis-staging-');
  dir = path.join(tmp.dir, 'state');
  store = SqliteStore.open(dir);
});
afterEach(() => {
  store.close();
  tmp.remove();
});

/** Rows in one table, read by a connection of its own. */
function rowsIn(table: string): number {
  const raw = new Database(path.join(dir, DATABASE_FILE), { readonly: true });
  try {
    return raw.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  } finally {
    raw.close();
  }
}

describe('bans staged between batches', () => {
  it('make a batch commit write the end of the staging tables, not the pages of the indexes', () => {
    // 20,000 bans in the indexed tables (a read merges them), the WAL emptied, then 2,000 more.
    store.batch(() => {
      for (let i = 0; i < 20_000; i++) store.putBan(ban(spread(i), i));
    });
    expect(store.activeBans()).toHaveLength(20_000);
    const wal = path.join(dir, `${DATABASE_FILE}-wal`);
    const raw = new Database(path.join(dir, DATABASE_FILE));
    raw.pragma('wal_checkpoint(TRUNCATE)');
    raw.close();
    expect(statSync(wal).size).toBe(0);
    store.batch(() => {
      for (let i = 20_000; i < 22_000; i++) store.putBan(ban(spread(i), i));
    });
    // Each frame is a 16 KiB page and its header. Written into the indexes, the 2,000 addresses
    // touched nearly every page of both (82 frames); staged, the two tables' new end pages (14).
    const frames = statSync(wal).size / (16384 + 24);
    expect(frames).toBeLessThan(30);
    expect(store.activeBans()).toHaveLength(22_000);
  });

  it('read back as writes one by one, whatever reads, rewrites and removals come between', () => {
    const memory = new MemoryStore();
    const next = random(11);
    for (let round = 0; round < 60; round++) {
      const ops: Array<(s: BanStore) => unknown> = [];
      const inBatch = next(3) > 0;
      for (let k = 0; k < 1 + next(12); k++) {
        const i = round * 100 + k;
        const ip = IPS[next(IPS.length)]!;
        const pick = next(20);
        if (pick < 12) ops.push((s) => s.putBan(ban(ip, i, { bannedAt: T0 + round })));
        else if (pick < 13) ops.push((s) => s.putBan(ban(ip, i, { origin: 'node-b' })));
        else if (pick < 14) ops.push((s) => s.addHistory(ban(ip, i)));
        else if (pick < 15) ops.push((s) => s.removeBan(ip));
        else if (pick < 16) ops.push((s) => s.removeBans([ip, IPS[(i + 1) % IPS.length]!]));
        else if (pick < 17) ops.push((s) => s.history(ip, 0));
        else if (pick < 18) ops.push((s) => s.reasonOf(ip));
        else ops.push((s) => s.pruneHistory(T0 + round - 20));
      }
      const seen = { memory: [] as unknown[], sqlite: [] as unknown[] };
      const run = (s: BanStore, into: unknown[]) => (inBatch ? s.batch(() => ops.forEach((op) => into.push(op(s)))) : ops.forEach((op) => into.push(op(s))));
      run(memory, seen.memory);
      run(store, seen.sqlite);
      expect(seen.sqlite).toEqual(seen.memory);
      // Now and then a whole read; in between, staged rows pile up over several batches.
      if (round % 7 === 6) expect(contents(store)).toEqual(contents(memory));
    }
    expect(contents(store)).toEqual(contents(memory));
  });

  it('are merged on the turn after a batch brings MERGE_ROWS, and when the store closes; failures alone never merge them', async () => {
    store.batch(() => {
      for (let i = 0; i < 10; i++) store.putBan(ban(spread(i), i));
    });
    expect([rowsIn('bans_staged'), rowsIn('history_staged'), rowsIn('bans')]).toEqual([10, 10, 0]);
    // A jail's failures read, pruned and saved: no ban row is touched, nothing is merged.
    store.batch(() => {
      store.addFailure({ jail: 'sshd', ip: '198.18.9.9', time: T0, line: 'failed' });
      store.pruneFailures('sshd', T0 - 1);
      expect(store.failures('sshd', 0)).toHaveLength(1);
      store.replaceFailures('sshd', []);
    });
    expect(rowsIn('bans_staged')).toBe(10);
    store.batch(() => {
      for (let i = 10; i < MERGE_ROWS; i++) store.putBan(ban(spread(i), i));
    });
    // The batch returns first (its bans go to the firewall); the merge comes on the next turn.
    expect(rowsIn('bans_staged')).toBe(MERGE_ROWS);
    await new Promise((resolve) => setImmediate(resolve));
    expect([rowsIn('bans_staged'), rowsIn('history_staged'), rowsIn('bans'), rowsIn('history')]).toEqual([0, 0, MERGE_ROWS, MERGE_ROWS]);
    store.batch(() => store.putBan(ban('198.18.0.1', 1)));
    expect(rowsIn('bans_staged')).toBe(1);
    // Rows, not addresses, count: bans in force extended again and again read no history, so
    // nothing else would merge them.
    store.batch(() => {
      for (let i = 0; i < MERGE_ROWS; i++) store.putBan(ban(i % 2 ? '198.18.0.1' : '198.18.0.2', i));
    });
    expect(rowsIn('bans_staged')).toBe(MERGE_ROWS + 1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(rowsIn('bans_staged')).toBe(0);
    store.batch(() => store.putBan(ban('198.18.0.1', 1)));
    store.close();
    expect([rowsIn('bans_staged'), rowsIn('bans')]).toEqual([0, MERGE_ROWS + 2]);
  });

  it('go to the staging table a statement at a time while a batch runs, not all at its end', () => {
    // The store's own connection sees its transaction's rows; held to the end, a flood's ban
    // rows outlived their young generation.
    const db = (store as unknown as { db: Database.Database }).db;
    const staged = db.prepare('SELECT (SELECT count(*) FROM bans_staged), (SELECT count(*) FROM history_staged)').raw();
    const seen: unknown[][] = [];
    store.batch(() => {
      for (let i = 0; i < 1000; i++) {
        store.putBan(ban(spread(i), i));
        if (i % 100 === 99) seen.push(staged.get() as unknown[]);
      }
    });
    // Never more than a statement's worth (64 rows) held; the rest goes in as the batch ends.
    for (const [k, [bans, history]] of seen.entries()) {
      expect(bans).toBeGreaterThan((k + 1) * 100 - 64);
      expect(history).toBe(bans);
    }
    expect([rowsIn('bans_staged'), rowsIn('history_staged')]).toEqual([1000, 1000]);
    expect(store.activeBans().map((b) => b.ip).sort()).toEqual(Array.from({ length: 1000 }, (_, i) => spread(i)).sort());
  });

  it('are read by another connection, and by this one when that one has written meanwhile', () => {
    store.batch(() => store.putBan(ban('198.18.0.1', 1)));
    const other = SqliteStore.open(dir);
    try {
      expect(other.activeBans().map((b) => b.ip)).toEqual(['198.18.0.1']);
      // The other connection merged them: this one's history index starts again from the table.
      other.batch(() => other.putBan(ban('198.18.0.2', 2)));
      store.batch(() => store.putBan(ban('198.18.0.3', 3)));
      other.addTrusted('198.18.1.0/24', 'a commit of its own', T0);
      // The index is rebuilt from the table (no 198.18.0.2 or .3 in it yet) on this read...
      expect(store.history('2001:db8::9', 0)).toEqual([]);
      // ...and still finds the rows staged when it was rebuilt.
      expect(store.history('198.18.0.3', 0)).toHaveLength(1);
      expect(store.history('198.18.0.2', 0)).toHaveLength(1);
    } finally {
      other.close();
    }
  });

  it('survive a process killed before they were merged', () => {
    const module = fileURLToPath(new URL('../../src/engine/store.ts', import.meta.url));
    const code = `
      import { SqliteStore } from ${JSON.stringify(module)};
      const store = SqliteStore.open(${JSON.stringify(dir)});
      store.batch(() => {
        for (let i = 0; i < 500; i++) store.putBan({ ip: '198.19.1.' + (i % 250), jail: 'sshd', bannedAt: ${T0} + i, expiresAt: null, count: 1, reason: ['line ' + i] });
      });
      process.kill(process.pid, 'SIGKILL');
    `;
    store.close();
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' });
    expect(child.signal).toBe('SIGKILL');
    expect(rowsIn('bans_staged')).toBe(500);
    store = SqliteStore.open(dir);
    // Removed before anything was read: the staged rows are merged first, not merged back after.
    expect(store.removeBan('198.19.1.9')?.bannedAt).toBe(T0 + 259);
    const bans = store.activeBans();
    // 250 addresses each banned twice: the later ban of each is the one kept.
    expect(bans).toHaveLength(249);
    expect(bans.every((b) => b.reason[0] === `line ${b.bannedAt - T0}` && b.bannedAt - T0 >= 250)).toBe(true);
    expect(store.history('198.19.1.7', 0).map((h) => h.bannedAt - T0)).toEqual([7, 257]);
  });
});
