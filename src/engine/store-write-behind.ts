import type Database from 'better-sqlite3';
import type { BanRecord, HistoryEntry, StoredFailure } from './types.js';

/** Rows per multi-row statement (SQLite takes up to 32,766 parameters). */
const ROWS = 64;

const BAN_COLUMNS = 'ip, jail, banned_at, expires_at, count, reason, origin';
const HISTORY_COLUMNS = 'ip, jail, banned_at, duration';

/**
 * What moves the staged rows into the indexed tables: in address order (the indexes walked once,
 * page after page), each address's rows in the order they were written, so a later ban of an
 * address replaces its row as the upsert one by one would have.
 */
const MERGE_BANS = `INSERT INTO bans (${BAN_COLUMNS}) SELECT ${BAN_COLUMNS} FROM bans_staged WHERE true ORDER BY ip, rowid
  ON CONFLICT (ip) DO UPDATE SET jail = excluded.jail, banned_at = excluded.banned_at,
    expires_at = excluded.expires_at, count = excluded.count, reason = excluded.reason, origin = excluded.origin`;
const MERGE_HISTORY = `INSERT INTO history (${HISTORY_COLUMNS}) SELECT ${HISTORY_COLUMNS} FROM history_staged ORDER BY ip, rowid`;

/** Staged ban rows that make the store merge them, on the turn after the batch that brought them. */
export const MERGE_ROWS = 65_536;

/** `?, ?, ?`: `n` parameters. */
function marks(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}

/** `(?, ?), (?, ?)`: `rows` groups of `columns` parameters. */
function placeholders(rows: number, columns: number): string {
  return Array.from({ length: rows }, () => `(${marks(columns)})`).join(', ');
}

/** One statement per number of rows, each prepared when first needed. */
class SizedStatements {
  private readonly bySize = new Map<number, Database.Statement>();

  constructor(
    private readonly db: Database.Database,
    private readonly sql: (rows: number) => string,
  ) {}

  /** Runs the statement over `items`, ROWS at a time; `head` comes before each chunk's parameters. */
  run<T>(items: readonly T[], params: (item: T, into: unknown[]) => void, head: unknown[] = []): void {
    for (let i = 0; i < items.length; i += ROWS) {
      const end = Math.min(items.length, i + ROWS);
      const values: unknown[] = [...head];
      for (let j = i; j < end; j++) params(items[j]!, values);
      this.statement(end - i).run(values);
    }
  }

  private statement(rows: number): Database.Statement {
    let statement = this.bySize.get(rows);
    if (!statement) {
      statement = this.db.prepare(this.sql(rows));
      this.bySize.set(rows, statement);
    }
    return statement;
  }
}

/**
 * The writes of one transaction that come by the thousand in a flood (a failure counted, the
 * failures of a banned address forgotten, a ban recorded), held until the transaction ends or
 * something reads what they touch (ban rows: until a statement's worth is held), then written
 * with multi-row statements: a few statements for a read of a log instead of several per line.
 * A failure counted and forgotten in the same transaction is never written.
 *
 * Bans and their history rows are written to two staging tables without indexes, so a commit
 * writes the pages at their end and no more. Written straight into the indexed tables, a flood's
 * addresses landed all over the indexes, and each commit rewrote most of their pages: with a
 * million bans in place, nearly all of them at every batch. The staged rows are merged into the
 * indexed tables in one sorted step (`merge`) when MERGE_ROWS of them wait, and before anything
 * reads or rewrites what they touch. After a merge the rows are exactly those the writes one by
 * one would have left.
 */
export class WriteBehind {
  private failures: StoredFailure[] = [];
  /** Per `jail\0ip` forgotten in this transaction: how many queued failures came before (those are dropped). */
  private cleared = new Map<string, number>();
  private clearedByJail = new Map<string, Set<string>>();
  /** Ban rows (their column values, taken when the ban was put) and the history rows they add. */
  private bans: unknown[][] = [];
  private history: HistoryEntry[] = [];
  private banIps = new Set<string>();
  /**
   * Addresses with staged rows (those a process that died left too), and how many rows: more
   * than addresses when bans in force are extended (no history read, so no merge, comes between).
   * A rolled-back transaction's rows stay counted (an address then merges for nothing: the merge
   * reads the tables, not these).
   */
  private stagedIps = new Set<string>();
  private staged = 0;
  private readonly mergeAll: () => void;
  private readonly insertFailures: SizedStatements;
  private readonly deleteFailures: SizedStatements;
  private readonly stageBans: SizedStatements;
  private readonly stageHistory: SizedStatements;
  private readonly anyStaged: Database.Statement<[], number>;

  constructor(
    db: Database.Database,
    private readonly historyEntryOf: (ban: BanRecord) => HistoryEntry,
  ) {
    const mergeBans = db.prepare(MERGE_BANS);
    const mergeHistory = db.prepare(MERGE_HISTORY);
    const clear = [db.prepare('DELETE FROM bans_staged'), db.prepare('DELETE FROM history_staged')];
    this.mergeAll = db.transaction(() => {
      for (const statement of [mergeBans, mergeHistory, ...clear]) statement.run();
    });
    this.insertFailures = new SizedStatements(db, (n) => `INSERT INTO failures (jail, ip, time, line) VALUES ${placeholders(n, 4)}`);
    // One jail per statement: the jail is the first parameter, then the addresses.
    this.deleteFailures = new SizedStatements(db, (n) => `DELETE FROM failures WHERE jail = ? AND ip IN (${marks(n)})`);
    this.stageBans = new SizedStatements(db, (n) => `INSERT INTO bans_staged (${BAN_COLUMNS}) VALUES ${placeholders(n, 7)}`);
    this.stageHistory = new SizedStatements(db, (n) => `INSERT INTO history_staged (${HISTORY_COLUMNS}) VALUES ${placeholders(n, 4)}`);
    this.anyStaged = db.prepare<[], number>('SELECT EXISTS (SELECT 1 FROM bans_staged) OR EXISTS (SELECT 1 FROM history_staged)').pluck();
    // Rows a process that died left staged are this one's to merge before they are read or removed.
    for (const ip of db.prepare<[], string>('SELECT ip FROM bans_staged').pluck().iterate()) {
      this.stagedIps.add(ip);
      this.staged++;
    }
  }

  get empty(): boolean {
    return this.failures.length === 0 && this.cleared.size === 0 && this.bans.length === 0;
  }

  addFailure(failure: StoredFailure): void {
    this.failures.push(failure);
  }

  clearFailures(jail: string, ips: readonly string[]): void {
    let ofJail = this.clearedByJail.get(jail);
    if (!ofJail) this.clearedByJail.set(jail, (ofJail = new Set()));
    for (const ip of ips) {
      this.cleared.set(`${jail}\0${ip}`, this.failures.length);
      ofJail.add(ip);
    }
  }

  putBan(ban: BanRecord): void {
    this.bans.push([ban.ip, ban.jail, ban.bannedAt, ban.expiresAt, ban.count, JSON.stringify(ban.reason), ban.origin ?? null]);
    // A ban sent by another fleet node is no history here: it must not escalate local bans.
    if (ban.origin === undefined) this.history.push(this.historyEntryOf(ban));
    this.banIps.add(ban.ip);
  }

  /**
   * Whether a statement's worth of ban rows is held: the store then stages them at once, in its
   * transaction. Held to the end of a flood's batch (a few thousand bans, each row with its
   * reason as JSON), they outlived several young-generation collections and were copied to the
   * old generation, to die there.
   */
  get bansFull(): boolean {
    return this.bans.length >= ROWS;
  }

  /** Stages the held bans and their history rows (in the caller's transaction), in the order they were made. */
  stageHeldBans(): void {
    const { bans, history, banIps } = this;
    this.bans = [];
    this.history = [];
    this.banIps = new Set();
    this.stageBans.run(bans, (row, into) => into.push(...row));
    this.stageHistory.run(history, (h, into) => into.push(h.ip, h.jail, h.bannedAt, h.duration));
    for (const ip of banIps) this.stagedIps.add(ip);
    this.staged += bans.length;
  }

  /** What is held, for an error: "record 3 bans and 700 failures". */
  describe(): string {
    const cleared = this.cleared.size > 0 ? `, forget the failures of ${this.cleared.size} addresses` : '';
    return `record ${this.bans.length} bans and ${this.failures.length} failures${cleared}`;
  }

  /** Whether a ban of `ip` is held or staged (it must be merged before its rows are read or rewritten). */
  holdsBan(ip: string): boolean {
    return this.banIps.has(ip) || this.stagedIps.has(ip);
  }

  /** Staged ban rows not yet merged. */
  get stagedRows(): number {
    return this.staged;
  }

  /**
   * Merges the staged rows, if any: another connection's too (a view reading the daemon's state
   * merges them before it reads).
   */
  merge(): void {
    if (this.anyStaged.get() === 1) this.mergeAll();
    // Only once merged: should the merge fail, the addresses still make their reads merge first.
    this.stagedIps = new Set();
    this.staged = 0;
  }

  /**
   * Writes what is held, in an order that leaves the same rows: the forgotten failures are
   * deleted before the failures counted after them are inserted; bans and their history staged in
   * the order they were made.
   */
  flush(): void {
    if (this.empty) return;
    const { failures, cleared, clearedByJail } = this;
    this.stageHeldBans();
    this.discard();
    for (const [jail, ips] of clearedByJail) this.deleteFailures.run([...ips], (ip, into) => into.push(ip), [jail]);
    const kept = cleared.size === 0 ? failures : failures.filter((f, i) => i >= (cleared.get(`${f.jail}\0${f.ip}`) ?? 0));
    this.insertFailures.run(kept, (f, into) => into.push(f.jail, f.ip, f.time, f.line));
  }

  /** Forgets what is held (its transaction was rolled back). */
  discard(): void {
    this.failures = [];
    this.cleared = new Map();
    this.clearedByJail = new Map();
    this.bans = [];
    this.history = [];
    this.banIps = new Set();
  }
}
