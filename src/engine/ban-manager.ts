import type { Settings } from '../config/schema.js';
import { checkAddress, sshSession, type SshSession } from '../net/index.js';
import type { BanEntry, FirewallBackend } from '../firewall/types.js';
import type { Clock } from './clock.js';
import { banDuration, banEnd, endsLater, RECIDIVE_WINDOW, withRecidive } from './escalation.js';
import { ExpiryQueue, realTimers, type TimerFunctions } from './expiry-queue.js';
import type { BanRequest } from './fail-counter.js';
import { rangesOverlap } from '../net/index.js';
import type { TrustedSet } from './trusted.js';
import type { BanListing, BanRecord, BanStore, BanSummary, ListedBan } from './types.js';
import { BanTable, type BanOrder } from './ban-table.js';
import { errorMessage } from './error-message.js';
import { FirewallQueue } from './firewall-queue.js';
import { RestoreStream } from './restore-stream.js';
import { SubnetWatch } from './subnet-watch.js';
import { SUBNET_JAIL } from '../domain/index.js';

const DAY = 24 * 3600 * 1000;
const DONE = Promise.resolve();

/** How far back earlier bans count for escalation (ms). */
export const HISTORY_WINDOW = 30 * DAY;

/** Why a ban ended. */
export type UnbanReason = 'expired' | 'manual' | 'trusted' | 'all' | 'remote';

/** What the ban manager tells the engine (and from there the console, e-mail and the log). */
export type BanEvent =
  | { type: 'ban'; record: BanRecord; restored: false; extended: boolean } // extended: was banned already
  | { type: 'unban'; ip: string; jail: string; reason: UnbanReason }
  | { type: 'refused'; ip: string; jail: string; reason: string; range: string } // trusted, not banned
  | { type: 'overlap'; ip: string; jail: string; ranges: string[] } // a banned network holds trusted ranges, still let through
  | { type: 'restored'; count: number; dropped: number } // start-up; dropped: expired or now trusted
  | { type: 'resynced'; count: number; attempts: number } // the firewall holds the bans again after failing
  | { type: 'error'; message: string };

/** A ban by hand: how long (-1 permanent; default the jail's or the global bantime), in which jail (default "manual"), and why. */
export interface ManualBan {
  seconds?: number;
  jail?: string;
  note?: string;
}

/** What a BanManager works with; every part is an interface so tests pass fakes. */
export interface BanManagerDeps {
  store: BanStore;
  firewall: FirewallBackend;
  clock: Clock;
  trusted: TrustedSet;
  settings: () => Settings; // read at every ban, so a reload applies at once
  jailSettings?: (jail: string) => { bantime?: number } | undefined; // a jail's own bantime
  onEvent: (event: BanEvent) => void;
  timers?: TimerFunctions; // the expiry timer (real, unref'd setTimeout by default)
  retryDelay?: number; // overrides FIREWALL_RETRY_DELAY (tests)
  /**
   * Whether the store takes writes, where a failed write is reported, and how many faults began
   * so far (the engine's StateHealth): with it, a ban's reason lines are kept in memory until the
   * store is known to hold them, for the checkpoint after a fault.
   */
  storeHealth?: { readonly ok: boolean; readonly faults: number; fail(err: unknown): void };
  /** The operator's SSH sessions, never inside a subnet ban (default: this process's SSH_CONNECTION). */
  sessions?: () => readonly SshSession[];
}

/**
 * Decides and keeps bans: refuses trusted addresses, escalates repeat offenders, writes every
 * ban to the store before the firewall (so a crash in between loses nothing: the next start
 * restores it), and ends bans on time with one expiry timer. Firewall commands run one after
 * another, in call order, so an unban can never overtake the ban it undoes.
 */
export class BanManager {
  /** The bans in force, without their reason lines: the store has those. */
  private readonly bans = new BanTable();
  /**
   * Reason lines of bans the store may not hold yet: written in a transaction not yet committed,
   * or not written while the store fails. A checkpoint writes them; they go once it is known the
   * store has them.
   */
  private readonly unsaved = new Map<string, string[]>();
  private unsavedSweep = false;
  /** When each ban ends, by its row in the table. */
  private readonly queue: ExpiryQueue<number>;
  private readonly firewallQueue: FirewallQueue;
  private readonly pending = new Set<Promise<void>>();
  private readonly subnets: SubnetWatch;
  /** The bans sent with the firewall command queued last, announced once it is done. */
  private announcing: { after: Promise<void>; events: BanEvent[] } | null = null;

  constructor(private readonly deps: BanManagerDeps) {
    this.subnets = new SubnetWatch({
      settings: deps.settings, trusted: deps.trusted, sessions: deps.sessions ?? ownSession,
      past: (ip) => deps.store.history(ip, deps.clock.now() - HISTORY_WINDOW),
      banned: (ip) => this.bans.has(ip), ban: (ip) => this.bans.get(ip), bans: (jail) => this.bans.values(jail),
    });
    // The queue holds rows of the table and reads their ends there: no map, no address, of its own.
    const table = this.bans;
    this.queue = new ExpiryQueue<number>(deps.clock, deps.timers ?? realTimers, {
      get: (slot) => table.expiryAt(slot),
      get size() {
        return table.timedSize;
      },
      entries: () => table.timedRows(),
    });
    this.queue.onExpire((slots) => this.track(this.expire(slots.map((slot) => table.ipAt(slot)))));
    this.firewallQueue = new FirewallQueue({
      firewall: deps.firewall,
      desired: () => ({ trusted: deps.trusted.ranges(), entries: this.kernelEntries(deps.clock.now()) }),
      onError: (message) => this.emit({ type: 'error', message }),
      onResynced: (count, attempts) => this.emit({ type: 'resynced', count, attempts }),
      ...(deps.retryDelay !== undefined ? { retryDelay: deps.retryDelay } : {}),
    });
  }

  /**
   * Puts the stored bans back: expired ones (and ones now trusted) are dropped, the rest go to
   * the firewall in ONE replaceBans call with their remaining time, read from the store page by
   * page as the firewall command takes them (no list of a million entries, and the kernel loads
   * the first while the rest are read). No `ban` events: those bans were announced when they
   * were made, and a restart must not send the e-mails again.
   */
  async start(): Promise<void> {
    const { store, clock, firewall } = this.deps;
    const newlyTrusted = this.loadTrusted();
    const now = clock.now();
    // Only the last HISTORY_WINDOW of history is ever read: older rows would only grow the file.
    store.pruneHistory(now - HISTORY_WINDOW);
    const dropped: string[] = [];
    // The store is the truth: a second start (detection turned on again) forgets what memory held.
    const held = new Set(this.bans.keys());
    this.bans.clear();
    this.queue.clear();
    this.unsaved.clear();
    const keep = (ban: BanSummary): boolean => {
      // Only a ban wholly trusted goes: a network ban holding trusted addresses stays, and the
      // kernel's trusted accept (before every drop) still lets those through.
      const trustedBy = ban.expiresAt === null || ban.expiresAt > now ? this.deps.trusted.covering(ban.ip) : undefined;
      if ((ban.expiresAt !== null && ban.expiresAt <= now) || trustedBy) {
        dropped.push(ban.ip);
        if (trustedBy) this.emit({ type: 'unban', ip: ban.ip, jail: ban.jail, reason: 'trusted' });
        else if (held.has(ban.ip)) this.emit({ type: 'unban', ip: ban.ip, jail: ban.jail, reason: 'expired' });
        return false;
      }
      this.bans.set(ban);
      return true;
    };
    // The subnet bans first (few): the single bans they cover stay out of the kernel.
    const subnetBans: BanEntry[] = [];
    store.eachBanSummaryOf(SUBNET_JAIL, (ban) => keep(ban) && subnetBans.push(entryOf(ban, now)));
    // Holds them (memory has nothing else yet, so this is quick), so `covering` answers as the rest is read.
    this.subnets.load(now);
    // Ranges the firewall was not started with are trusted there too, before any ban goes in.
    if (newlyTrusted) await this.runFirewall('set trusted ranges', () => firewall.setTrusted(this.deps.trusted.ranges()));
    const entries = new RestoreStream(store, SUBNET_JAIL, subnetBans, keep, (ban) => this.kernelEntryOf(ban, now));
    try {
      await this.runFirewall(() => `restore ${entries.count} bans`, () => firewall.replaceBans(entries));
    } finally {
      entries.finish();
    }
    store.removeBans(dropped);
    // Now with every ban in memory: the member counts of subnet escalation.
    this.subnets.load(now);
    this.queue.rebuild();
    this.emit({ type: 'restored', count: this.bans.size, dropped: dropped.length });
  }

  /**
   * Puts the ranges trusted at run time (kept in the store) into the trusted set; true when that
   * changed the set. Callers that start the firewall call it first, so the firewall starts with them.
   */
  loadTrusted(): boolean {
    const before = this.deps.trusted.ranges().join(',');
    // The store only holds ranges that passed checkAddress when they were added.
    for (const stored of this.deps.store.trustedRanges()) this.deps.trusted.add(stored.range, 'runtime', stored.note);
    return this.deps.trusted.ranges().join(',') !== before;
  }

  /** Stops the expiry timer and firewall retries (bans stay in the store and the firewall). */
  stop(): void {
    this.queue.stop();
    this.firewallQueue.stop();
  }

  /** True while a firewall command failed and the firewall is not yet put right. */
  get firewallOutOfStep(): boolean {
    return this.firewallQueue.outOfStep;
  }

  /**
   * A jail's ban request. A trusted address is refused. An address already banned keeps the
   * longer of its ban and this jail's (at the same escalation step, so two jails seeing one
   * attack do not escalate twice; the longer ban is still a store write, so one history entry).
   * Otherwise the ban is escalated from the address's history and the recidive rule.
   */
  handle(request: BanRequest): Promise<void> {
    // Not async: a flood's bans share their batch's promise instead of holding one each.
    try {
      return this.decide(request);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private decide(request: BanRequest): Promise<void> {
    let ip: string;
    try {
      ip = checkAddress(request.ip).text;
    } catch (err) {
      this.emit({ type: 'error', message: `ban request from ${request.jail}: ${errorMessage(err)}` });
      return DONE;
    }
    const range = this.deps.trusted.covering(ip);
    if (range) {
      const reason = `trusted (range ${range.range}, ${range.origin}${range.note ? `: ${range.note}` : ''})`;
      this.emit({ type: 'refused', ip, jail: request.jail, reason, range: range.range });
      return DONE;
    }
    const now = this.deps.clock.now();
    const settings = this.deps.settings();
    const timing = { bantime: this.deps.jailSettings?.(request.jail)?.bantime ?? settings.bantime, escalation: settings.escalation };
    const existing = this.bans.get(ip);
    if (existing) {
      const expiresAt = banEnd(now, banDuration(timing, existing.count - 1));
      if (!endsLater(expiresAt, existing.expiresAt)) return DONE;
      return this.commit({ ip, jail: request.jail, bannedAt: now, expiresAt, count: existing.count, reason: request.lines }, true);
    }
    // One read of the address's month: escalation counts it (this jail's bans only, with scope
    // "jail"), the recidive rule its last day in every jail.
    const past = this.deps.store.history(ip, now - HISTORY_WINDOW);
    const previous = settings.escalation.scope === 'jail' ? past.filter((h) => h.jail === request.jail).length : past.length;
    const lastDay = past.filter((h) => h.bannedAt >= now - RECIDIVE_WINDOW).length;
    const seconds = withRecidive(banDuration(timing, previous), lastDay);
    const record = { ip, jail: request.jail, bannedAt: now, expiresAt: banEnd(now, seconds), count: previous + 1, reason: request.lines };
    const committed = this.commit(record, false);
    if (!ip.includes('/') && !this.subnets.active) return committed;
    return committed.then(() => this.afterBan(record));
  }

  /** What follows a jail's ban once it is in: overlaps with trusted ranges reported, subnet escalation. */
  private async afterBan(record: BanRecord): Promise<void> {
    // A network ban (a prefix) may hold trusted addresses: the kernel lets them through first.
    const inside = record.ip.includes('/') ? this.deps.trusted.overlapping(record.ip).map((t) => t.range) : [];
    if (inside.length > 0) this.emit({ type: 'overlap', ip: record.ip, jail: record.jail, ranges: inside });
    try {
      await this.escalateSubnet(record);
    } catch (err) {
      // The ban itself is in: only the subnet's escalation failed, and is reported as that.
      this.emit({ type: 'error', message: `subnet escalation after the ban of ${record.ip}: ${errorMessage(err)}` });
    }
  }

  /**
   * Bans an address or CIDR by hand for `seconds` (-1: permanent; default: the global bantime),
   * replacing any ban it has. Throws for bad text, a bad duration, or a range that overlaps a
   * trusted one: an operator must hear why nothing happened.
   */
  async banManually(ip: string, options: ManualBan = {}): Promise<BanRecord> {
    const text = checkAddress(ip).text;
    const trusted = this.deps.trusted.overlapping(text)[0];
    if (trusted) throw new Error(`${text} is trusted (range ${trusted.range}), not banned`);
    const now = this.deps.clock.now();
    const settings = this.deps.settings();
    const past = this.deps.store.history(text, now - HISTORY_WINDOW);
    const jail = options.jail ?? 'manual';
    // In a jail: its bantime, escalated by the address's past bans as a ban there would be.
    const previous = options.jail && settings.escalation.scope === 'jail' ? past.filter((h) => h.jail === jail).length : past.length;
    const timing = { bantime: this.deps.jailSettings?.(jail)?.bantime ?? settings.bantime, escalation: settings.escalation };
    const duration = options.seconds ?? (options.jail ? banDuration(timing, previous) : settings.bantime);
    if (duration !== -1 && !(Number.isFinite(duration) && duration > 0)) {
      throw new Error(`ban time must be a positive number of seconds or -1 (permanent), not ${duration}`);
    }
    const record = { ip: text, jail, bannedAt: now, expiresAt: banEnd(now, duration), count: previous + 1, reason: [options.note || 'manual ban'] };
    await this.commit(record, this.bans.has(text));
    return { ...record, reason: [...record.reason] };
  }

  /**
   * The stored bans in force, read into memory without writing the store or touching the
   * firewall: what a read-only view (a one-off `bans` or `why`) lists.
   */
  view(): void {
    this.loadTrusted();
    const now = this.deps.clock.now();
    this.bans.clear();
    this.deps.store.eachBanSummary((ban) => {
      if (ban.expiresAt === null || ban.expiresAt > now) this.bans.set(ban);
    });
  }

  /**
   * A ban another fleet node made. Refused when a trusted range here overlaps it (this server's
   * trust wins); never longer than the sender's, and never shortens a ban in force here. Kept
   * out of the history (see the store), so it does not escalate local bans, unless `countsHere`
   * (`[fleet] count_remote`): then it is history like a ban made here, and numbered after the
   * address's earlier bans. True when applied.
   */
  async banRemote(ban: { ip: string; jail: string; expiresAt: number | null; reason: string[]; origin: string; countsHere?: boolean }): Promise<boolean> {
    const ip = checkAddress(ban.ip).text;
    const trusted = this.deps.trusted.overlapping(ip)[0];
    if (trusted) {
      this.emit({ type: 'refused', ip, jail: ban.jail, reason: `trusted here, ban from ${ban.origin} not applied`, range: trusted.range });
      return false;
    }
    const now = this.deps.clock.now();
    const existing = this.bans.get(ip);
    if ((ban.expiresAt !== null && ban.expiresAt <= now) || (existing && !endsLater(ban.expiresAt, existing.expiresAt))) return false;
    const count = existing?.count ?? (ban.countsHere ? this.deps.store.history(ip, now - HISTORY_WINDOW).length + 1 : 1);
    const record = { ip, jail: ban.jail, bannedAt: now, expiresAt: ban.expiresAt, count, reason: ban.reason, origin: ban.origin };
    // Its duration is still the sender's: counting here only lengthens this server's later bans.
    if (ban.countsHere) this.writeStore(() => this.deps.store.addHistory(record), `history of ${ip} not stored`);
    await this.commit(record, existing !== undefined);
    return true;
  }

  /**
   * Runs `work` in one store transaction, so the bans it makes reach the disk with one sync (a
   * batch of fleet entries). The bans still go in when the store cannot start one.
   */
  inOneWrite<T>(work: () => T): T {
    if (this.deps.storeHealth && !this.deps.storeHealth.ok) return work();
    let result: { value: T } | null = null;
    try {
      this.deps.store.batch(() => {
        result = { value: work() };
      });
    } catch (err) {
      if (result === null) return work();
      this.deps.storeHealth?.fail(err);
    }
    return (result as { value: T } | null)!.value;
  }

  /** Lifts a ban that fleet node `origin` sent, when it is still that node's ban here; true if lifted. */
  async unbanRemote(ip: string, origin: string): Promise<boolean> {
    const text = checkAddress(ip).text;
    const ban = this.bans.get(text);
    if (!ban || ban.origin !== origin) return false;
    this.forget([text]);
    await this.lift([ban], () => this.runFirewall(`unban ${text}`, () => this.deps.firewall.unban([text])));
    this.emit({ type: 'unban', ip: text, jail: ban.jail, reason: 'remote' });
    return true;
  }

  /** Lifts a ban; false if the address was not banned. */
  async unban(ip: string): Promise<boolean> {
    const text = checkAddress(ip).text;
    const ban = this.bans.get(text) ?? this.deps.store.removeBan(text);
    if (!ban) return false;
    this.forget([text]);
    await this.lift([ban], () => this.runFirewall(`unban ${text}`, () => this.deps.firewall.unban([text])));
    this.emit({ type: 'unban', ip: text, jail: ban.jail, reason: 'manual' });
    return true;
  }

  /** Lifts every ban in one firewall command; returns how many there were. */
  async unbanAll(): Promise<number> {
    const all = [...this.bans.values()];
    this.deps.store.removeAllBans();
    this.bans.clear();
    this.queue.clear();
    this.subnets.load(this.deps.clock.now());
    this.unsaved.clear();
    await this.runFirewall('unban all', () => this.deps.firewall.replaceBans([]));
    for (const ban of all) this.emit({ type: 'unban', ip: ban.ip, jail: ban.jail, reason: 'all' });
    return all.length;
  }

  /**
   * Trusts a range from now on (kept in the store across restarts) and lifts every ban it
   * overlaps, including a banned CIDR holding it: a ban cannot be split, and locking a trusted
   * address out is the worse mistake. Returns the addresses unbanned.
   */
  async trust(range: string, note = ''): Promise<string[]> {
    const text = this.deps.trusted.add(range, 'runtime', note);
    this.deps.store.addTrusted(text, note, this.deps.clock.now());
    const covered = [...this.bans.keys()].filter((ip) => rangesOverlap(text, ip)).map((ip) => this.bans.get(ip)!);
    this.forget(covered.map((ban) => ban.ip));
    await this.runFirewall(`trust ${text}`, () => this.deps.firewall.setTrusted(this.deps.trusted.ranges()));
    if (covered.length > 0) {
      await this.lift(covered, () => this.runFirewall(`unban ${covered.length} now trusted`, () => this.deps.firewall.unban(covered.map((b) => b.ip))));
    }
    for (const ban of covered) this.emit({ type: 'unban', ip: ban.ip, jail: ban.jail, reason: 'trusted' });
    return covered.map((ban) => ban.ip);
  }

  /**
   * Stops trusting a range added at run time; false if it was not. Throws for a range from the
   * config file or built in, which only the config (or nothing) can take away.
   */
  async untrust(range: string): Promise<boolean> {
    const text = checkAddress(range).text;
    if (!this.deps.trusted.remove(text, 'runtime')) {
      const other = this.deps.trusted.list().find((t) => t.range === text);
      if (other) throw new Error(`${text} is trusted by the ${other.origin === 'config' ? 'config file' : 'engine itself'}, not at run time`);
      return false;
    }
    this.deps.store.removeTrusted(text);
    await this.runFirewall(`untrust ${text}`, () => this.deps.firewall.setTrusted(this.deps.trusted.ranges()));
    return true;
  }

  /** How many bans are in force (without copying them, unlike `list`). */
  get size(): number {
    return this.bans.size;
  }

  /**
   * Bans in force, oldest first (copies), without their reason lines except for subnet bans,
   * whose reason says what they hold (read from the store, one row each).
   */
  list(): BanListing[] {
    const bans: BanListing[] = [];
    const order = this.listingOrder();
    // In the order and form `ban-columns` sends them: a copy of each, without the empty fields.
    this.eachListedIn(order, 0, order.slots.length, ({ ip, jail, bannedAt, expiresAt, count, origin, reason }) => {
      bans.push({ ip, jail, bannedAt, expiresAt, count, ...(origin !== undefined ? { origin } : {}), ...(reason ? { reason } : {}) });
    });
    return bans;
  }

  /** The bans `list` gives, in its order, as rows to read a part at a time ({@link eachListedIn}). */
  listingOrder(): BanOrder {
    return this.bans.orderByBanTime();
  }

  /**
   * The bans at positions `from` to `to` of a listing order, as `list` gives them (lifted ones
   * left out), handed to `visit` in one object reused for all (copy what is kept): packing a
   * million for the console makes no object per ban.
   */
  eachListedIn(order: BanOrder, from: number, to: number, visit: (ban: ListedBan) => void): void {
    this.bans.eachInOrder(order, from, to, (ban) => {
      ban.reason = ban.jail === SUBNET_JAIL ? this.reasonOf(ban.ip) : undefined;
      visit(ban);
    });
  }

  /** The addresses each jail bans, oldest ban first. */
  addressesByJail(): Map<string, string[]> {
    return this.bans.addressesByJail();
  }

  /**
   * Bans in force for a checkpoint after the store failed: with their reason lines where the
   * store may not hold them, the others without (the store keeps theirs).
   */
  checkpointList(): BanListing[] {
    const bans: BanListing[] = [...this.bans.values()];
    for (const ban of bans) {
      const reason = this.unsaved.get(ban.ip);
      if (reason) ban.reason = [...reason];
    }
    return bans;
  }

  /** The ban of an address, if any, with its reason lines (read from the store: one row). */
  get(ip: string): BanRecord | undefined {
    const text = checkAddress(ip).text;
    const ban = this.bans.get(text);
    return ban && { ...ban, reason: this.reasonOf(text) };
  }

  /**
   * The jail whose ban holds an address already in canonical form (a filter's normalised IP):
   * asked for every failure, so it skips the parse `get` does.
   */
  jailOf(canonicalIp: string): string | undefined {
    return this.bans.jailOf(canonicalIp);
  }

  /** Resolves once every firewall command and expiry started so far has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
    await this.firewallQueue.idle();
  }

  /**
   * Store first, then memory and the firewall, then the expiry: a crash at any point loses nothing.
   * The `ban` event follows once the firewall holds it; the bans sent in one firewall command are
   * announced together, so a flood keeps no waiting function per ban.
   */
  private commit(record: BanRecord, extended: boolean): Promise<void> {
    // The ban still goes in when the store fails: letting an attacker in now is worse. The
    // engine writes its whole state once the store takes writes again.
    this.writeStore(() => this.deps.store.putBan(record), `ban of ${record.ip} not stored`);
    this.keepUntilSaved(record);
    const slot = this.bans.set(record);
    this.subnets.added(record.ip);
    // The old expiry must not fire while the firewall command runs.
    if (record.expiresAt === null) this.queue.cancel(slot);
    else this.queue.schedule(slot, record.expiresAt);
    const entry = entryOf(record, this.deps.clock.now());
    // A ban inside a subnet ban stays out of the kernel: the subnet ban drops it already (once
    // its own command is through: the member is announced after it).
    const covering = this.subnets.covering(record.ip);
    const sent = covering === undefined ? this.firewallQueue.ban(entry) : this.subnets.inKernel(covering);
    if (record.jail === SUBNET_JAIL) this.subnets.sending(record.ip, sent);
    let announce = this.announcing;
    if (announce?.after !== sent) {
      const batch = { after: sent, events: [] as BanEvent[] };
      announce = this.announcing = batch;
      sent.then(() => {
        if (this.announcing === batch) this.announcing = null;
        for (const event of batch.events) this.emit(event);
      }, () => {});
    }
    // The record itself: nothing here keeps it (the table copied its fields).
    announce.events.push({ type: 'ban', record, restored: false, extended });
    return sent;
  }

  private async expire(ips: string[]): Promise<void> {
    const now = this.deps.clock.now();
    // A ban extended since it was queued is not due; the queue already holds its new time.
    const due = ips.map((ip) => this.bans.get(ip)).filter((b): b is BanSummary => b !== undefined && b.expiresAt !== null && b.expiresAt <= now);
    if (due.length === 0) return;
    this.forget(due.map((ban) => ban.ip));
    // Batched with other expiries queued while the firewall is busy: one command for many.
    await this.lift(due, () => this.firewallQueue.unban(due.map((ban) => ban.ip)));
    for (const ban of due) this.emit({ type: 'unban', ip: ban.ip, jail: ban.jail, reason: 'expired' });
  }

  /**
   * Counts a jail's new ban towards its subnet; at the threshold, bans the subnet and takes the
   * member bans out of the kernel (after the subnet ban is in, so nothing gets through between).
   */
  private async escalateSubnet(member: BanSummary): Promise<void> {
    const decision = this.subnets.count(member, this.deps.clock.now());
    if (decision?.type === 'refused') {
      return this.emit({ type: 'refused', ip: decision.subnet, jail: SUBNET_JAIL, reason: decision.reason, range: decision.range });
    }
    if (!decision) return;
    await this.commit(decision.record, false);
    const { members, trusted } = decision;
    if (members.length > 0) await this.runFirewall(`take ${members.length} bans inside ${decision.record.ip} out`, () => this.deps.firewall.unban(members));
    if (trusted.length > 0) this.emit({ type: 'overlap', ip: decision.record.ip, jail: SUBNET_JAIL, ranges: trusted });
  }

  /**
   * Takes bans that ended out of the kernel with `unban`; the members of subnet bans among them,
   * still in force, go back in with the very next command (queued at once, not after a wait). Not
   * before it: an nftables interval set would fold a member into the subnet still in it, and the
   * subnet's removal would take the member out with it.
   */
  private async lift(ended: readonly BanSummary[], unban: () => Promise<void>): Promise<void> {
    const off = unban();
    await Promise.all([off, this.putBack(ended)]);
  }

  /** Bans that ended: the members of subnet bans among them, still in force, go back to the kernel. */
  private async putBack(ended: readonly BanSummary[]): Promise<void> {
    const back = this.subnets.membersBack(ended);
    if (back.length === 0) return;
    const now = this.deps.clock.now();
    await this.runFirewall(`put ${back.length} bans back`, () => this.deps.firewall.ban(back.map((ban) => entryOf(ban, now))));
  }

  /**
   * The kernel's entries for the bans in force, those a subnet ban holds left out: made one at a
   * time as the firewall reads them, and counted as they go.
   */
  private kernelEntries(now: number): KernelEntries {
    const bans = this.bans;
    const kernelEntry = (ban: KernelBan) => this.kernelEntryOf(ban, now);
    const entries = {
      count: 0,
      *[Symbol.iterator](): Generator<BanEntry> {
        for (const ban of bans.ends()) {
          const entry = kernelEntry(ban);
          if (!entry) continue;
          entries.count++;
          yield entry;
        }
      },
    };
    return entries;
  }

  /** A ban's kernel entry; null when a subnet ban in force holds its place there. */
  private kernelEntryOf(ban: KernelBan, now: number): BanEntry | null {
    return this.subnets.covering(ban.ip) === undefined ? entryOf(ban, now) : null;
  }

  private forget(ips: string[]): void {
    // One transaction for all: 20,000 bans expiring together must not mean 20,000 syncs.
    this.writeStore(() => this.deps.store.removeBans(ips), `end of ${ips.length} bans not stored`);
    for (const ip of ips) {
      this.bans.delete(ip);
      this.subnets.removed(ip);
      this.unsaved.delete(ip);
    }
    // The table no longer holds them: the queue skips their rows, and stops when none is left.
    this.queue.removed();
  }

  /** A ban's reason lines: kept here while the store may not hold them, else read from it. */
  private reasonOf(ip: string): string[] {
    const kept = this.unsaved.get(ip);
    if (kept) return [...kept];
    try {
      return this.deps.store.reasonOf(ip) ?? [];
    } catch (err) {
      this.emit({ type: 'error', message: `reason of the ban of ${ip} not read: ${errorMessage(err)}` });
      return [];
    }
  }

  /**
   * Keeps a ban's reason lines until the store is known to hold them: once the current run of
   * code is over (a batch of lines is one transaction, committed or rolled back within it) and
   * no store fault began meanwhile. While the store fails they stay, for the checkpoint.
   */
  private keepUntilSaved(record: BanRecord): void {
    const health = this.deps.storeHealth;
    if (!health) return;
    this.unsaved.set(record.ip, record.reason);
    if (this.unsavedSweep) return;
    this.unsavedSweep = true;
    const faults = health.faults;
    queueMicrotask(() => {
      this.unsavedSweep = false;
      if (health.ok && health.faults === faults) this.unsaved.clear();
    });
  }

  private runFirewall(what: string | (() => string), command: () => Promise<void>): Promise<void> {
    return this.firewallQueue.run(what, command);
  }

  /** A store write that must not stop the ban or unban it records; a failure is reported once per fault. */
  private writeStore(write: () => void, what: string): void {
    const health = this.deps.storeHealth;
    if (health && !health.ok) return;
    try {
      write();
    } catch (err) {
      if (health) health.fail(err);
      else this.emit({ type: 'error', message: `${what}: ${errorMessage(err)}` });
    }
  }

  private track(work: Promise<void>): void {
    const done = work.catch((err: unknown) => this.emit({ type: 'error', message: `expiry: ${errorMessage(err)}` }));
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
  }

  private emit(event: BanEvent): void {
    this.deps.onEvent(event);
  }
}

/** Entries read once, lazily; `count` says how many were read so far. */
interface KernelEntries extends Iterable<BanEntry> {
  readonly count: number;
}

/** The SSH session this process runs in, if any. */
function ownSession(): SshSession[] {
  const session = sshSession();
  return session ? [session] : [];
}

/** What a ban's kernel entry is made of. */
type KernelBan = { ip: string; expiresAt: number | null };

/** The firewall entry of a ban, with the kernel timeout as a safety net should the engine die. */
function entryOf(ban: KernelBan, now: number): BanEntry {
  if (ban.expiresAt === null) return { address: ban.ip };
  return { address: ban.ip, timeout: Math.max(1, Math.ceil((ban.expiresAt - now) / 1000)) };
}
