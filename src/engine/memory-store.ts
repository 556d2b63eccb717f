import { historyEntryOf } from './store.js';
import type { BanListing, BanRecord, BanStore, BanSummary, HistoryEntry, SourcePosition, StoredFailure, StoredMail, StoredNotice, StoredTrusted } from './types.js';

const copyBan = (ban: BanRecord): BanRecord => ({ ...ban, reason: [...ban.reason] });

const byKey =
  <T>(key: (item: T) => string) =>
  (a: T, b: T): number => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };

/**
 * The store in memory, behaving like `SqliteStore` (same orders, copies in and out), for unit tests
 * of the parts above it. Nothing survives `close`.
 */
export class MemoryStore implements BanStore {
  private readonly bans = new Map<string, BanRecord>();
  private historyEntries: HistoryEntry[] = [];
  private readonly trusted = new Map<string, StoredTrusted>();
  private readonly positions = new Map<string, SourcePosition>();
  private failureRows: StoredFailure[] = [];
  private readonly mail = new Map<number, StoredMail>();
  private readonly notices = new Map<number, StoredNotice>();
  private mailId = 0;

  /** Bans in force, in the order of their addresses as strings (as SqliteStore returns them). */
  activeBans(): BanRecord[] {
    return [...this.bans.values()].map(copyBan).sort(byKey((ban) => ban.ip));
  }

  eachBanSummary(visit: (ban: BanSummary) => void): void {
    for (const { reason: _, ...ban } of [...this.bans.values()]) visit(ban);
  }

  eachBanSummaryOf(jail: string, visit: (ban: BanSummary) => void): void {
    this.eachBanSummary((ban) => ban.jail === jail && visit(ban));
  }

  banSummaryPage(from: number, limit: number, visit: (ban: BanSummary) => void): number | null {
    const page = [...this.bans.values()].slice(from, from + limit);
    for (const { reason: _, ...ban } of page) visit(ban);
    return page.length < limit ? null : from + limit;
  }

  reasonOf(ip: string): string[] | undefined {
    const ban = this.bans.get(ip);
    return ban && [...ban.reason];
  }

  putBan(ban: BanRecord): void {
    this.bans.set(ban.ip, copyBan(ban));
    if (ban.origin === undefined) this.historyEntries.push(historyEntryOf(ban));
  }

  addHistory(ban: BanRecord): void {
    this.historyEntries.push(historyEntryOf(ban));
  }

  /** Records many bans, each as `putBan` would. */
  putBans(bans: readonly BanRecord[]): void {
    for (const ban of bans) this.putBan(ban);
  }

  removeBan(ip: string): BanRecord | undefined {
    const ban = this.bans.get(ip);
    this.bans.delete(ip);
    return ban;
  }

  batch<T>(work: () => T): T {
    return work();
  }

  removeBans(ips: readonly string[]): number {
    let removed = 0;
    for (const ip of ips) if (this.bans.delete(ip)) removed++;
    return removed;
  }

  replaceAllBans(bans: readonly BanListing[]): void {
    const before = new Map(this.bans);
    this.bans.clear();
    for (const ban of bans) {
      this.bans.set(ban.ip, { ...ban, reason: [...(ban.reason ?? before.get(ban.ip)?.reason ?? [])] });
      const entry = historyEntryOf(ban);
      const known = this.historyEntries.some((h) => h.ip === entry.ip && h.jail === entry.jail && h.bannedAt === entry.bannedAt);
      if (!known) this.historyEntries.push(entry);
    }
  }

  removeAllBans(): number {
    const count = this.bans.size;
    this.bans.clear();
    return count;
  }

  history(ip: string, since: number, jail?: string): HistoryEntry[] {
    return this.historyEntries
      .filter((entry) => entry.ip === ip && entry.bannedAt >= since && (jail === undefined || entry.jail === jail))
      .map((entry) => ({ ...entry }))
      .sort((a, b) => a.bannedAt - b.bannedAt); // stable: equal times stay in the order they were made
  }

  /** Forgets history entries of bans made before `before` (epoch ms); returns how many. */
  pruneHistory(before: number): number {
    const kept = this.historyEntries.filter((entry) => entry.bannedAt >= before);
    const pruned = this.historyEntries.length - kept.length;
    this.historyEntries = kept;
    return pruned;
  }

  trustedRanges(): StoredTrusted[] {
    return [...this.trusted.values()].map((entry) => ({ ...entry })).sort(byKey((entry) => entry.range));
  }

  addTrusted(range: string, note: string, at: number): void {
    this.trusted.set(range, { range, addedAt: at, note });
  }

  removeTrusted(range: string): boolean {
    return this.trusted.delete(range);
  }

  position(source: string): SourcePosition | undefined {
    const position = this.positions.get(source);
    return position && { ...position };
  }

  savePosition(position: SourcePosition): void {
    const copy: SourcePosition = { ...position };
    if (copy.cursor === undefined) delete copy.cursor;
    this.positions.set(position.source, copy);
  }

  addFailure(failure: StoredFailure): void {
    this.failureRows.push({ ...failure });
  }

  clearFailures(jail: string, ips: readonly string[]): void {
    const gone = new Set(ips);
    this.failureRows = this.failureRows.filter((f) => f.jail !== jail || !gone.has(f.ip));
  }

  failures(jail: string, since: number): StoredFailure[] {
    return this.failureRows.filter((f) => f.jail === jail && f.time > since).map((f) => ({ ...f })).sort((a, b) => a.time - b.time);
  }

  pruneFailures(jail: string, before: number): number {
    const kept = this.failureRows.filter((f) => f.jail !== jail || f.time > before);
    const pruned = this.failureRows.length - kept.length;
    this.failureRows = kept;
    return pruned;
  }

  replaceFailures(jail: string, failures: readonly StoredFailure[]): void {
    this.failureRows = [...this.failureRows.filter((f) => f.jail !== jail), ...failures.map((f) => ({ ...f }))];
  }

  enqueueMail(mail: Omit<StoredMail, 'id'>): number {
    const id = ++this.mailId;
    this.mail.set(id, { ...mail, id });
    return id;
  }

  queuedMail(): StoredMail[] {
    return [...this.mail.values()].map((m) => ({ ...m }));
  }

  removeMail(id: number): void {
    this.mail.delete(id);
    this.notices.delete(id);
  }

  addNotice(createdAt: number, json: string): number {
    const id = ++this.mailId;
    this.notices.set(id, { id, createdAt, json });
    return id;
  }

  queuedNotices(): StoredNotice[] {
    return [...this.notices.values()].map((n) => ({ ...n }));
  }

  mailFromNotices(ids: readonly number[], mail: Omit<StoredMail, 'id'>): number {
    for (const id of ids) this.notices.delete(id);
    return this.enqueueMail(mail);
  }

  close(): void {
    // Nothing to release; the state is dropped with the object.
  }
}
