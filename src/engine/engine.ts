import { resolveConfigPath, type Config } from '../config/index.js';
import type { FirewallBackend } from '../firewall/types.js';
import { ActivityCounter } from './activity-counter.js';
import { BanManager, HISTORY_WINDOW, type BanEvent } from './ban-manager.js';
import { systemClock, type Clock } from './clock.js';
import type { EngineLog } from './engine-log.js';
import { logBanEvent, logSourceEvent } from './event-lines.js';
import { compileFilter, type CompiledFilter } from './filter/index.js';
import type { PatternSource } from './filter/types.js';
import { filterPlace, filterSearchDirs, loadJailFilter, type JailFilterPlace } from './jail-filter.js';
import { Jail, type JailEvent } from './jail.js';
import { JailMatchQueue, MatchThread, type MatchedLines } from './match-thread.js';
import { GlobFollower, type GlobFollowEvent } from './source/glob-follower.js';
import { JournalSource, journalSourceKey } from './source/journal-source.js';
import type { EngineStatus, JailStatus } from './status-types.js';
import { StateKeeper, type KeptJail } from './state-keeper.js';
import { TrustedSet } from './trusted.js';
import type { BanListing, BanStore, FleetLinkStatus, HistoryEntry, ListedBan, SourcePosition } from './types.js';
import type { BanOrder } from './ban-table.js';

/** Everything the engine reports, for the console, the control socket and e-mail. */
export type EngineEvent = BanEvent | JailEvent | { type: 'source'; jail: string; source: string; event: GlobFollowEvent };

/** What an engine is built from; the store, firewall and clock are interfaces (tests pass fakes). */
export interface EngineOptions {
  configPath: string;
  /** Replaced by `reload`. */
  config: Config;
  store: BanStore;
  firewall: FirewallBackend;
  log: EngineLog;
  clock?: Clock;
  /** Folders searched for filters by name before the user's filter.d and the shipped ones. */
  filterDirs?: string[];
  /** fail2ban's stock filter folder (default /etc/fail2ban/filter.d): a jail may name a filter in it by path. */
  stockFilterDir?: string;
  /** Follower tuning (tests: fast polling). */
  follow?: { pollMs?: number; watch?: boolean; rescanMs?: number };
  onEvent?: (event: EngineEvent) => void;
  /** Actions fed every event (e-mail, ...): the engine runs them, it does not build them. */
  subscribers?: EngineSubscriber[];
  /**
   * Run the filters on a thread of their own (the daemon): lines from the followers and journal
   * sources are then processed a moment after they are read, not during the call.
   */
  matchThread?: boolean;
}

/** Something that acts on the engine's events, started once the bans are back and stopped with the engine. */
export interface EngineSubscriber {
  onEvent(event: EngineEvent): void;
  start?(): void;
  stop?(): Promise<void>;
}

/** How far {@link Engine.start} goes. */
export interface EngineStartOptions {
  /**
   * Read the jails' logs (default). Without: the firewall and the stored bans only, for a
   * one-off command that changes the state while no daemon runs.
   */
  readLogs?: boolean;
}

/** A jail as it runs: its config, its counter, what it saw. */
interface RunningJail extends KeptJail {
  /** Its effective settings and filter, to tell at a reload whether it changed. */
  fingerprint: string;
  follower: GlobFollower | null;
  journal: JournalSource | null;
  failures: number;
  bans: number;
  /** Its batches on their way through the matching thread, when the engine has one. */
  matching: JailMatchQueue | null;
}

/** A jail compiled from the config, ready to start. */
interface PreparedJail {
  name: string;
  filter: CompiledFilter;
  jail: Jail;
  fingerprint: string;
  /** The jail's own `ignoreregex`, which its filter was compiled with. */
  extraIgnoreregex: PatternSource[];
}

export type { EngineStatus, JailStatus } from './status-types.js';

/**
 * The intrusion-prevention engine: log sources feed jails, jails feed the ban manager, the ban
 * manager drives the firewall and the store. It owns the state; the console and the command
 * line are views over it.
 */
export class Engine {
  readonly trusted: TrustedSet;
  readonly bans: BanManager;
  private readonly clock: Clock;
  private readonly jails = new Map<string, RunningJail>();
  private readonly startedAt: number;
  private reloading: Promise<void> = Promise.resolve();
  /** Failures and bans per minute over the last hour, and who caused them. */
  readonly activity: ActivityCounter;
  private readonly keeper: StateKeeper;
  /** The filters' own thread (EngineOptions.matchThread). */
  private readonly matcher: MatchThread | null;
  /** Set by a fleet link (which the engine does not build): its state, for `status`. */
  fleetStatus: (() => FleetLinkStatus) | null = null;
  /** Lines read per jail and source since the start (never reset, so metrics can count them). */
  private readonly linesRead = new Map<string, { jail: string; source: string; lines: number }>();

  constructor(private readonly options: EngineOptions) {
    this.clock = options.clock ?? systemClock;
    this.matcher = options.matchThread
      ? new MatchThread((err) => options.log.error(null, `the filters' thread failed (${err.message}): lines are matched on the engine's thread from now on`))
      : null;
    this.startedAt = this.clock.now();
    this.activity = new ActivityCounter(this.clock);
    const { config } = options;
    this.trusted = new TrustedSet({ config: config.trusted.ranges });
    this.keeper = new StateKeeper({
      store: options.store,
      clock: this.clock,
      log: options.log,
      bans: () => this.bans.checkpointList(),
      jails: () => this.jails.values(),
    });
    this.bans = new BanManager({
      storeHealth: this.keeper.health,
      store: options.store,
      firewall: options.firewall,
      clock: this.clock,
      trusted: this.trusted,
      settings: () => this.options.config.settings,
      jailSettings: (jail) => this.options.config.jails[jail],
      onEvent: (event) => this.onBanEvent(event),
    });
  }

  /** Starts the firewall, restores the stored bans, then starts reading the enabled jails' logs. */
  async start(options: EngineStartOptions = {}): Promise<void> {
    const { config, log, firewall } = this.options;
    const readLogs = options.readLogs ?? true;
    const enabled = Object.values(config.jails).filter((jail) => jail.enabled).length;
    if (readLogs) log.info(null, `Starting: backend ${firewall.name}, ${enabled} of ${Object.keys(config.jails).length} jails enabled`);
    // Every filter is compiled before anything runs: a bad one stops the start, not half of it.
    const jails = readLogs ? this.compileJails(config) : [];
    // Ranges trusted at run time count even while detection is off.
    this.bans.loadTrusted();
    await firewall.start(this.trusted.ranges());
    if (!config.settings.enabled) {
      log.notice(null, 'Intrusion detection is off ([settings] enabled = false): no log is read, stored bans stay out of the firewall');
      return;
    }
    await this.bans.start();
    // Mail a previous run left unsent (or notices of its open digest window) goes out now.
    for (const subscriber of this.options.subscribers ?? []) subscriber.start?.();
    if (readLogs) for (const jail of jails) await this.startJail(jail);
  }

  /** Stops reading logs and the expiry timer; the bans stay in the firewall and the store. */
  async stop(): Promise<void> {
    await this.stopJails();
    await this.matcher?.close();
    this.bans.stop();
    await this.bans.idle();
    this.keeper.stop();
    for (const subscriber of this.options.subscribers ?? []) await subscriber.stop?.();
    this.options.log.info(null, 'Stopped; bans stay in place');
  }

  /**
   * Feeds lines to a jail (its follower, a journal source, tests, `replay`). The failures they
   * add, the bans they cause and the position after them are committed in one transaction: one
   * disk sync for a burst, and after a crash at any instant each line counts exactly once.
   */
  processLines(jailName: string, lines: string[], position?: SourcePosition): void {
    const running = this.jails.get(jailName);
    if (!running) return;
    const now = this.clock.now();
    const source = position?.source ?? 'direct';
    const counted = this.linesRead.get(`${jailName}\0${source}`);
    if (counted) counted.lines += lines.length;
    else this.linesRead.set(`${jailName}\0${source}`, { jail: jailName, source, lines: lines.length });
    if (!running.matching) {
      this.processBatch(running, lines, null, now, position);
      return;
    }
    // Dropped when the jail stopped meanwhile: its saved position is before these lines.
    running.matching.push(lines, now, (matched) => {
      if (this.jails.get(jailName) === running) this.processBatch(running, lines, matched, now, position);
    });
  }

  /** Lines of the running jails whose verdicts came from the matching thread. */
  get linesMatchedOnThread(): number {
    return [...this.jails.values()].reduce((n, running) => n + (running.matching?.matched ?? 0), 0);
  }

  /** Resolves once the lines handed to the jails so far are processed (at once without a matching thread). */
  async linesProcessed(): Promise<void> {
    for (const running of this.jails.values()) await running.matching?.settled();
  }

  /** One batch of a jail's lines, with the filter's verdicts when the matching thread gave them. */
  private processBatch(running: RunningJail, lines: string[], matched: MatchedLines | null, now: number, position: SourcePosition | undefined): void {
    // Each jail counts on its own: only its own ban silences an address there. Another jail's
    // ban must not, or two jails on one log would race and recidive would never count.
    const skip = (ip: string): boolean => this.bans.jailOf(ip) === running.name;
    this.keeper.batch(running, () => {
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i]!;
        const events = matched ? running.jail.processResult(matched.at(i), line, now, skip) : running.jail.processLine(line, now, skip);
        for (const event of events) this.onJailEvent(running, event);
      }
    }, position);
  }

  /**
   * The jails and their counts; with each jail's banned addresses only when `bannedIps` is true
   * (a million of them take over a second to list, which a caller wanting counts never needs).
   */
  status({ bannedIps = false }: { bannedIps?: boolean } = {}): EngineStatus {
    const banned = bannedIps ? this.bans.addressesByJail() : new Map<string, string[]>();
    const jails = Object.entries(this.options.config.jails).map(([name, jail]): JailStatus => {
      const running = this.jails.get(name);
      return {
        name,
        enabled: running !== undefined,
        filter: jail.filter,
        sources: running?.follower?.sources() ?? [],
        missing: running?.follower?.missingSources() ?? [],
        failures: running?.failures ?? 0,
        bans: running?.bans ?? 0,
        tracked: running?.jail.tracked ?? 0,
        backend: jail.backend,
        journalmatch: jail.journalmatch,
        bannedIps: banned.get(name) ?? [],
      };
    });
    return {
      uptimeMs: this.clock.now() - this.startedAt,
      backend: this.options.firewall.name,
      jails,
      banned: this.bans.size,
      failuresLastHour: this.activity.failuresLastHour(),
      detection: this.options.config.settings.enabled,
      jailsRunning: this.jails.size,
      configPath: this.options.configPath,
      state: this.keeper.health.status(),
      firewallInStep: !this.bans.firewallOutOfStep,
      ...(this.fleetStatus ? { fleet: this.fleetStatus() } : {}),
    };
  }

  /** Lines read so far, per jail and source (`direct` for lines handed in without a source). */
  lineCounts(): { jail: string; source: string; lines: number }[] {
    return [...this.linesRead.values()].map((c) => ({ ...c }));
  }

  /** The configuration in force. */
  get config(): Config {
    return this.options.config;
  }

  /**
   * Applies a new configuration (SIGHUP, `reload`, a console edit): settings and trusted ranges at
   * once, jails restarted from their saved read positions (their counts start again). Turning
   * detection off lifts the bans from the firewall and keeps them in the store; turning it on
   * restores them.
   */
  reload(config: Config): Promise<void> {
    // One reload at a time: two interleaved would leave a jail's follower running unowned.
    const next = this.reloading.then(() => this.applyConfig(config));
    this.reloading = next.catch(() => {});
    return next;
  }

  private async applyConfig(config: Config): Promise<void> {
    const { log, firewall } = this.options;
    // Compiled first: a bad filter is refused while the running jails go on untouched.
    const jails = this.compileJails(config);
    const wasEnabled = this.options.config.settings.enabled;
    // A jail whose settings and filter are the same goes on reading, with its counts; only the
    // ones that changed (or were turned off) start afresh.
    const kept = new Set(config.settings.enabled && wasEnabled
      ? jails.filter((j) => this.jails.get(j.name)?.fingerprint === j.fingerprint).map((j) => j.name)
      : []);
    await this.stopJails(kept);
    this.options.config = config;
    this.trusted.setConfig(config.trusted.ranges);
    await firewall.setTrusted(this.trusted.ranges());
    if (!config.settings.enabled) {
      if (wasEnabled) {
        await this.bans.idle();
        // No expiry runs while off: the store keeps the bans and turning on restores them, minus
        // the ones that expired meanwhile.
        this.bans.stop();
        await firewall.replaceBans([]);
        log.notice(null, 'Intrusion detection turned off: bans lifted from the firewall, kept in the store');
      }
      return;
    }
    if (!wasEnabled) {
      await this.bans.start();
      log.notice(null, 'Intrusion detection turned on: stored bans restored');
    }
    for (const jail of jails) if (!kept.has(jail.name)) await this.startJail(jail);
    log.info(null, `Configuration reloaded: ${this.jails.size} jails running (${kept.size} unchanged, counts kept)`);
  }

  /** Bans in force, oldest first, without their reason lines (but a subnet ban's). */
  list(): BanListing[] {
    return this.bans.list();
  }

  /** {@link list}'s bans as rows to read a part at a time (see BanManager.eachListedIn). */
  listingOrder(): BanOrder {
    return this.bans.listingOrder();
  }

  /** {@link list}'s bans at positions `from` to `to` of `order`, one at a time in one reused object. */
  eachListedIn(order: BanOrder, from: number, to: number, visit: (ban: ListedBan) => void): void {
    this.bans.eachListedIn(order, from, to, visit);
  }

  /** Past bans of an address (canonical form) over the window escalation looks at, oldest first. */
  history(ip: string): HistoryEntry[] {
    return this.options.store.history(ip, this.clock.now() - HISTORY_WINDOW);
  }

  /** Where filters are looked up by name, in order: the given folders, the user's filter.d, the shipped ones. */
  filterDirs(): string[] {
    return filterSearchDirs(this.options.configPath, this.options.filterDirs);
  }

  /** Where a jail's filter is found: by name in {@link filterDirs}, by path in those or fail2ban's stock folder. */
  filterPlace(): JailFilterPlace {
    return filterPlace(this.options.configPath, this.options.filterDirs, this.options.stockFilterDir);
  }

  /** The engine's clock (epoch ms), for callers that date things as the engine does. */
  now(): number {
    return this.clock.now();
  }

  private async stopJails(keep: ReadonlySet<string> = new Set()): Promise<void> {
    for (const [name, running] of this.jails) {
      if (keep.has(name)) continue;
      await running.follower?.stop();
      await running.journal?.stop();
      this.jails.delete(name);
      this.matcher?.dropJail(name);
    }
  }

  /** The enabled jails of a config, their filters compiled; throws naming the filter at fault. */
  private compileJails(config: Config): PreparedJail[] {
    const place = this.filterPlace();
    return Object.entries(config.jails).filter(([, settings]) => settings.enabled).map(([name, settings]) => {
      const extraIgnoreregex = settings.ignoreregex.map((pattern, i) => ({ pattern, file: this.options.configPath, line: i + 1 }));
      const filter = compileFilter(loadJailFilter(name, settings, place), { now: () => this.clock.now(), extraIgnoreregex });
      const limits = {
        maxretry: settings.maxretry ?? config.settings.maxretry,
        findtime: (settings.findtime ?? config.settings.findtime) * 1000,
        prefixes: { ipv4: settings.ipv4_prefix ?? config.settings.ipv4_prefix ?? 32, ipv6: settings.ipv6_prefix ?? config.settings.ipv6_prefix ?? 128 },
      };
      const jail = new Jail(name, filter, limits);
      return { name, filter, jail, fingerprint: JSON.stringify({ settings, limits, filter: filter.definition }), extraIgnoreregex };
    });
  }

  private async startJail(prepared: PreparedJail): Promise<void> {
    const { config, configPath, log, store } = this.options;
    const { name, filter, jail, fingerprint } = prepared;
    const settings = config.jails[name]!;
    // A jail of that name still running (never expected) is stopped, not orphaned.
    const old = this.jails.get(name);
    await old?.follower?.stop();
    await old?.journal?.stop();
    const running: RunningJail = { name, jail, fingerprint, follower: null, journal: null, failures: 0, bans: 0, positions: new Map(), prunedAt: 0, matching: null };
    if (this.matcher) {
      this.matcher.setFilter(name, filter.definition, prepared.extraIgnoreregex);
      running.matching = new JailMatchQueue(this.matcher, name, (err) => log.error(name, `lines not processed: ${err.message}`));
    }
    this.jails.set(name, running);
    // Failures counted before a restart or reload count on, before any new line is read.
    const { restored, requests } = this.keeper.restore(running);
    if (restored > 0) log.info(name, `Resumed counting ${restored} failures of ${jail.tracked} addresses from the state database`);
    for (const request of requests) this.onJailEvent(running, { type: 'ban-request', request });
    if (settings.backend === 'file') {
      const follow = this.options.follow ?? {};
      running.follower = new GlobFollower(settings.logpath.map((p) => resolveConfigPath(configPath, p)), {
        startAt: settings.start_at,
        positionOf: (source) => store.position(source),
        ...(follow.pollMs !== undefined ? { pollMs: follow.pollMs } : {}),
        ...(follow.watch !== undefined ? { watch: follow.watch } : {}),
        ...(follow.rescanMs !== undefined ? { rescanMs: follow.rescanMs } : {}),
        onLines: (_source, lines, position) => this.processLines(name, lines, position),
        onEvent: (source, event) => this.onSourceEvent(name, source, event),
        room: () => running.matching?.room(),
      });
      await running.follower.start();
    } else {
      // The filter's own journalmatch (fail2ban's convention) unless the jail names its own.
      const own = settings.journalmatch.length ? settings.journalmatch : [filter.definition.values.journalmatch ?? ''].filter(Boolean);
      const source = journalSourceKey(name);
      const cursor = store.position(source)?.cursor;
      running.journal = new JournalSource({
        jail: name,
        matches: own.flatMap((m) => m.split('\n')).map((m) => m.trim()).filter(Boolean),
        startAt: settings.start_at,
        ...(cursor ? { cursor } : {}),
        onLines: (lines, position) => this.processLines(name, lines, position),
        onEvent: (event) => {
          if (event.type === 'error') log.error(name, `journal: ${event.message ?? ''}`);
          else if (event.type === 'exited') log.warning(name, `journalctl exited, restarting: ${event.message ?? ''}`);
        },
      });
      running.journal.start();
    }
    log.info(name, `Jail started: filter ${settings.filter}, logs ${settings.logpath.join(', ') || settings.backend}`);
  }

  private onJailEvent(running: RunningJail, event: JailEvent): void {
    const { log } = this.options;
    if (event.type === 'failure') {
      this.keeper.addFailure(running.name, event.ip, event.time, event.line);
      running.failures++;
      this.activity.recordFailure(event.ip, running.name);
      const counted = event.address === undefined ? event.ip : `${event.address} (counted as ${event.ip})`;
      log.info(running.name, `Found ${counted} - ${event.line}`, event.ip);
    } else if (event.type === 'hostname') {
      log.warning(running.name, `Found host name "${event.host}", not an IP address: not banned - ${event.line}`);
    } else {
      // In the batch's transaction, with the ban it leads to (handle writes the ban synchronously).
      this.keeper.clearFailures(running.name, event.request.ip);
      this.bans.handle(event.request).catch((err: Error) => log.error(running.name, `ban of ${event.request.ip} failed: ${err.message}`));
    }
    this.emit(event);
  }

  private onBanEvent(event: BanEvent): void {
    if (event.type === 'ban') {
      const r = event.record;
      // A ban another fleet node sent is its jail's doing, not this one's, and was mailed there.
      const running = r.origin === undefined ? this.jails.get(r.jail) : undefined;
      if (running) running.bans++;
      this.activity.recordBan(r.ip, r.jail);
    }
    logBanEvent(this.options.log, event);
    this.emit(event);
  }

  private onSourceEvent(jail: string, source: string, event: GlobFollowEvent): void {
    logSourceEvent(this.options.log, jail, source, event);
    this.emit({ type: 'source', jail, source, event });
  }

  private emit(event: EngineEvent): void {
    this.options.onEvent?.(event);
    for (const subscriber of this.options.subscribers ?? []) subscriber.onEvent(event);
  }
}
