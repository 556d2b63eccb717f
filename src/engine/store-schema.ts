import type Database from 'better-sqlite3';
import { StoreError } from './store-error.js';

/** One step of the schema; `up` moves it from `version - 1` to `version`. */
interface Migration {
  version: number;
  up(db: Database.Database): void;
}

/**
 * The schema's history. Append a migration (never edit one that shipped) to add a column or a
 * table: a database is moved forward one step at a time, each step in its own transaction.
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    up(db) {
      db.exec(`
        CREATE TABLE bans (
          ip TEXT PRIMARY KEY,
          jail TEXT NOT NULL,
          banned_at INTEGER NOT NULL,
          expires_at INTEGER,
          count INTEGER NOT NULL,
          reason TEXT NOT NULL
        );
        CREATE TABLE history (
          ip TEXT NOT NULL,
          jail TEXT NOT NULL,
          banned_at INTEGER NOT NULL,
          duration INTEGER NOT NULL
        );
        CREATE INDEX history_ip_banned_at ON history (ip, banned_at);
        CREATE TABLE trusted (
          "range" TEXT PRIMARY KEY,
          added_at INTEGER NOT NULL,
          note TEXT NOT NULL
        );
        CREATE TABLE positions (
          source TEXT PRIMARY KEY,
          inode INTEGER NOT NULL,
          offset INTEGER NOT NULL,
          first_line_hash TEXT NOT NULL,
          cursor TEXT
        );
      `);
    },
  },
  {
    // Failures still being counted, so a restart resumes the counts with the read positions
    // (both written in the same transaction); and e-mail not yet accepted by the server: messages
    // (kind 'mail') and ban notices still in a digest window (kind 'notice', the ban as JSON).
    version: 2,
    up(db) {
      db.exec(`
        CREATE TABLE failures (
          jail TEXT NOT NULL,
          ip TEXT NOT NULL,
          time INTEGER NOT NULL,
          line TEXT NOT NULL
        );
        CREATE INDEX failures_jail_ip ON failures (jail, ip);
        CREATE INDEX failures_jail_time ON failures (jail, time);
        CREATE TABLE mail_queue (
          id INTEGER PRIMARY KEY,
          kind TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          subject TEXT NOT NULL,
          text TEXT NOT NULL,
          bans INTEGER NOT NULL
        );
      `);
    },
  },
  {
    // The fleet: a ban's origin (the node that sent it; NULL for one made here), the bans and
    // unbans not yet published to the fleet's stream, and where reading the stream stopped.
    version: 3,
    up(db) {
      db.exec(`
        ALTER TABLE bans ADD COLUMN origin TEXT;
        CREATE TABLE fleet_outbox (
          id INTEGER PRIMARY KEY,
          created_at INTEGER NOT NULL,
          fields TEXT NOT NULL
        );
        CREATE TABLE fleet_state (
          key TEXT PRIMARY KEY,
          value TEXT NOT NULL
        );
      `);
    },
  },
  {
    // Bans and history rows of a flood, written in batches without indexes and merged into the
    // indexed tables in large sorted steps (see WriteBehind).
    version: 4,
    up(db) {
      db.exec(`
        CREATE TABLE bans_staged (
          ip TEXT NOT NULL,
          jail TEXT NOT NULL,
          banned_at INTEGER NOT NULL,
          expires_at INTEGER,
          count INTEGER NOT NULL,
          reason TEXT NOT NULL,
          origin TEXT
        );
        CREATE TABLE history_staged (
          ip TEXT NOT NULL,
          jail TEXT NOT NULL,
          banned_at INTEGER NOT NULL,
          duration INTEGER NOT NULL
        );
      `);
    },
  },
];

/** The schema version this code writes (SQLite's `user_version`). */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the database to `SCHEMA_VERSION`. Refuses a database written by a newer portcullis rather
 * than guess what its extra columns mean.
 */
export function migrate(db: Database.Database, file: string): void {
  const version = (): number => db.pragma('user_version', { simple: true }) as number;
  const refuseNewer = (found: number): never => {
    throw new StoreError(
      file,
      `schema version ${found} is newer than this portcullis supports (${SCHEMA_VERSION}); ` +
        'upgrade portcullis, or move the file away to start with an empty state',
    );
  };
  const found = version();
  if (found > SCHEMA_VERSION) refuseNewer(found);
  if (found === SCHEMA_VERSION) return;
  for (const migration of MIGRATIONS) {
    // IMMEDIATE takes the write lock first, so two processes opening a new file cannot both migrate.
    const step = db.transaction(() => {
      const current = version();
      if (current > SCHEMA_VERSION) refuseNewer(current);
      if (current >= migration.version) return;
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    });
    step.immediate();
  }
}

