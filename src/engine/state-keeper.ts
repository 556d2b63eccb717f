import type { Clock } from './clock.js';
import type { EngineLog } from './engine-log.js';
import { errorMessage } from './error-message.js';
import { cutLine, type BanRequest } from './fail-counter.js';
import type { Jail } from './jail.js';
import { STATE_RETRY_MS, StateHealth } from './state-health.js';
import type { BanListing, BanStore, SourcePosition } from './types.js';

/** How often a jail's stored failures older than its findtime are deleted (ms). */
const PRUNE_EVERY_MS = 60_000;

/** A running jail as the keeper sees it: its counter and the last position each source reached. */
export interface KeptJail {
  name: string;
  jail: Jail;
  positions: Map<string, SourcePosition>;
  prunedAt: number;
}

/** What a StateKeeper writes for. */
export interface StateKeeperDeps {
  store: BanStore;
  clock: Clock;
  log: EngineLog;
  /** The bans in force in memory, for a checkpoint (with their reason lines where the store may lack them). */
  bans: () => BanListing[];
  jails: () => Iterable<KeptJail>;
}

/** Thrown inside a batch to roll it back once a write in it failed. */
class RolledBack extends Error {}

/**
 * Keeps the store in step with the engine so that a SIGKILL at any instant loses nothing and
 * counts nothing twice: the failures a batch of lines adds, the bans it causes and the read
 * position after it are committed in one transaction. When the store stops taking writes (a full
 * disk), the batch is rolled back, the engine runs on from memory, and every STATE_RETRY_MS the
 * whole state (bans, counted failures, positions) is written in one transaction until that works.
 */
export class StateKeeper {
  readonly health: StateHealth;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: StateKeeperDeps) {
    this.health = new StateHealth(deps.clock, (error) => {
      deps.log.error(null, `State database not written (${error}); running from memory, trying again every ${STATE_RETRY_MS / 1000} s`);
      this.startRetrying();
    });
  }

  /**
   * Runs `work` (which feeds lines to a jail) as one transaction with the position after the
   * lines. Writes inside go through `write`; if one fails, the whole batch is rolled back and left
   * to the checkpoint, while what `work` did in memory stands.
   */
  batch(kept: KeptJail, work: () => void, position?: SourcePosition): void {
    this.retryIfDue();
    if (position) kept.positions.set(position.source, position);
    const { store, clock } = this.deps;
    const faults = this.health.faults;
    try {
      store.batch(() => {
        work();
        if (!this.health.ok) throw new RolledBack();
        const now = clock.now();
        if (now - kept.prunedAt >= PRUNE_EVERY_MS) {
          kept.prunedAt = now;
          store.pruneFailures(kept.name, now - kept.jail.findtime);
        }
        if (position) store.savePosition(position);
      });
    } catch (err) {
      if (!(err instanceof RolledBack) && this.health.faults === faults) this.health.fail(err);
    }
  }

  /** A store write inside a batch; skipped while the store fails, reported once when it starts to. */
  write(what: () => void): void {
    if (!this.health.ok) return;
    try {
      what();
    } catch (err) {
      this.health.fail(err);
    }
  }

  /** A failure counted by a jail. */
  addFailure(jail: string, ip: string, time: number, line: string): void {
    this.write(() => this.deps.store.addFailure({ jail, ip, time, line: cutLine(line) }));
  }

  /** An address reached maxretry: its counted failures are done with. */
  clearFailures(jail: string, ip: string): void {
    this.write(() => this.deps.store.clearFailures(jail, [ip]));
  }

  /**
   * Counts again the failures a jail had stored within its findtime (a restart or reload);
   * returns the ban requests they make (only when maxretry was lowered meanwhile).
   */
  restore(kept: KeptJail): { restored: number; requests: BanRequest[] } {
    const { store, clock } = this.deps;
    const now = clock.now();
    const since = now - kept.jail.findtime;
    let failures;
    try {
      store.pruneFailures(kept.name, since);
      failures = store.failures(kept.name, since);
    } catch (err) {
      this.deps.log.error(kept.name, `stored failures not read, counts start from zero: ${errorMessage(err)}`);
      return { restored: 0, requests: [] };
    }
    kept.prunedAt = now;
    const requests = kept.jail.restore(failures, now);
    return { restored: failures.length, requests };
  }

  /** Writes the whole state in one transaction (after a fault); true when it worked. */
  checkpoint(): boolean {
    const { store, log } = this.deps;
    let failures = 0;
    let positions = 0;
    const bans = this.deps.bans();
    try {
      store.batch(() => {
        store.replaceAllBans(bans);
        for (const kept of this.deps.jails()) {
          const counted = kept.jail.failures().map((f) => ({ jail: kept.name, ip: f.ip, time: f.time, line: f.line }));
          failures += counted.length;
          store.replaceFailures(kept.name, counted);
          for (const position of kept.positions.values()) store.savePosition(position);
          positions += kept.positions.size;
        }
      });
    } catch {
      return false;
    }
    const ms = this.health.recovered();
    this.stopRetrying();
    log.notice(null, `State database written again after ${Math.round(ms / 1000)} s: ${bans.length} bans, ${failures} counted failures, ${positions} read positions`);
    return true;
  }

  /** Stops the retry timer (shutdown). */
  stop(): void {
    this.stopRetrying();
  }

  private retryIfDue(): void {
    if (this.health.due()) this.checkpoint();
  }

  private startRetrying(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.retryIfDue(), STATE_RETRY_MS / 2);
    this.timer.unref();
  }

  private stopRetrying(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
