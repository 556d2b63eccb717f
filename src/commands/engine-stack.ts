import { loadConfig, userFilterDir, type Config } from '../config/index.js';
import type { CommandHandlers } from '../control/index.js';
import { EngineLog, type LogEntry } from '../engine/engine-log.js';
import { Engine, type EngineEvent } from '../engine/engine.js';
import { SqliteStore } from '../engine/store.js';
import { RuleApplier } from '../firewall/rule-applier.js';
import { selectBackend } from '../firewall/select-backend.js';
import type { FirewallBackend } from '../firewall/types.js';
import { daemonHandlers } from './daemon-handlers.js';
import type { FirewallEventData } from './firewall-handler.js';
import { acquireLock } from './state-lock.js';
import type { SshSession } from '../firewall/rules.js';

/** How an engine stack reports and where it finds filters. */
export interface EngineStackOptions {
  /**
   * Every event, as the daemon broadcasts it: the engine's (`ban`, `unban`, `failure`, `hostname`,
   * `refused`, `restored`, `error`, `source`, `ban-request`; data is the event itself), `log` (data
   * is the LogEntry), `firewall` and `config` (see DaemonParts.emit).
   */
  onEvent?: (event: string, data: unknown) => void;
  /** Also called for each engine log entry with its formatted line (the daemon writes it to stderr). */
  logEcho?: (line: string, entry: LogEntry) => void;
  /** The operator's SSH session, for a rule apply to keep open (see DaemonParts.operatorSession). */
  operatorSession?: SshSession | null;
  /** Filter folders searched before the user's filter.d and the shipped filters. */
  filterDirs?: string[];
}

/** The engine and everything around it, built but not started. */
export interface EngineStack {
  config: Config;
  engine: Engine;
  log: EngineLog;
  firewall: FirewallBackend;
  applier: RuleApplier;
  /** One handler per control command: wrap in InProcessControl, or serve with ControlServer. */
  handlers: CommandHandlers;
  /** Why the firewall is a dry run when it is one without being asked for. */
  notice?: string;
  /** Starts the firewall, restores bans, starts reading logs. */
  start(): Promise<void>;
  /** Re-reads the config file and applies it (SIGHUP); throws, changing nothing, when it is invalid. */
  reload(): Promise<string>;
  /**
   * Stops reading logs and the timers, rolls back rules applied but not confirmed (no one is left
   * to time them out), closes the store and releases the state lock. Bans stay in place.
   */
  stop(): Promise<void>;
}

/**
 * Builds what the daemon runs and the console runs in-process: the engine log, the state lock,
 * the store, the firewall backend, the rule applier (rolling back an apply a dead process left
 * unconfirmed), the engine (filters from `<config folder>/filter.d` first) and its command
 * handlers. Whatever fails part-way is closed again before the error is thrown.
 */
export async function openEngineStack(configPath: string, options: EngineStackOptions = {}): Promise<EngineStack> {
  const config = loadConfig(configPath);
  const emit = (event: string, data: unknown): void => options.onEvent?.(event, data);
  const log = new EngineLog({
    file: config.daemon.log_file,
    echo: (line, entry) => {
      options.logEcho?.(line, entry);
      emit('log', entry);
    },
  });
  // A second engine on the same state would fight this one over the store and the firewall.
  const lock = acquireLock(config.daemon.state_dir);
  let store: SqliteStore | null = null;
  try {
    store = SqliteStore.open(config.daemon.state_dir);
    const choice = await selectBackend(config.firewall.backend, config.daemon.state_dir);
    if (choice.notice) log.warning(null, choice.notice);
    // A rule apply left unconfirmed by a process that died: its previous rules come back.
    const applier = new RuleApplier(choice.backend, config.daemon.state_dir);
    if ((await applier.recover(true)) === 'rolled-back') log.warning(null, 'Rolled back firewall rules left unconfirmed before a restart');
    const engine = new Engine({
      configPath,
      config,
      store,
      firewall: choice.backend,
      log,
      filterDirs: [...(options.filterDirs ?? []), userFilterDir(configPath)],
      onEvent: (event: EngineEvent) => emit(event.type, event),
    });
    const reload = async (): Promise<string> => {
      await engine.reload(loadConfig(configPath));
      return `reloaded ${configPath}`;
    };
    const stopping = new AbortController();
    const handlers = daemonHandlers({
      configPath, engine, log, firewall: choice.backend, applier, reload, emit, stopped: stopping.signal, operatorSession: options.operatorSession ?? null,
    });
    const opened = store;
    let stopped: Promise<void> | null = null;
    const stop = async (): Promise<void> => {
      stopping.abort();
      await engine.stop().catch((err: Error) => log.error(null, `stopping the engine: ${err.message}`));
      // Rules applied but never confirmed do not outlive the process that was to time them out.
      if ((await applier.recover(true).catch(() => 'none')) === 'rolled-back') {
        log.warning(null, 'Rolled back firewall rules that were still waiting for confirmation');
        emit('firewall', { state: 'rolled-back', reason: 'stopped' } satisfies FirewallEventData);
      }
      opened.close();
      lock.release();
    };
    return {
      config,
      engine,
      log,
      firewall: choice.backend,
      applier,
      handlers,
      ...(choice.notice ? { notice: choice.notice } : {}),
      start: () => engine.start(),
      reload,
      // Twice is once: the console's exit path and a signal may both call it.
      stop: () => (stopped ??= stop()),
    };
  } catch (err) {
    store?.close();
    lock.release();
    throw err;
  }
}
