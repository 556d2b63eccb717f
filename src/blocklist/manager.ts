import { Blocklist, type BlocklistStatus } from './blocklist.js';
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
  dropped: number;
}

/** All configured lists: saved lists loaded at start, refreshed on their own timers. */
export class BlocklistManager {
  readonly lists: Blocklist[];
  private timers: NodeJS.Timeout[] = [];

  constructor(
    settings: readonly BlocklistSettings[],
    stateDir: string,
    private readonly kernel: KernelLists,
    log: (line: string) => void,
    timeoutMs?: number,
  ) {
    this.lists = settings.map((s) => new Blocklist(s, stateDir, (name, v4, v6) => kernel.replace(name, v4, v6), log, timeoutMs));
  }

  /** Creates the sets, loads what is saved (no download), downloads lists with nothing saved, starts the timers. */
  async start(): Promise<void> {
    await this.kernel.start(this.lists.map((l) => l.settings.name));
    // Lists with nothing saved download together: start-up waits for the slowest, not the sum.
    await Promise.all(this.lists.map(async (list) => (await list.loadSaved()) || list.refresh()));
    for (const list of this.lists) {
      const timer = setInterval(() => void list.refresh(), list.settings.refresh * 1000);
      timer.unref();
      this.timers.push(timer);
    }
  }

  /** Refreshes one list or all; throws naming an unknown list. */
  async update(name?: string): Promise<BlocklistRow[]> {
    const chosen = name === undefined ? this.lists : this.lists.filter((l) => l.settings.name === name);
    if (chosen.length === 0) throw new Error(`no blocklist named "${name}" (known: ${this.lists.map((l) => l.settings.name).join(', ') || 'none'})`);
    for (const list of chosen) await list.refresh();
    return this.rows();
  }

  async rows(): Promise<BlocklistRow[]> {
    const dropped = await this.kernel.dropped().catch(() => new Map<string, number>());
    return this.lists.map((l) => ({ ...l.status(), dropped: dropped.get(l.settings.name) ?? 0 }));
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }
}
