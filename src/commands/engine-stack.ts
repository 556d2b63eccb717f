import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path, { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emailAction } from '../actions/email-action.js';
import { hookActions } from '../actions/hook-actions.js';
import { loadConfig, type Config } from '../config/index.js';
import { engineEvent, type CommandHandlers, type ServiceEvent } from '../control/index.js';
import { EngineLog, type LogEntry } from '../engine/engine-log.js';
import { Engine } from '../engine/engine.js';
import { MemoryStore } from '../engine/memory-store.js';
import { DATABASE_FILE, SqliteStore } from '../engine/store.js';
import type { BanStore } from '../engine/types.js';
import { DryRunBackend } from '../firewall/dry-run-backend.js';
import { RuleApplier } from '../firewall/rule-applier.js';
import { holdLauncher, releaseLauncher } from '../firewall/run-command.js';
import { selectBackend } from '../firewall/select-backend.js';
import type { FirewallBackend } from '../firewall/types.js';
import type { SshSession } from '../net/index.js';
import { BlocklistService, kernelListsFor } from './blocklist-service.js';
import { assertJailsCompile } from './check-command.js';
import { daemonHandlers } from './daemon-handlers.js';
import { acquireLock, type StateLock } from './state-lock.js';

/** A config file and what it says, read once per process. */
export interface LoadedConfig {
  path: string;
  config: Config;
}

/**
 * How much of the engine runs:
 * - `engine`: everything (the daemon, the console running its own engine): the state lock, the
 *   firewall, the stored bans, the jails reading their logs.
 * - `service`: a one-off command that changes the state while no daemon runs: the state lock,
 *   the firewall and the stored bans, no logs read. A rule apply it leaves pending is timed out
 *   by a detached process after it exits.
 * - `view`: a one-off command that only reads: no lock, the firewall only looked at (or not at
 *   all), the stored bans read into memory, nothing written.
 */
export type StackMode = 'engine' | 'service' | 'view';

/** How an engine stack runs, reports and where it finds filters. */
export interface EngineStackOptions {
  mode?: StackMode;
  /** `view` only: read the configured firewall (`firewall show`) instead of using none. */
  readFirewall?: boolean;
  /** Every event, as the daemon broadcasts it (the engine's, `log`, `firewall`, `config`). */
  onEvent?: (event: ServiceEvent) => void;
  /** Also called for each engine log entry with its formatted line (the daemon writes it to stderr). */
  logEcho?: (line: string, entry: LogEntry) => void;
  /** The operator's SSH session, for requests that name none (the console running its own engine). */
  operatorSession?: SshSession | null;
  /** Filter folders searched before the user's filter.d and the shipped filters. */
  filterDirs?: string[];
  /** fail2ban's stock filter folder, offered in the add-a-jail form (default /etc/fail2ban/filter.d). */
  stockFilterDir?: string;
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
  /** The configured blocklists. */
  blocklists: BlocklistService;
  /** Why the firewall is a dry run when it is one without being asked for. */
  notice?: string;
  /** Starts what the mode runs: the firewall, the stored bans, the jails. */
  start(): Promise<void>;
  /** Re-reads the config file and applies it (SIGHUP); throws, changing nothing, when it is invalid. */
  reload(): Promise<string>;
  /**
   * Stops reading logs and the timers and closes the store and the lock. Bans stay in place. In
   * `engine` mode, rules applied but not confirmed are rolled back (no one is left to time them out).
   */
  stop(): Promise<void>;
}

/**
 * Builds what the daemon runs, the console runs in-process and a one-off command runs when no
 * daemon answers: the engine log, the state lock, the store, the firewall backend, the rule
 * applier, the engine (filters from `<config folder>/filter.d` first), the e-mail action and the
 * command handlers. Whatever fails part-way is closed again before the error is thrown.
 */
export async function openEngineStack(loaded: LoadedConfig | string, options: EngineStackOptions = {}): Promise<EngineStack> {
  const { path: configPath, config } = typeof loaded === 'string' ? { path: loaded, config: loadConfig(loaded) } : loaded;
  const mode = options.mode ?? 'engine';
  // A jail whose filter is missing or broken stops the start with its file, line and key.
  if (mode === 'engine') assertJailsCompile(configPath, config, options.filterDirs, options.stockFilterDir);
  const emit = (event: ServiceEvent): void => options.onEvent?.(event);
  const log = new EngineLog({
    // A view writes nothing, not even its own log lines.
    ...(mode === 'view' ? {} : { file: config.daemon.log_file }),
    echo: (line, entry) => {
      options.logEcho?.(line, entry);
      emit({ event: 'log', data: entry });
    },
  });
  // A second engine on the same state would fight this one over the store and the firewall.
  const lock: StateLock | null = mode === 'view' ? null : acquireLock(config.daemon.state_dir);
  let store: BanStore | null = null;
  let launching = false;
  try {
    // A view of a state that was never written reads an empty one, and creates nothing.
    const fresh = mode === 'view' && !existsSync(path.join(config.daemon.state_dir, DATABASE_FILE));
    // The engine's commits leave the write-ahead log's checkpoints to a thread of its own.
    store = fresh ? new MemoryStore() : SqliteStore.open(config.daemon.state_dir, { checkpointThread: mode === 'engine' });
    const choice = mode === 'view' && !options.readFirewall
      ? { backend: new DryRunBackend() as FirewallBackend }
      : await selectBackend(config.firewall.backend, config.daemon.state_dir);
    // Before the bans are loaded: the engine's firewall commands start from a process still small.
    launching = mode === 'engine' && choice.backend.name !== 'dry-run';
    if (launching) holdLauncher();
    const notice = 'notice' in choice && choice.notice ? choice.notice : undefined;
    if (notice && mode === 'engine') log.warning(null, notice);
    const applier = new RuleApplier(choice.backend, config.daemon.state_dir);
    // A rule apply left unconfirmed by a process that died: its previous rules come back. A
    // one-off command leaves one still in its countdown alone (its own watcher times it out).
    if (mode !== 'view' && (await applier.recover(mode === 'engine')) === 'rolled-back') {
      log.warning(null, 'Rolled back firewall rules left unconfirmed before a restart');
    }
    let engine: Engine | null = null;
    const mail = mode === 'view' ? null : emailAction({ config: () => engine?.config ?? config, store, log });
    // Exec and webhook hooks run wherever bans are made: not in a view.
    const hooks = mode === 'view' ? null : hookActions({ config: () => engine?.config ?? config, log });
    engine = new Engine({
      configPath,
      config,
      store,
      firewall: choice.backend,
      log,
      ...(options.filterDirs ? { filterDirs: options.filterDirs } : {}),
      ...(options.stockFilterDir ? { stockFilterDir: options.stockFilterDir } : {}),
      onEvent: (event) => emit(engineEvent(event)),
      subscribers: [...(mail ? [mail] : []), ...(hooks ? [hooks] : [])],
      // The daemon matches on a thread of its own: a backlog's load then uses both cores.
      matchThread: mode === 'engine',
    });
    const running = engine;
    // Blocklists beside the bans, in the backend's own kind of sets; a view reads the saved ones.
    const blocklists = new BlocklistService(config, {
      configPath,
      stateDir: config.daemon.state_dir,
      kernel: mode === 'view' ? null : kernelListsFor(choice.backend.name),
      log,
      trusted: () => running.trusted.ranges(),
    });
    const reload = async (): Promise<string> => {
      const next = loadConfig(configPath);
      await running.reload(next);
      await blocklists.reload(next);
      return `reloaded ${configPath}`;
    };
    const stopping = new AbortController();
    const handlers = daemonHandlers({
      configPath, engine, log, firewall: choice.backend, applier, mail, reload, emit, stopped: stopping.signal, blocklists,
      operatorSession: options.operatorSession ?? null, ...(notice ? { notice } : {}),
    });
    const opened = store;
    let stopped: Promise<void> | null = null;
    const stop = async (): Promise<void> => {
      stopping.abort();
      await blocklists.stop();
      if (mode !== 'view') await running.stop().catch((err: Error) => log.error(null, `stopping the engine: ${err.message}`));
      if (mode === 'engine' && (await applier.recover(true).catch(() => 'none')) === 'rolled-back') {
        // Rules applied but never confirmed do not outlive the process that was to time them out.
        log.warning(null, 'Rolled back firewall rules that were still waiting for confirmation');
        emit({ event: 'firewall', data: { state: 'rolled-back', reason: 'stopped' } });
      }
      if (mode === 'service' && applier.pending()) startRollbackWatcher(configPath);
      opened.close();
      lock?.release();
      if (launching) releaseLauncher();
    };
    const start = async (): Promise<void> => {
      if (mode === 'view') running.bans.view();
      else await running.start({ readLogs: mode === 'engine' });
      // After the firewall's start: the trusted ranges are in its sets, and the lists' chain
      // returns for them before any list drops. A one-off command starts them only to update.
      if (mode === 'engine') await blocklists.start();
    };
    return {
      config,
      engine,
      log,
      firewall: choice.backend,
      applier,
      handlers,
      blocklists,
      ...(notice ? { notice } : {}),
      start,
      reload,
      // Twice is once: the console's exit path and a signal may both call it.
      stop: () => (stopped ??= stop()),
    };
  } catch (err) {
    store?.close();
    lock?.release();
    if (launching) releaseLauncher();
    throw err;
  }
}

/** The rollback countdown of an apply made with no daemon running, in a process that outlives this one (and its SSH session). */
function startRollbackWatcher(configPath: string): void {
  const cli = fileURLToPath(new URL('../cli.js', import.meta.url));
  const child = spawn(process.execPath, [cli, 'firewall', 'rollback', '--when-due', '--config', resolve(configPath)], { detached: true, stdio: 'ignore' });
  child.unref();
}
