import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE, SqliteStore } from '../../src/engine/store.js';
import { makeTempDir, type TempDir } from './helpers.js';
import { waitFor } from '../helpers/wait.js';

const T0 = Date.UTC(2025, 0, 1);
/** A failure line of about 1 KiB: 20 batches of 1,000 write about 1,300 pages of 16 KiB to the log. */
const LINE = `Failed password for root from 198.18.0.1 port 22 ssh2 ${'x'.repeat(1000)}`;

let tmp: TempDir;
let dir: string;
let file: string;
beforeEach(() => {
  tmp = makeTempDir('portcullis-checkpoint-');
  dir = path.join(tmp.dir, 'state');
  file = path.join(dir, DATABASE_FILE);
});
afterEach(() => tmp.remove());

/** Writes `batches` batches of 1,000 failures (each with its read position), as the engine's reads do; `first` numbers them on. */
function writeBatches(store: SqliteStore, batches: number, first = 0): void {
  for (let b = first; b < first + batches; b++) {
    store.batch(() => {
      for (let i = 0; i < 1000; i++) store.addFailure({ jail: 'sshd', ip: `198.18.${b}.${i % 250}`, time: T0 + b * 1000 + i, line: LINE });
      store.savePosition({ source: '/var/log/auth.log', inode: 1, offset: (b + 1) * 1_000_000, firstLineHash: 'h' });
    });
  }
}

describe('the checkpointer thread', () => {
  it('leaves the checkpoints to the thread: no commit of the engine copies the log into the file', () => {
    // The thread held back, so only the engine's own commits could have copied anything.
    const store = SqliteStore.open(dir, { checkpointThread: true, checkpointDelayMs: 600_000 });
    try {
      const before = statSync(file).size;
      // Past SQLite's own threshold (1,000 pages), where the commit that crossed it copied the
      // log into the file before it returned.
      writeBatches(store, 20);
      expect(statSync(`${file}-wal`).size).toBeGreaterThan(1000 * 16384);
      expect(statSync(file).size).toBe(before);
      expect(store.failures('sshd', 0)).toHaveLength(20_000);
    } finally {
      store.close();
    }
  });

  it('copies the log into the database a moment after the commits, each time they come', async () => {
    const store = SqliteStore.open(dir, { checkpointThread: true });
    try {
      const before = statSync(file).size;
      writeBatches(store, 20);
      await waitFor(() => statSync(file).size > before + 1000 * 16384, 'the checkpointer thread to copy the log into the file', 20_000);
      // The engine tells the thread once per checkpoint: commits after one must bring the next.
      const after = statSync(file).size;
      writeBatches(store, 20, 20);
      await waitFor(() => statSync(file).size > after + 1000 * 16384, 'a second checkpoint after more commits', 20_000);
    } finally {
      store.close();
    }
  });

  it('is closed with the store, which then removes the log', () => {
    const store = SqliteStore.open(dir, { checkpointThread: true });
    writeBatches(store, 2);
    store.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
    const again = SqliteStore.open(dir);
    try {
      expect(again.failures('sshd', 0)).toHaveLength(2000);
      expect(again.position('/var/log/auth.log')?.offset).toBe(2_000_000);
    } finally {
      again.close();
    }
  });

  it('without it, the engine connection checkpoints inside its commits as SQLite does by default', () => {
    const store = SqliteStore.open(dir);
    try {
      const before = statSync(file).size;
      writeBatches(store, 20);
      expect(statSync(file).size).toBeGreaterThan(before);
    } finally {
      store.close();
    }
  });
});
