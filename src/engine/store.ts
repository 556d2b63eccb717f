import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { BanListing, BanRecord, BanStore, BanSummary, HistoryEntry, SourcePosition, StoredFailure, StoredMail, StoredNotice, StoredTrusted } from './types.js';
import { prepareQueueStatements } from './store-tables.js';
import { MERGE_ROWS, WriteBehind } from './store-write-behind.js';
import { HistoryIndex } from './store-history-index.js';
import { errorMessage } from './error-message.js';
import { StoreError } from './store-error.js';
import { BACKSTOP_PAGES, Checkpointer } from './checkpointer.js';
import { migrate } from './store-schema.js';

export { StoreError } from './store-error.js';
export { SCHEMA_VERSION, migrate } from './store-schema.js';

/** The database file inside the state folder. */
export const DATABASE_FILE = 'portcullis.db';

/** Options of `SqliteStore.open`. */
export interface StoreOptions {
  /**
   * `FULL` (the default) syncs the WAL on every commit, so a ban that was reported as made also
   * survives a power cut. `NORMAL` only survives a crash of the process; it is here to measure
   * what FULL costs, not for the daemon.
   */
  synchronous?: 'FULL' | 'NORMAL';
  /** How long a write waits for another connection's lock, in ms. */
  busyTimeoutMs?: number;
  /** Checkpoints on a thread of its own (the daemon's engine): see Checkpointer. */
  checkpointThread?: boolean;
  /** How long after a commit the thread checkpoints (ms; tests hold it back). */
  checkpointDelayMs?: number;
}

/** How long after a commit the checkpointer thread checkpoints (ms). */
const CHECKPOINT_DELAY_MS = 50;

/**
 * Refuses a damaged database rather than start with part of the bans missing: SQLite opens a file
 * whose inner pages are broken and only fails when one of them is read, perhaps in the middle of
 * a restore. `quick_check` reads every page once: about 55 ms at each open with 100,000 bans and
 * their history on this 2-core machine.
 */
function refuseDamaged(db: Database.Database, file: string): void {
  const rows = db.pragma('quick_check(5)') as Array<{ quick_check: string }>;
  const problems = rows.map((r) => r.quick_check.replace(/\s*\n\s*/g, ' ')).filter((r) => r !== 'ok');
  if (problems.length === 0) return;
  throw new StoreError(
    file,
    `the state database is damaged (${problems.join('; ')}); nothing was started. Move the file away ` +
      '(its bans are then lost) or put back a copy, then start again',
  );
}

/** The history row a ban appends: its duration in seconds, -1 for a permanent ban. */
export function historyEntryOf(ban: BanSummary): HistoryEntry {
  const duration = ban.expiresAt === null ? -1 : Math.max(0, Math.round((ban.expiresAt - ban.bannedAt) / 1000));
  return { ip: ban.ip, jail: ban.jail, bannedAt: ban.bannedAt, duration };
}

interface BanRow {
  ip: string;
  jail: string;
  banned_at: number;
  expires_at: number | null;
  count: number;
  reason: string;
  origin: string | null;
}

interface PositionRow {
  source: string;
  inode: number;
  offset: number;
  first_line_hash: string;
  cursor: string | null;
}

/** A reason column that is not a JSON list of strings (edited by hand, say) is kept as one line. */
function parseReason(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value)) return value.every((line) => typeof line === 'string') ? value : value.map(String);
  } catch {
    // fall through
  }
  return [text];
}

/** Jail and node names as read back, one string each: a million bans name a few jails. */
const names = new Map<string, string>();

function shared(name: string): string {
  const known = names.get(name);
  if (known !== undefined) return known;
  if (names.size < 1000) names.set(name, name);
  return name;
}

/** A ban row without its reason, as the raw columns `ip, jail, banned_at, expires_at, count, origin`. */
type SummaryRow = [string, string, number, number | null, number, string | null];
type PagedSummaryRow = [...SummaryRow, number];

function summaryOf(row: SummaryRow | PagedSummaryRow): BanSummary {
  const origin = row[5];
  const ban: BanSummary = { ip: row[0], jail: shared(row[1]), bannedAt: row[2], expiresAt: row[3], count: row[4] };
  if (origin !== null) ban.origin = shared(origin);
  return ban;
}

function banOf(row: BanRow): BanRecord {
  return {
    ip: row.ip,
    jail: shared(row.jail),
    bannedAt: row.banned_at,
    expiresAt: row.expires_at,
    count: row.count,
    reason: parseReason(row.reason),
    ...(row.origin !== null ? { origin: shared(row.origin) } : {}),
  };
}

/** Makes the file (and the WAL and shared-memory files next to it, if any) readable by its owner only. */
function restrictMode(file: string): void {
  const fd = openSync(file, 'a', 0o600);
  closeSync(fd);
  for (const name of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(name) && (statSync(name).mode & 0o777) !== 0o600) chmodSync(name, 0o600);
  }
}

/** Every statement the store runs, prepared once when it opens. */
function prepareStatements(db: Database.Database) {
  return {
    activeBans: db.prepare<[], BanRow>(
      'SELECT ip, jail, banned_at, expires_at, count, reason, origin FROM bans ORDER BY ip',
    ),
    // Raw rows (no object with named columns made for each of a million), in the table's own
    // order: sorted by address, the scan would fetch each row through the index, page by page at
    // random: 9 s of CPU for 1,000,000 bans instead of 1.2 s.
    banSummaries: db.prepare<[], SummaryRow>('SELECT ip, jail, banned_at, expires_at, count, origin FROM bans').raw(true),
    jailSummaries: db.prepare<[string], SummaryRow>('SELECT ip, jail, banned_at, expires_at, count, origin FROM bans WHERE jail = ?').raw(true),
    // By rowid, the table's own order: each page starts where the last one ended, at once.
    summaryPage: db
      .prepare<[number, number], PagedSummaryRow>('SELECT ip, jail, banned_at, expires_at, count, origin, rowid FROM bans WHERE rowid > ? ORDER BY rowid LIMIT ?')
      .raw(true),
    reason: db.prepare<[string], { reason: string }>('SELECT reason FROM bans WHERE ip = ?'),
    // A ban given without reason lines keeps the stored ones (none for a new row).
    rewriteBan: db.prepare(
      `INSERT INTO bans (ip, jail, banned_at, expires_at, count, reason, origin)
       VALUES (@ip, @jail, @bannedAt, @expiresAt, @count, COALESCE(@reason, '[]'), @origin)
       ON CONFLICT (ip) DO UPDATE SET jail = excluded.jail, banned_at = excluded.banned_at,
         expires_at = excluded.expires_at, count = excluded.count, reason = COALESCE(@reason, bans.reason), origin = excluded.origin`,
    ),
    upsertBan: db.prepare(
      `INSERT INTO bans (ip, jail, banned_at, expires_at, count, reason, origin)
       VALUES (@ip, @jail, @bannedAt, @expiresAt, @count, @reason, @origin)
       ON CONFLICT (ip) DO UPDATE SET jail = excluded.jail, banned_at = excluded.banned_at,
         expires_at = excluded.expires_at, count = excluded.count, reason = excluded.reason, origin = excluded.origin`,
    ),
    appendHistory: db.prepare(
      'INSERT INTO history (ip, jail, banned_at, duration) VALUES (@ip, @jail, @bannedAt, @duration)',
    ),
    deleteBan: db.prepare<[string], BanRow>(
      'DELETE FROM bans WHERE ip = ? RETURNING ip, jail, banned_at, expires_at, count, reason, origin',
    ),
    deleteAllBans: db.prepare('DELETE FROM bans'),
    appendMissingHistory: db.prepare(
      `INSERT INTO history (ip, jail, banned_at, duration) SELECT @ip, @jail, @bannedAt, @duration
       WHERE NOT EXISTS (SELECT 1 FROM history WHERE ip = @ip AND jail = @jail AND banned_at = @bannedAt)`,
    ),
    history: db.prepare<[string, number], HistoryEntry>(
      `SELECT ip, jail, banned_at AS bannedAt, duration FROM history
       WHERE ip = ? AND banned_at >= ? ORDER BY banned_at, rowid`,
    ),
    historyOfJail: db.prepare<[string, number, string], HistoryEntry>(
      `SELECT ip, jail, banned_at AS bannedAt, duration FROM history
       WHERE ip = ? AND banned_at >= ? AND jail = ? ORDER BY banned_at, rowid`,
    ),
    pruneHistory: db.prepare('DELETE FROM history WHERE banned_at < ?'),
    trusted: db.prepare<[], StoredTrusted>(
      'SELECT "range", added_at AS addedAt, note FROM trusted ORDER BY "range"',
    ),
    upsertTrusted: db.prepare(
      `INSERT INTO trusted ("range", added_at, note) VALUES (?, ?, ?)
       ON CONFLICT ("range") DO UPDATE SET added_at = excluded.added_at, note = excluded.note`,
    ),
    deleteTrusted: db.prepare('DELETE FROM trusted WHERE "range" = ?'),
    position: db.prepare<[string], PositionRow>(
      'SELECT source, inode, offset, first_line_hash, cursor FROM positions WHERE source = ?',
    ),
    upsertPosition: db.prepare(
      `INSERT INTO positions (source, inode, offset, first_line_hash, cursor)
       VALUES (@source, @inode, @offset, @firstLineHash, @cursor)
       ON CONFLICT (source) DO UPDATE SET inode = excluded.inode, offset = excluded.offset,
         first_line_hash = excluded.first_line_hash, cursor = excluded.cursor`,
    ),
  };
}

/**
 * The engine's state in SQLite (`<stateDir>/portcullis.db`), in WAL mode with `synchronous = FULL`:
 * a write that returned is on disk. Open it with `SqliteStore.open`.
 */
export class SqliteStore implements BanStore {
  private readonly statements: ReturnType<typeof prepareStatements>;
  private readonly queues: ReturnType<typeof prepareQueueStatements>;
  private readonly writeBan: (ban: BanRecord) => void;
  private readonly writeBans: (bans: readonly BanRecord[]) => void;
  private readonly rewriteBans: (bans: readonly BanListing[]) => void;
  /** Bans and failures written inside a batch, held until it ends or they are read. */
  private readonly held: WriteBehind;
  /** Batches open (a nested one is a savepoint). */
  private depth = 0;
  /** The merge set for the next turn of the event loop, if any (see mergeSoon). */
  private merging: NodeJS.Immediate | null = null;
  /** Which addresses have history rows: most bans in a flood are of addresses with none. */
  private readonly historyIndex: HistoryIndex;

  private constructor(
    private readonly db: Database.Database,
    /** The database file's path. */
    readonly file: string,
    private readonly checkpointer: Checkpointer | null,
  ) {
    const s = prepareStatements(db);
    this.statements = s;
    this.queues = prepareQueueStatements(db);
    this.historyIndex = new HistoryIndex(db);
    const entryOf = (ban: BanSummary): HistoryEntry => this.historyRow(ban);
    this.held = new WriteBehind(db, entryOf);
    // A ban sent by another fleet node is no history here: it must not escalate local bans.
    const putOne = (ban: BanRecord): void => {
      s.upsertBan.run({ ...ban, reason: JSON.stringify(ban.reason), origin: ban.origin ?? null });
      if (ban.origin === undefined) s.appendHistory.run(entryOf(ban));
    };
    this.writeBan = db.transaction(putOne);
    this.writeBans = db.transaction((bans: readonly BanRecord[]) => bans.forEach(putOne));
    this.rewriteBans = db.transaction((bans: readonly BanListing[]) => {
      // Rows of bans no longer held go; the others are rewritten in place, so a ban given without
      // its lines keeps them.
      db.exec('CREATE TEMP TABLE IF NOT EXISTS kept_bans (ip TEXT PRIMARY KEY) WITHOUT ROWID; DELETE FROM kept_bans');
      const keep = db.prepare('INSERT OR IGNORE INTO kept_bans (ip) VALUES (?)');
      for (const ban of bans) keep.run(ban.ip);
      db.exec('DELETE FROM bans WHERE ip NOT IN (SELECT ip FROM kept_bans); DELETE FROM kept_bans');
      for (const ban of bans) {
        const reason = ban.reason === undefined ? null : JSON.stringify(ban.reason);
        s.rewriteBan.run({ ip: ban.ip, jail: ban.jail, bannedAt: ban.bannedAt, expiresAt: ban.expiresAt, count: ban.count, reason, origin: ban.origin ?? null });
        if (ban.origin === undefined) s.appendMissingHistory.run(entryOf(ban));
      }
    });
  }

  /** Opens (creating the folder and the file if needed) and migrates `<stateDir>/portcullis.db`. */
  static open(stateDir: string, options: StoreOptions = {}): SqliteStore {
    const file = path.resolve(stateDir, DATABASE_FILE);
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    const synchronous = options.synchronous ?? 'FULL';
    let db: Database.Database | undefined;
    try {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      restrictMode(file);
      db = new Database(file, { timeout: busyTimeoutMs });
      db.pragma(`busy_timeout = ${busyTimeoutMs}`);
      // A new database gets 16 KiB pages (an existing one keeps its own): a flood's addresses land
      // all over the indexes, so each transaction writes about one page per ban to the WAL, and
      // bigger pages hold more of them (100,000 bans: 20% less CPU than 4 KiB pages; 64 KiB gains
      // little more and makes every small commit write four times as much).
      db.pragma('page_size = 16384');
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') throw new Error(`cannot switch to WAL mode (the journal mode stays ${String(mode)})`);
      db.pragma(`synchronous = ${synchronous}`);
      refuseDamaged(db, file);
      // Another process holding the write lock makes this wait busy_timeout and fail: refused now,
      // not at the first ban.
      db.exec('BEGIN IMMEDIATE; COMMIT');
      migrate(db, file);
      let checkpointer: Checkpointer | null = null;
      if (options.checkpointThread) {
        db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
        checkpointer = new Checkpointer({ file, busyTimeoutMs, synchronous, delayMs: options.checkpointDelayMs ?? CHECKPOINT_DELAY_MS });
      }
      return new SqliteStore(db, file, checkpointer);
    } catch (err) {
      db?.close();
      if (err instanceof StoreError) throw err;
      throw new StoreError(file, `cannot open the state database: ${errorMessage(err)}`, { cause: err });
    }
  }

  activeBans(): BanRecord[] {
    this.writeHeld();
    // Row by row: a million rows read all at once would be held twice, as rows and as bans.
    return this.guard('read the bans', () => {
      const bans: BanRecord[] = [];
      for (const row of this.statements.activeBans.iterate()) bans.push(banOf(row));
      return bans;
    });
  }

  eachBanSummary(visit: (ban: BanSummary) => void): void {
    this.writeHeld();
    this.guard('read the bans', () => {
      for (const row of this.statements.banSummaries.iterate()) visit(summaryOf(row));
    });
  }

  eachBanSummaryOf(jail: string, visit: (ban: BanSummary) => void): void {
    this.writeHeld();
    this.guard(`read the bans of ${jail}`, () => {
      for (const row of this.statements.jailSummaries.iterate(jail)) visit(summaryOf(row));
    });
  }

  banSummaryPage(from: number, limit: number, visit: (ban: BanSummary) => void): number | null {
    this.writeHeld();
    return this.guard('read the bans', () => {
      let last = from;
      let read = 0;
      for (const row of this.statements.summaryPage.iterate(from, limit)) {
        last = row[6];
        read++;
        visit(summaryOf(row));
      }
      return read < limit ? null : last;
    });
  }

  reasonOf(ip: string): string[] | undefined {
    if (this.held.holdsBan(ip)) this.writeHeld();
    return this.guard(`read the reason of the ban of ${ip}`, () => {
      const row = this.statements.reason.get(ip);
      return row && parseReason(row.reason);
    });
  }

  putBan(ban: BanRecord): void {
    if (this.depth > 0) {
      this.held.putBan(ban);
      if (this.held.bansFull) this.guard(this.held.describe(), () => this.held.stageHeldBans());
      return;
    }
    // Written straight into the table: an older staged row must not be merged over it.
    if (this.held.holdsBan(ban.ip)) this.writeHeld();
    this.guard(`record the ban of ${ban.ip}`, () => this.writeBan(ban));
  }

  addHistory(ban: BanRecord): void {
    if (this.held.holdsBan(ban.ip)) this.writeHeld();
    this.guard(`record the history of ${ban.ip}`, () => this.statements.appendHistory.run(this.historyRow(ban)));
  }

  /** Records many bans (each as `putBan` would) in one transaction: one sync for the lot. */
  putBans(bans: readonly BanRecord[]): void {
    if (bans.length === 0) return;
    this.writeHeld();
    this.guard(`record ${bans.length} bans`, () => this.writeBans(bans));
  }

  removeBan(ip: string): BanRecord | undefined {
    this.writeHeldOf([ip]);
    return this.guard(`remove the ban of ${ip}`, () => {
      // One statement, so reading the row and deleting it cannot be split by another writer.
      const row = this.statements.deleteBan.get(ip);
      return row && banOf(row);
    });
  }

  batch<T>(work: () => T): T {
    // Bans and failures written inside are held and go in together before the transaction ends;
    // a nested batch is a savepoint, so what the outer one held is written before it starts.
    this.flushHeld();
    this.depth++;
    try {
      return this.db.transaction(() => {
        const result = work();
        this.flushHeld();
        return result;
      })();
    } catch (err) {
      this.held.discard();
      throw err;
    } finally {
      this.depth--;
      if (this.depth === 0) this.checkpointer?.committed();
      this.mergeSoon();
    }
  }

  removeBans(ips: readonly string[]): number {
    if (ips.length === 0) return 0;
    this.writeHeldOf(ips);
    return this.guard(`remove ${ips.length} bans`, () =>
      this.db.transaction(() => ips.reduce((n, ip) => n + (this.statements.deleteBan.get(ip) ? 1 : 0), 0))(),
    );
  }

  replaceAllBans(bans: readonly BanListing[]): void {
    this.writeHeld();
    this.guard(`save ${bans.length} bans`, () => this.rewriteBans(bans));
  }

  removeAllBans(): number {
    this.writeHeld();
    return this.guard('remove all bans', () => this.statements.deleteAllBans.run().changes);
  }

  history(ip: string, since: number, jail?: string): HistoryEntry[] {
    if (this.held.holdsBan(ip)) this.writeHeld();
    return this.guard(`read the history of ${ip}`, () => {
      if (!this.historyIndex.mayHave(ip)) return [];
      return jail === undefined ? this.statements.history.all(ip, since) : this.statements.historyOfJail.all(ip, since, jail);
    });
  }

  /** Forgets history entries of bans made before `before` (epoch ms); returns how many. */
  pruneHistory(before: number): number {
    this.writeHeld();
    return this.guard('prune the history', () => this.statements.pruneHistory.run(before).changes);
  }

  trustedRanges(): StoredTrusted[] {
    return this.guard('read the trusted ranges', () => this.statements.trusted.all());
  }

  addTrusted(range: string, note: string, at: number): void {
    this.guard(`add the trusted range ${range}`, () => this.statements.upsertTrusted.run(range, at, note));
  }

  removeTrusted(range: string): boolean {
    return this.guard(`remove the trusted range ${range}`, () => this.statements.deleteTrusted.run(range).changes > 0);
  }

  position(source: string): SourcePosition | undefined {
    return this.guard(`read the position of ${source}`, () => {
      const row = this.statements.position.get(source);
      if (!row) return undefined;
      const position: SourcePosition = {
        source: row.source,
        inode: row.inode,
        offset: row.offset,
        firstLineHash: row.first_line_hash,
      };
      if (row.cursor !== null) position.cursor = row.cursor;
      return position;
    });
  }

  savePosition(position: SourcePosition): void {
    this.guard(`save the position of ${position.source}`, () =>
      this.statements.upsertPosition.run({ ...position, cursor: position.cursor ?? null }),
    );
  }

  addFailure(failure: StoredFailure): void {
    if (this.depth > 0) return this.held.addFailure(failure);
    this.guard(`record a failure of ${failure.ip}`, () => this.queues.addFailure.run(failure));
  }

  clearFailures(jail: string, ips: readonly string[]): void {
    if (ips.length === 0) return;
    if (this.depth > 0) return this.held.clearFailures(jail, ips);
    this.guard(`forget the failures of ${ips.length === 1 ? ips[0] : `${ips.length} addresses`}`, () => this.queues.clearMany(jail, ips));
  }

  // Failures are never staged: the held writes are enough (no merge in a jail's periodic prune).
  failures(jail: string, since: number): StoredFailure[] {
    this.flushHeld();
    return this.guard(`read the failures of ${jail}`, () => this.queues.failures.all(jail, since));
  }

  pruneFailures(jail: string, before: number): number {
    this.flushHeld();
    return this.guard(`prune the failures of ${jail}`, () => this.queues.pruneFailures.run(jail, before).changes);
  }

  replaceFailures(jail: string, failures: readonly StoredFailure[]): void {
    this.flushHeld();
    this.guard(`save the failures of ${jail}`, () => this.queues.replaceJail(jail, failures));
  }

  enqueueMail(mail: Omit<StoredMail, 'id'>): number {
    return this.guard('queue an e-mail', () => Number(this.queues.enqueueMail.run(mail).lastInsertRowid));
  }

  queuedMail(): StoredMail[] {
    return this.guard('read the e-mail queue', () => this.queues.queuedMail.all());
  }

  removeMail(id: number): void {
    this.guard('remove a sent e-mail', () => this.queues.removeMail.run(id));
  }

  addNotice(createdAt: number, json: string): number {
    return this.guard('queue a ban notice', () => Number(this.queues.addNotice.run(createdAt, json).lastInsertRowid));
  }

  queuedNotices(): StoredNotice[] {
    return this.guard('read the queued ban notices', () => this.queues.queuedNotices.all());
  }

  mailFromNotices(ids: readonly number[], mail: Omit<StoredMail, 'id'>): number {
    return this.guard('queue an e-mail', () => this.queues.mailFromNotices(ids, mail));
  }

  /** Closes the database (checkpointing the WAL into it); calling it again does nothing. */
  close(): void {
    if (!this.db.open) return;
    if (this.merging !== null) clearImmediate(this.merging);
    this.merging = null;
    this.checkpointer?.close();
    try {
      this.mergeStaged();
    } catch {
      // The staged rows stay in their tables, merged before the next read.
    }
    this.guard('close', () => this.db.close());
  }

  /** A ban's history row. Every row this store writes is made here, so the history index hears of each. */
  private historyRow(ban: BanSummary): HistoryEntry {
    this.historyIndex.add(ban.ip);
    return historyEntryOf(ban);
  }

  /** Writes the bans and failures held in this batch and merges the staged bans (before anything reads or rewrites them). */
  private writeHeld(): void {
    this.flushHeld();
    this.mergeStaged();
  }

  /**
   * Before rows of `ips` are removed: the held writes, and a merge only when one of them is
   * staged (bans expiring during a flood do not merge the flood's staged bans each time).
   */
  private writeHeldOf(ips: readonly string[]): void {
    if (ips.some((ip) => this.held.holdsBan(ip))) this.writeHeld();
    else this.flushHeld();
  }

  private flushHeld(): void {
    if (!this.held.empty) this.guard(this.held.describe(), () => this.held.flush());
  }

  /**
   * Once MERGE_ROWS bans are staged, merges them on the next turn of the event loop, in a
   * transaction of its own: after the batch's bans have gone to the firewall (its commands start
   * on the microtasks that follow the batch), so a merge (620-660 ms for 65,535 staged over a
   * million in place) does not hold up the ban that made the count.
   */
  private mergeSoon(): void {
    if (this.depth > 0 || this.merging !== null || this.held.stagedRows < MERGE_ROWS) return;
    this.merging = setImmediate(() => {
      this.merging = null;
      if (!this.db.open) return;
      try {
        this.mergeStaged();
      } catch {
        // Left staged, merged at the next read or batch (that read reports the error).
      }
    });
  }

  private mergeStaged(): void {
    this.guard('merge the staged bans', () => this.held.merge());
  }

  /** Runs one operation, turning a failure into a StoreError that names the file. */
  private guard<T>(what: string, operation: () => T): T {
    try {
      const result = operation();
      // Outside a batch a statement commits on its own (a read commits nothing: a checkpoint then finds nothing to copy).
      if (this.depth === 0) this.checkpointer?.committed();
      return result;
    } catch (err) {
      throw new StoreError(this.file, `cannot ${what}: ${errorMessage(err)}`, { cause: err });
    }
  }
}
