/**
 * The state database's checkpointer thread (see checkpointer.ts): its own connection, copying the
 * write-ahead log into the database a moment after the engine's commits, on the other core.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { CLOSED_SLOT, PENDING_SLOT, type CheckpointerSetup } from './checkpointer.js';

const setup = workerData as CheckpointerSetup & { port: MessagePort };
const control = new Int32Array(setup.control);
const db = new Database(setup.file, { timeout: setup.busyTimeoutMs });
db.pragma(`synchronous = ${setup.synchronous}`);
// This connection writes nothing: it must not checkpoint on a commit of its own either.
db.pragma('wal_autocheckpoint = 0');
let timer: NodeJS.Timeout | null = null;

function checkpoint(): void {
  timer = null;
  // Commits from here on are not in this checkpoint for sure: the next one sends word again.
  Atomics.store(control, PENDING_SLOT, 0);
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
  Atomics.store(control, CLOSED_SLOT, 1);
  Atomics.notify(control, CLOSED_SLOT);
});
