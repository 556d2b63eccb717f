import { Blocklist, type BlocklistStatus, type ListLog } from './blocklist.js';
import { trustedOverlaps } from './overlap.js';
import type { BlocklistSettings } from './settings.js';

/** What every backend's list holder offers (nftables, iptables+ipset, dry run). */
export interface KernelLists {
  start(names: readonly string[]): Promise<void>;
  replace(name: string, v4: readonly string[], v6: readonly string[]): Promise<void>;
  dropped(): Promise<Map<string, number>>;
  stop(names: readonly string[]): Promise<void>;
}

/** A list's status with its drop counter, as `blocklist list` shows it. */
export interface BlocklistRow extends BlocklistStatus {
  /** Packets dropped by the list (both families); null when it cannot be read here. */
  dropped: number | null;
  /** Seconds between downloads. */
  refresh: number;
}

/** How a manager reports and what it checks lists against. */
export interface ManagerOptions {
  log: ListLog;
  /** Cut-off of one download (ms). */
  timeoutMs?: number;
  /** The trusted ranges now: a loaded list overlapping any is reported (trust wins in the kernel). */
  trusted?: () => readonly string[];
}

/** All configured lists: saved lists loaded at start, the others downloaded, each refreshed on its own timer. */
export class BlocklistManager {
  readonly lists: Blocklist[];
  private timers: NodeJS.Timeout[] = [];
  private started: Promise<void> | null = null;
  private stopped = false;
  /** The first downloads of lists with nothing saved, begun by `start`. */
  private downloads: Promise<unknown> = Promise.resolve();

  constructor(
    settings: readonly BlocklistSettings[],
    stateDir: string,
    private readonly kernel: KernelLists,
    private readonly options: ManagerOptions,
  ) {
    this.lists = settings.map((s) => new Blocklist(s, stateDir, (name, v4, v6) => this.load(name, v4, v6), options.log, options.timeoutMs));
  }

  get names(): string[] {
    return this.lists.map((l) => l.settings.name);
  }

  private async load(name: string, v4: readonly string[], v6: readonly string[]): Promise<void> {
    await this.kernel.replace(name, v4, v6);
    const trusted = this.options.trusted?.() ?? [];
    if (trusted.length === 0) return;
    const overlap = trustedOverlaps(v4, v6, trusted);
    if (overlap.entries === 0) return;
    this.options.log(`blocklist ${name}: ${overlap.entries} entries overlap trusted ${overlap.ranges.join(', ')}; trusted addresses stay allowed`, 'warning');
  }

  /**
   * Creates the kernel objects and loads what is saved (no download), then starts the timers.
   * Lists with nothing saved are downloaded together in the background (see {@link settled}), so
   * a slow server does not hold up the engine's start. The lists named in `due` are downloaded
   * too, saved or not (after a reload, those whose download the previous lists cut short).
   */
  start(due: readonly string[] = []): Promise<void> {
    this.started ??= (async () => {
      await this.kernel.start(this.names);
      const saved = await Promise.all(this.lists.map((list) => list.loadSaved()));
      if (this.stopped) return;
      this.downloads = Promise.all(this.lists.filter((list, i) => !saved[i] || due.includes(list.settings.name)).map((list) => list.refresh()));
      for (const list of this.lists) {
        const timer = setInterval(() => void list.refresh(), list.settings.refresh * 1000);
        timer.unref();
        this.timers.push(timer);
      }
    })();
    return this.started;
  }

  /** Resolves once the first downloads begun by `start` are done (loaded or refused). */
  async settled(): Promise<void> {
    await this.started;
    await this.downloads;
  }

  /** Refreshes one list or all (at once); throws naming an unknown list. */
  async update(name?: string): Promise<BlocklistRow[]> {
    const chosen = name === undefined ? this.lists : this.lists.filter((l) => l.settings.name === name);
    if (chosen.length === 0) throw new Error(`no blocklist named "${name}" (known: ${this.names.join(', ') || 'none'})`);
    await Promise.all(chosen.map((list) => list.refresh()));
    return this.rows();
  }

  async rows(): Promise<BlocklistRow[]> {
    const dropped = await this.kernel.dropped().catch(() => null);
    return this.lists.map((l) => ({ ...l.status(), refresh: l.settings.refresh, dropped: dropped ? (dropped.get(l.settings.name) ?? 0) : null }));
  }

  /**
   * Stops the timers and the refreshes under way: a download is cut short, a kernel load (and a
   * start) is waited for, so lists built after this never race these in the kernel. Resolves with
   * the names of the lists whose download was cut short. The lists stay in the kernel (like the
   * bans) until the backend is stopped.
   */
  async stop(): Promise<string[]> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    const cut = await Promise.all(this.lists.map((list) => list.stop()));
    await this.started?.catch(() => undefined);
    return this.names.filter((_, i) => cut[i]);
  }
}
