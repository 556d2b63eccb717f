import { BlocklistManager, blocklistSettings, DryRunLists, IpsetLists, NftLists, type BlocklistSettings, type KernelLists } from '../blocklist/index.js';
import type { Config } from '../config/index.js';
import type { BlocklistInfo, BlocklistSummary } from '../control/index.js';
import type { EngineLog } from '../engine/engine-log.js';
import type { FirewallBackend } from '../firewall/types.js';

/** The kernel holder that goes with a firewall backend: the lists live beside its bans. */
export function kernelListsFor(backend: FirewallBackend['name']): KernelLists {
  if (backend === 'nftables') return new NftLists();
  if (backend === 'iptables') return new IpsetLists();
  return new DryRunLists();
}

/** A view reads the saved lists only: no kernel, and so no drop counters. */
const NO_KERNEL: KernelLists = {
  start: async () => undefined,
  replace: async () => undefined,
  dropped: () => Promise.reject(new Error('the kernel is not read without the daemon')),
  stop: async () => undefined,
};

/** What the blocklists run with, from the engine stack. */
export interface BlocklistServiceOptions {
  configPath: string;
  stateDir: string;
  /** The kernel holder; none in a view (saved lists only). */
  kernel: KernelLists | null;
  log: EngineLog;
  /** The trusted ranges now, to report a list that overlaps one. */
  trusted: () => readonly string[];
}

/**
 * The configured blocklists around the engine: started with it (daemon, console), rebuilt when a
 * reload changes `[blocklists]`, their timers stopped with it. Without a daemon, `blocklist update`
 * starts them just for the update, and `blocklist list` reads what is saved.
 */
export class BlocklistService {
  private manager: BlocklistManager;
  private settings: BlocklistSettings[];
  /** Whether the lists run with the engine (daemon, console) rather than for one command. */
  private engine = false;
  /** Whether the current manager has been started. */
  private started = false;

  constructor(config: Config, private readonly options: BlocklistServiceOptions) {
    this.settings = blocklistSettings(options.configPath, config.blocklists);
    this.manager = this.build();
  }

  private build(): BlocklistManager {
    const { stateDir, kernel, log, trusted } = this.options;
    return new BlocklistManager(this.settings, stateDir, kernel ?? NO_KERNEL, {
      log: (line, level) => (level === 'warning' ? log.warning(null, line) : log.info(null, line)),
      trusted,
    });
  }

  get configured(): boolean {
    return this.settings.length > 0;
  }

  /**
   * Loads the saved lists into the kernel, starts their downloads and timers (at once for the
   * lists named in `due`). With none configured, lists a previous run left in the kernel are removed.
   */
  async start(due: readonly string[] = []): Promise<void> {
    const { kernel } = this.options;
    if (!kernel) return;
    this.engine = true;
    this.started = true;
    try {
      if (this.configured) await this.manager.start(due);
      else await kernel.stop([]);
    } catch (error) {
      // The bans work without the lists: the engine goes on, and says why the lists do not.
      this.options.log.error(null, `Blocklists not loaded: ${(error as Error).message}`);
    }
  }

  /** Resolves once the first downloads begun by `start` are done. */
  settled(): Promise<void> {
    return this.manager.settled();
  }

  /**
   * After a reload: a changed `[blocklists]` gets new lists (the kernel's are rewritten to match).
   * The new lists are built (reading what is saved) only once the old ones' refreshes are over, so
   * the two never write the same list in the kernel; a download the old ones cut short is begun
   * again by the new ones.
   */
  async reload(config: Config): Promise<void> {
    const next = blocklistSettings(this.options.configPath, config.blocklists);
    if (JSON.stringify(next) === JSON.stringify(this.settings)) return;
    const cutShort = await this.manager.stop();
    this.settings = next;
    this.manager = this.build();
    this.started = false;
    if (this.engine) await this.start(cutShort);
  }

  summary(): BlocklistSummary[] {
    return this.manager.lists.map((l) => {
      const { name, entries, lastRefresh, lastError } = l.status();
      return { name, entries, lastRefresh, lastError };
    });
  }

  rows(): Promise<BlocklistInfo[]> {
    return this.manager.rows();
  }

  async update(name?: string): Promise<BlocklistInfo[]> {
    if (!this.options.kernel) throw new Error('blocklist update needs the firewall (this is a read-only view)');
    if (!this.configured) throw new Error('no blocklists are configured ([blocklists.NAME] in the config)');
    if (!this.started) {
      this.started = true;
      await this.manager.start();
    }
    return this.manager.update(name);
  }

  async stop(): Promise<void> {
    await this.manager.stop();
  }
}
