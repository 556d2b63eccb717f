import { closeSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE, SqliteStore, StoreError } from '../../src/engine/store.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

describe('a state database that is damaged or held by another process', () => {
  let tmp: TempDir;
  beforeEach(() => {
    tmp = makeTempDir('portcullis-store-damage-');
  });
  afterEach(() => tmp.remove());

  function storeWithBans(n: number): string {
    const store = SqliteStore.open(tmp.dir);
    const now = Date.now();
    store.putBans(Array.from({ length: n }, (_, i) => ({
      ip: `198.18.${i >> 8}.${i & 255}`, jail: 'sshd', bannedAt: now, expiresAt: now + 3_600_000, count: 1,
      reason: [`line ${i} `.repeat(20)],
    })));
    store.close();
    return path.join(tmp.dir, DATABASE_FILE);
  }

  it('refuses to open a file whose inner pages are broken, naming it, instead of starting with bans missing', () => {
    const file = storeWithBans(2000);
    const page = Number(new Database(file, { readonly: true }).pragma('page_size', { simple: true }));
    const fd = openSync(file, 'r+');
    try {
      // Garbage over the headers of pages 3 to 10 (their type and cell pointers): the file's
      // header and the schema page stay readable, so SQLite opens it without a word.
      const junk = Buffer.alloc(64, 0xa5);
      for (let p = 2; p < 10; p++) writeSync(fd, junk, 0, junk.length, p * page);
    } finally {
      closeSync(fd);
    }
    let error: unknown;
    try {
      SqliteStore.open(tmp.dir).close();
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*damaged`));
  });

  it('refuses, naming the file, when another process holds the database locked', () => {
    const file = storeWithBans(10);
    const other = new Database(file);
    other.exec('BEGIN EXCLUSIVE');
    try {
      let error: unknown;
      try {
        SqliteStore.open(tmp.dir, { busyTimeoutMs: 200 }).close();
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(StoreError);
      expect((error as Error).message).toContain(file);
      expect((error as Error).message).toMatch(/locked/);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  });
});
