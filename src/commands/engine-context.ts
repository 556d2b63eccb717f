import { loadConfig, type Config } from '../config/index.js';
import { BanManager, type BanEvent } from '../engine/ban-manager.js';
import { systemClock } from '../engine/clock.js';
import { SqliteStore } from '../engine/store.js';
import { TrustedSet } from '../engine/trusted.js';
import { DryRunBackend } from '../firewall/dry-run-backend.js';
import { selectBackend } from '../firewall/select-backend.js';
import { acquireLock } from './state-lock.js';
import type { FirewallBackend } from '../firewall/types.js';

/** The state a one-off command works on: config, store, firewall and a ban manager over them. */
export interface EngineContext {
  config: Config;
  store: SqliteStore;
  firewall: FirewallBackend;
  bans: BanManager;
  trusted: TrustedSet;
  /** Why the firewall is a dry run, when it is one without being asked for. */
  notice?: string;
  close(): void;
}

/**
 * Opens what `ban`, `unban` and `trust` act on while no daemon runs: the same database and
 * firewall objects the daemon uses. `live` starts the firewall and the ban manager (the stored
 * bans are put back in one step, so the kernel agrees with the store before the change); without
 * it the context only reads.
 */
export async function openEngineContext(
  configPath: string,
  options: { live?: boolean; onEvent?: (event: BanEvent) => void } = {},
): Promise<EngineContext> {
  const config = loadConfig(configPath);
  // Changing the state directly while a daemon owns it would leave the daemon's view stale: the
  // lock refuses that, naming the daemon (its socket may just be elsewhere).
  const lock = options.live ? acquireLock(config.daemon.state_dir) : null;
  let store: SqliteStore;
  try {
    store = SqliteStore.open(config.daemon.state_dir);
  } catch (err) {
    lock?.release();
    throw err;
  }
  try {
    // Reading needs no firewall: the configured one is chosen (and its tools and rights checked)
    // only to change it, so `bans` and `trust list` work for any user who can read the database.
    const choice = options.live ? await selectBackend(config.firewall.backend, config.daemon.state_dir) : { backend: new DryRunBackend() };
    const trusted = new TrustedSet({ config: config.trusted.ranges });
    const bans = new BanManager({
      store,
      firewall: choice.backend,
      clock: systemClock,
      trusted,
      settings: () => config.settings,
      jailSettings: (jail) => config.jails[jail],
      onEvent: options.onEvent ?? (() => {}),
    });
    bans.loadTrusted();
    if (options.live) {
      await choice.backend.start(trusted.ranges());
      await bans.start();
    }
    return {
      config,
      store,
      firewall: choice.backend,
      bans,
      trusted,
      ...('notice' in choice && choice.notice ? { notice: choice.notice } : {}),
      close: () => {
        bans.stop();
        store.close();
        lock?.release();
      },
    };
  } catch (err) {
    store.close();
    lock?.release();
    throw err;
  }
}
