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
 */
export class FleetStore {
  private readonly db: Database.Database;
  private readonly s;

  /** `synchronous`: FULL (the default) syncs every queued entry to disk; NORMAL is for the benchmark. */
  constructor(stateDir: string, synchronous: 'FULL' | 'NORMAL' = 'FULL') {
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
    this.db.transaction(() => ids.forEach((id) => this.s.remove.run(id)))();
  }

  get size(): number {
    return this.s.count.get()!.n;
  }

  /** The id of the last stream entry read (`stream` names the stream: another one starts over). */
  lastId(stream: string): string | undefined {
    return this.s.get.get(`last-id:${stream}`)?.value;
  }

  saveLastId(stream: string, id: string): void {
    this.s.put.run(`last-id:${stream}`, id);
  }

  close(): void {
    this.db.close();
  }
}
