import path from 'node:path';
import Database from 'better-sqlite3';
import { DATABASE_FILE } from '../engine/store.js';

/** An entry waiting to be published: the stream fields, in order. */
export interface QueuedEntry {
  id: number;
  fields: string[];
}

/**
 * The fleet's tables in the state database (schema version 3, migrated when the engine's store
 * opened it): entries not yet published, oldest first, and the id of the last stream entry read.
 * Its own connection, so the engine's store stays as it is; WAL lets both write in turn.
 *
 * Only queuing waits for the disk. Forgetting published entries and storing the last id read do
 * not (synchronous NORMAL for those writes): after a power cut either at worst goes back a little,
 * so entries are published or read again, and applying an entry twice changes nothing. Those
 * syncs were most of what a node spent on the fleet (see bench/fleet-bench.ts).
 */
export class FleetStore {
  private readonly db: Database.Database;
  private readonly s;

  /** `synchronous`: FULL (the default) syncs every queued entry to disk; NORMAL is for the benchmark. */
  constructor(stateDir: string, private readonly synchronous: 'FULL' | 'NORMAL' = 'FULL') {
    this.db = new Database(path.resolve(stateDir, DATABASE_FILE), { timeout: 5000 });
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma(`synchronous = ${synchronous}`);
    const db = this.db;
    this.s = {
      enqueue: db.prepare<[number, string]>('INSERT INTO fleet_outbox (created_at, fields) VALUES (?, ?)'),
      queued: db.prepare<[number], { id: number; fields: string }>('SELECT id, fields FROM fleet_outbox ORDER BY id LIMIT ?'),
      remove: db.prepare<[number]>('DELETE FROM fleet_outbox WHERE id = ?'),
      count: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM fleet_outbox'),
      get: db.prepare<[string], { value: string }>('SELECT value FROM fleet_state WHERE key = ?'),
      put: db.prepare<[string, string]>(
        'INSERT INTO fleet_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
    };
  }

  /** Queues entries in one transaction (on disk before they are published: a Redis outage loses nothing). */
  enqueue(entries: readonly string[][], now: number): void {
    this.db.transaction(() => entries.forEach((fields) => this.s.enqueue.run(now, JSON.stringify(fields))))();
  }

  /** The oldest `limit` entries not yet published. */
  queued(limit: number): QueuedEntry[] {
    return this.s.queued.all(limit).map((row) => ({ id: row.id, fields: JSON.parse(row.fields) as string[] }));
  }

  /** Forgets published entries, in one transaction. */
  remove(ids: readonly number[]): void {
    if (ids.length === 0) return;
    this.withoutSync(() => this.db.transaction(() => ids.forEach((id) => this.s.remove.run(id)))());
  }

  get size(): number {
    return this.s.count.get()!.n;
  }

  /** The id of the last stream entry read (`stream` names the stream: another one starts over). */
  lastId(stream: string): string | undefined {
    return this.s.get.get(`last-id:${stream}`)?.value;
  }

  saveLastId(stream: string, id: string): void {
    this.withoutSync(() => this.s.put.run(`last-id:${stream}`, id));
  }

  /** Runs a write that need not wait for the disk (it reaches it with the next synced one). */
  private withoutSync(write: () => unknown): void {
    if (this.synchronous === 'NORMAL') {
      write();
      return;
    }
    // exec, not a prepared statement: SQLite applies this pragma when the text is compiled.
    this.db.exec('PRAGMA synchronous = NORMAL');
    try {
      write();
    } finally {
      this.db.exec('PRAGMA synchronous = FULL');
    }
  }

  close(): void {
    this.db.close();
  }
}
