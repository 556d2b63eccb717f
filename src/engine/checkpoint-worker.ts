/**
 * The state database's checkpointer thread (see checkpointer.ts): its own connection, copying the
 * write-ahead log into the database a moment after the engine's commits, on the other core.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { CheckpointerSetup } from './checkpointer.js';

const setup = workerData as CheckpointerSetup & { port: MessagePort };
const closed = new Int32Array(setup.closed);
const db = new Database(setup.file, { timeout: setup.busyTimeoutMs });
db.pragma(`busy_timeout = ${setup.busyTimeoutMs}`);
db.pragma(`synchronous = ${setup.synchronous}`);
// This connection writes nothing: it must not checkpoint on a commit of its own either.
db.pragma('wal_autocheckpoint = 0');
let timer: NodeJS.Timeout | null = null;

function checkpoint(): void {
  timer = null;
  try {
    // PASSIVE: copies what no reader still needs, never waits for a writer or blocks one.
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Left to the next commit's turn, and to the engine connection's own backstop.
  }
}

setup.port.on('message', (message: 'commit' | 'close') => {
  if (message === 'commit') {
    // A flood's commits come every few ms: one checkpoint a while after, for all of them.
    timer ??= setTimeout(checkpoint, setup.delayMs);
    return;
  }
  if (timer) clearTimeout(timer);
  db.close();
  setup.port.close();
  Atomics.store(closed, 0, 1);
  Atomics.notify(closed, 0);
});
