import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/engine/memory-store.js';
import { SqliteStore, StoreError } from '../../src/engine/store.js';
import type { BanRecord, BanStore } from '../../src/engine/types.js';
import { makeTempDir, type TempDir } from './helpers.js';
import { random } from '../helpers/random.js';

const T0 = Date.UTC(2025, 0, 1);
const JAILS = ['sshd', 'postfix'];
const IPS = ['198.18.0.1', '198.18.0.2', '198.18.0.3', '2001:db8::1', '2001:db8::2', '198.18.0.0/24'];


function ban(ip: string, i: number, extra: Partial<BanRecord> = {}): BanRecord {
  return { ip, jail: JAILS[i % 2]!, bannedAt: T0 + i, expiresAt: i % 5 === 0 ? null : T0 + 60_000 + i, count: 1 + (i % 3), reason: [`line ${i}`, `line ${i + 1}`], ...extra };
}

/** Everything the batched writes touch, as a store reads it back. */
function contents(store: BanStore) {
  return {
    bans: store.activeBans(),
    history: IPS.map((ip) => store.history(ip, 0)),
    failures: JAILS.map((jail) => store.failures(jail, 0)),
  };
}

let tmp: TempDir;
let sqlite: SqliteStore;
beforeEach(() => {
  tmp = makeTempDir('portcullis-write-behind-');
  sqlite = SqliteStore.open(path.join(tmp.dir, 'state'));
});
afterEach(() => {
  sqlite.close();
  tmp.remove();
});

describe('bans and failures written inside a batch', () => {
  it('leave the same rows as writes one by one, whatever the order of counts, forgets and bans', () => {
    const memory = new MemoryStore();
    const next = random(7);
    for (let round = 0; round < 40; round++) {
      const ops: Array<(store: BanStore) => unknown> = [];
      for (let k = 0; k < 1 + next(60); k++) {
        const i = round * 100 + k;
        const ip = IPS[next(IPS.length)]!;
        const jail = JAILS[next(2)]!;
        const pick = next(10);
        const time = T0 + next(1000);
        if (pick < 5) ops.push((s) => s.addFailure({ jail, ip, time, line: `failed ${ip} ${i}` }));
        else if (pick < 7) ops.push((s) => s.clearFailures(jail, [ip, IPS[(i + 1) % IPS.length]!]));
        else if (pick < 9) ops.push((s) => s.putBan(ban(ip, i)));
        // A read inside the batch sees what the batch wrote so far.
        else ops.push((s) => s.history(ip, 0));
      }
      // The same random choices for both stores: draw them once, then run them on each.
      const seen = { memory: [] as unknown[], sqlite: [] as unknown[] };
      memory.batch(() => ops.forEach((op) => seen.memory.push(op(memory))));
      sqlite.batch(() => ops.forEach((op) => seen.sqlite.push(op(sqlite))));
      expect(seen.sqlite).toEqual(seen.memory);
      expect(contents(sqlite)).toEqual(contents(memory));
    }
  });

  it('are written before a later read in the same batch, and kept in order for equal times', () => {
    sqlite.batch(() => {
      sqlite.putBan(ban('198.18.0.1', 1, { bannedAt: T0 }));
      sqlite.putBan(ban('198.18.0.1', 2, { bannedAt: T0 }));
      expect(sqlite.history('198.18.0.1', 0).map((h) => h.jail)).toEqual(['postfix', 'sshd']);
      sqlite.addFailure({ jail: 'sshd', ip: '198.18.0.2', time: T0, line: 'a' });
      expect(sqlite.failures('sshd', 0).map((f) => f.line)).toEqual(['a']);
      expect(sqlite.activeBans()).toHaveLength(1);
    });
  });

  it('are all dropped when the batch is rolled back', () => {
    expect(() =>
      sqlite.batch(() => {
        sqlite.putBan(ban('198.18.0.1', 1));
        sqlite.addFailure({ jail: 'sshd', ip: '198.18.0.2', time: T0, line: 'a' });
        throw new Error('stop');
      }),
    ).toThrow('stop');
    sqlite.batch(() => sqlite.putBan(ban('198.18.0.3', 3)));
    expect(contents(sqlite)).toEqual({ bans: [ban('198.18.0.3', 3)], history: [[], [], [expect.objectContaining({ ip: '198.18.0.3' })], [], [], []], failures: [[], []] });
  });

  it('fail the whole batch with an error naming the file when one of them cannot be written', () => {
    sqlite.putBan(ban('198.18.0.9', 9));
    let error: unknown;
    try {
      sqlite.batch(() => {
        sqlite.addFailure({ jail: 'sshd', ip: '198.18.0.2', time: T0, line: 'a' });
        // A NaN end reaches the history's NOT NULL duration as NULL: that statement fails.
        sqlite.putBan(ban('198.18.0.1', 1, { expiresAt: Number.NaN }));
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).file).toBe(sqlite.file);
    expect((error as Error).message).toContain('cannot record 1 bans and 1 failures');
    expect(sqlite.activeBans().map((b) => b.ip)).toEqual(['198.18.0.9']);
    expect(sqlite.failures('sshd', 0)).toEqual([]);
  });

  it('of an inner batch that fails are dropped while the outer batch goes on', () => {
    sqlite.batch(() => {
      sqlite.putBan(ban('198.18.0.1', 1));
      expect(() =>
        sqlite.batch(() => {
          sqlite.putBan(ban('198.18.0.2', 2));
          throw new Error('inner');
        }),
      ).toThrow('inner');
      sqlite.putBan(ban('198.18.0.3', 3));
    });
    expect(sqlite.activeBans().map((b) => b.ip)).toEqual(['198.18.0.1', '198.18.0.3']);
  });
});
