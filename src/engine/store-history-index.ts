import type Database from 'better-sqlite3';
import { AddressFilter } from './address-filter.js';

/** History rows read per call while the filter is being built. */
const CHUNK_ROWS = 4096;

/**
 * Which addresses the history table may hold, so a new attacker's ban (nearly every ban in a
 * flood) skips the history read: with a million rows that read left SQLite's cache for the disk
 * cache at every ban (10 of 93 CPU seconds loading a million bans).
 *
 * The filter is built from the rows as they are asked about, CHUNK_ROWS per question (a restart
 * pays only for the rows still staged); until every row is in, every address "may" have history.
 * Rows this store writes are added as they are written. A commit by another connection (SQLite's
 * `data_version` changes) starts the filter again from the tables, so it never says no for an
 * address with a row, staged or merged.
 */
export class HistoryIndex {
  private filter = new AddressFilter();
  /** The last rowid read into the filter. */
  private cursor = 0;
  private complete = false;
  private version: number;
  private readonly rows: Database.Statement<[number, number], [number, string]>;
  private readonly dataVersion: Database.Statement<[], number>;
  private readonly staged: Database.Statement<[], string>;

  constructor(db: Database.Database) {
    this.rows = db.prepare<[number, number], [number, string]>('SELECT rowid, ip FROM history WHERE rowid > ? ORDER BY rowid LIMIT ?').raw();
    this.dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
    this.staged = db.prepare<[], string>('SELECT ip FROM history_staged').pluck();
    this.version = this.dataVersion.get()!;
    this.restart();
  }

  /** A history row for `ip` is being written by this store. */
  add(ip: string): void {
    this.filter.add(ip);
  }

  /**
   * Forgets what was read: the filter is built again from the table, after the addresses of the
   * staged rows (up to MERGE_ROWS, read at once: a merge moves them into the table at rowids the
   * filter may already have passed).
   */
  private restart(): void {
    this.filter = new AddressFilter();
    this.cursor = 0;
    this.complete = false;
    for (const ip of this.staged.iterate()) this.filter.add(ip);
  }

  /** False only when no history row holds `ip`. */
  mayHave(ip: string): boolean {
    const version = this.dataVersion.get()!;
    if (version !== this.version) {
      this.version = version;
      this.restart();
    }
    if (!this.complete) this.readChunk();
    return !this.complete || this.filter.mayHave(ip);
  }

  private readChunk(): void {
    let read = 0;
    for (const [rowid, ip] of this.rows.iterate(this.cursor, CHUNK_ROWS)) {
      this.filter.add(ip);
      this.cursor = rowid;
      read++;
    }
    if (read < CHUNK_ROWS) this.complete = true;
  }
}
