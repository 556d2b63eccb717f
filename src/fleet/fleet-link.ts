import { readFileSync } from 'node:fs';
import { Redis, type RedisOptions } from 'ioredis';
import type { FleetSettings } from '../config/index.js';
import type { EngineEvent } from '../engine/engine.js';
import type { BanManager } from '../engine/ban-manager.js';
import { errorMessage } from '../engine/error-message.js';
import type { BanSummary, FleetLinkStatus } from '../engine/types.js';
import { banFields, idTime, parseEntry, unbanFields, type FleetEntry } from './fleet-entry.js';
import { FleetStore } from './fleet-store.js';
import { Outbox } from './outbox.js';
import { TrimTracker } from './trim-tracker.js';
import { Wakeups } from './wakeups.js';

/** What the link needs of the engine. */
export interface FleetEngine {
  bans: Pick<BanManager, 'banRemote' | 'unbanRemote' | 'inOneWrite'>;
  list(): BanSummary[];
}

/** Where the link reports (the engine log, in the daemon). */
export type FleetLog = { [K in 'info' | 'notice' | 'warning' | 'error']: (jail: string | null, message: string) => unknown };

export interface FleetLinkOptions {
  settings: FleetSettings;
  stateDir: string;
  engine: FleetEngine;
  log: FleetLog;
  /** The outbox's SQLite `synchronous` (FULL by default; NORMAL measures what FULL costs). */
  synchronous?: 'FULL' | 'NORMAL';
  /** How often the stream is trimmed at most, ms (default TRIM_EVERY_MS; tests: shorter). */
  trimEveryMs?: number;
}

/** Entries per XREAD. */
const BATCH = 500;
/** How long one XREAD waits for entries (ms); the loop then asks again. */
const BLOCK_MS = 5000;
/**
 * After a read that found entries, the next one waits until this long after it (ms), so a busy
 * stream is read in batches: each read is one synced store transaction, and read entry by entry
 * 50 nodes' bans took half of a node's event loop in disk syncs (bench/fleet-node-bench.ts).
 * The first entry after a quiet spell still comes at once.
 */
const READ_GAP_MS = 50;
/** The last id read is stored at most this often (ms). */
const SAVE_ID_EVERY_MS = 250;
/** At most one XTRIM this often (ms). */
const TRIM_EVERY_MS = 10_000;

/**
 * Shares bans with other servers through one Redis stream. Each ban (and lifted ban) made here
 * is first queued in the state database, then XADDed; the queue empties on every (re)connection,
 * so an outage loses nothing. Each node reads the stream with XREAD BLOCK from the last id it
 * stored and applies other nodes' bans through its own ban manager, which keeps its trusted
 * ranges first. Applying is idempotent (an entry read twice after a crash changes nothing).
 */
export class FleetLink {
  private readonly store: FleetStore;
  private readonly trim = new TrimTracker();
  /** Addresses whose ban here came from another node: their end is not published again. */
  private readonly remote = new Set<string>();
  private pub: Redis | null = null;
  private sub: Redis | null = null;
  private stopped = false;
  private reading: Promise<void> | null = null;
  private readonly wakeups = new Wakeups();
  private lagSeconds: number | null = null;
  private downSince: number | null = null;
  private trimmedAt = 0;
  private trimmedTo = '';
  private trimTimer: NodeJS.Timeout | null = null;
  private applied = 0;
  private readonly outbox: Outbox;

  constructor(private readonly options: FleetLinkOptions) {
    this.store = new FleetStore(options.stateDir, options.synchronous);
    this.outbox = new Outbox(this.store, options.settings.stream, () => this.pub);
  }

  private get trimEvery(): number {
    return this.options.trimEveryMs ?? TRIM_EVERY_MS;
  }

  private get settings(): FleetSettings {
    return this.options.settings;
  }

  /** Connects (and keeps reconnecting) and starts reading; returns at once. Throws for an unreadable `tls_ca`. */
  start(): void {
    let ca: Buffer | undefined;
    if (this.settings.tls_ca !== undefined) {
      try {
        ca = readFileSync(this.settings.tls_ca);
      } catch (err) {
        throw new Error(`[fleet] tls_ca: cannot read ${this.settings.tls_ca}: ${errorMessage(err)}`);
      }
    }
    for (const ban of this.options.engine.list()) if (ban.origin !== undefined) this.remote.add(ban.ip);
    const clientOptions: RedisOptions = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 3000,
      retryStrategy: (times) => Math.min(100 * times, 1000),
      ...(this.settings.password !== undefined ? { password: this.settings.password } : {}),
      ...(ca ? { tls: { ca } } : {}),
    };
    this.pub = new Redis(this.settings.redis, clientOptions);
    // A node that accepts nothing does not read the stream (the nodes that read it trim it).
    this.sub = this.settings.accept ? new Redis(this.settings.redis, clientOptions) : null;
    this.downSince = Date.now();
    for (const client of this.sub ? [this.pub, this.sub] : [this.pub]) {
      client.on('error', (err: Error) => this.linkDown(err));
      client.on('close', () => this.linkDown(null));
      client.on('ready', () => this.linkUp());
    }
    this.options.log.info(null, `Fleet: connecting to ${redactedUrl(this.settings.redis)} as ${this.settings.node}, stream "${this.settings.stream}"`);
    this.reading = this.sub ? this.readLoop() : null;
    this.trimTimer = setInterval(() => this.trimStream(true), this.trimEvery);
    this.trimTimer.unref();
  }

  /** Stops reading, lets a publish under way finish, and closes the links and the store. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.trimTimer) clearInterval(this.trimTimer);
    this.wakeups.close();
    this.sub?.disconnect();
    await this.reading;
    await this.outbox.close();
    this.pub?.disconnect();
    this.store.close();
  }

  /** A ban or an unban made here: queued, then published. */
  onEngineEvent(event: EngineEvent): void {
    if (this.stopped) return;
    const node = this.settings.node;
    if (event.type === 'ban') {
      const { record } = event;
      if (record.origin !== undefined) {
        this.remote.add(record.ip);
        return;
      }
      this.remote.delete(record.ip);
      if (!this.shares(record.jail)) return;
      this.outbox.add(banFields(node, record));
    } else if (event.type === 'unban') {
      if (this.remote.delete(event.ip)) return;
      // Every node ends a ban at the expiry it was sent with: no entry needed for that.
      if (event.reason === 'expired' || !this.shares(event.jail)) return;
      this.outbox.add(unbanFields(node, event.ip, event.jail, event.reason));
    }
  }

  status(): FleetLinkStatus {
    const up = this.linked();
    const now = Date.now();
    const behind = !up && this.downSince !== null ? (now - this.downSince) / 1000 : 0;
    return {
      node: this.settings.node,
      stream: this.settings.stream,
      link: up ? 'connected' : 'disconnected',
      // The clients reconnect until stopped (retryStrategy never gives up).
      retrying: !up && !this.stopped,
      downSince: up ? null : this.downSince,
      lagSeconds: Math.max(this.lagSeconds ?? 0, behind),
      queued: this.store.size,
      published: this.outbox.published,
      applied: this.applied,
    };
  }

  private shares(jail: string): boolean {
    return this.settings.share === undefined || this.settings.share.includes(jail);
  }

  private linked(): boolean {
    return this.pub?.status === 'ready' && (this.sub === null || this.sub.status === 'ready');
  }

  private linkUp(): void {
    if (!this.linked()) return;
    if (this.downSince !== null) this.options.log.notice(null, `Fleet: linked to the stream "${this.settings.stream}" as ${this.settings.node}`);
    this.downSince = null;
    this.wakeups.wakeAll();
    this.outbox.kick();
  }

  private linkDown(err: Error | null): void {
    if (this.stopped || this.downSince !== null) return;
    this.downSince = Date.now();
    this.options.log.warning(null, `Fleet: lost the link to Redis${err ? ` (${err.message})` : ''}; local bans go on and are queued until it is back`);
  }

  private async readLoop(): Promise<void> {
    const stream = this.settings.stream;
    // A new node reads what is left in the stream: those are the fleet's bans still in force.
    let lastId = this.store.lastId(stream) ?? '0-0';
    let savedAt = 0;
    while (!this.stopped) {
      const sub = this.sub!;
      if (sub.status !== 'ready') {
        await this.wakeups.wait();
        continue;
      }
      let reply: [string, [string, string[]][]][] | null;
      const readAt = Date.now();
      try {
        reply = (await sub.xread('COUNT', BATCH, 'BLOCK', BLOCK_MS, 'STREAMS', stream, lastId)) as typeof reply;
      } catch (err) {
        if (!this.stopped) this.linkDown(err as Error);
        continue;
      }
      if (!reply) {
        // A quiet stream: nothing is waiting, so nothing lags; what was read last is stored now.
        this.lagSeconds = 0;
        this.store.saveLastId(stream, lastId);
        continue;
      }
      // The bans of one read go to the store in one transaction. Their firewall calls go on
      // meanwhile (the ban manager runs them in order, and restores stored bans after a crash),
      // so the next read does not wait for them.
      const read = this.options.engine.bans.inOneWrite(() => this.applyRead(reply!, lastId));
      lastId = read.lastId;
      // Stored at most every SAVE_ID_EVERY_MS (and at the end): entries read again after a crash
      // change nothing, so a sync for every read of a busy stream would buy nothing.
      if (Date.now() - savedAt >= SAVE_ID_EVERY_MS) {
        this.store.saveLastId(stream, lastId);
        savedAt = Date.now();
      }
      this.trimStream(false);
      // A full batch means a backlog: read on at once.
      if (read.count < BATCH) await this.wakeups.pause(readAt + READ_GAP_MS - Date.now());
    }
    this.store.saveLastId(stream, lastId);
  }

  /** Applies the entries of one XREAD reply (each error is logged by `apply`); returns the last id read. */
  private applyRead(reply: [string, [string, string[]][]][], lastId: string): { lastId: string; count: number; work: Promise<unknown>[] } {
    const now = Date.now();
    const work: Promise<unknown>[] = [];
    let count = 0;
    for (const [, entries] of reply) {
      count += entries.length;
      for (const [id, flat] of entries) {
        lastId = id;
        let entry: FleetEntry;
        try {
          entry = parseEntry(flat);
        } catch (err) {
          this.options.log.warning(null, `Fleet: entry ${id} skipped: ${errorMessage(err)}`);
          continue;
        }
        this.trim.saw(id, entry);
        this.lagSeconds = Math.max(0, now - idTime(id)) / 1000;
        if (entry.node === this.settings.node) continue;
        work.push(this.apply(entry));
      }
    }
    return { lastId, count, work };
  }

  private async apply(entry: FleetEntry): Promise<void> {
    const { bans } = this.options.engine;
    try {
      const applied = entry.kind === 'ban'
        ? await bans.banRemote({
          ip: entry.ip, jail: entry.jail, expiresAt: entry.expiresAt, reason: [entry.reason], origin: entry.node, countsHere: this.settings.count_remote,
        })
        : await bans.unbanRemote(entry.ip, entry.node);
      if (applied) this.applied++;
    } catch (err) {
      this.options.log.error(null, `Fleet: ${entry.kind} of ${entry.ip} from ${entry.node} failed: ${errorMessage(err)}`);
    }
  }

  /** XTRIM MINID past entries whose bans all ended (at most once per TRIM_EVERY_MS unless `due`). */
  private trimStream(due: boolean): void {
    const now = Date.now();
    if (this.pub?.status !== 'ready' || (!due && now - this.trimmedAt < this.trimEvery)) return;
    this.trimmedAt = now;
    const minId = this.trim.minId(now);
    if (minId === null || minId === this.trimmedTo) return;
    this.trimmedTo = minId;
    this.pub.xtrim(this.settings.stream, 'MINID', minId).catch((err: Error) => this.options.log.warning(null, `Fleet: trimming the stream failed: ${err.message}`));
  }
}

/** The Redis URL without its password, for the log. */
function redactedUrl(text: string): string {
  const url = new URL(text);
  if (url.password !== '') url.password = '***';
  return url.toString();
}
