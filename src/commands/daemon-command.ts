import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/index.js';
import { ControlServer } from '../control/index.js';
import { EngineLog } from '../engine/engine-log.js';
import { Engine, type EngineEvent } from '../engine/engine.js';
import { SqliteStore } from '../engine/store.js';
import { RuleApplier } from '../firewall/rule-applier.js';
import { selectBackend } from '../firewall/select-backend.js';
import { daemonHandlers } from './daemon-handlers.js';
import { acquireLock } from './state-lock.js';

/** Where the daemon puts its socket and pid file, when not the config's. */
export interface DaemonOptions {
  socket?: string;
  pidFile?: string;
  /** Ends the daemon like SIGTERM (tests). */
  stopSignal?: AbortSignal;
}

/**
 * `portcullis --daemon`: the engine and the control socket, no console. Logs to the engine log
 * and to stderr (journald picks it up); holds a lock on the state folder so a second daemon
 * refuses to start; writes a pid file; stops cleanly on SIGTERM/SIGINT; reloads on SIGHUP, and a
 * bad config on reload is reported while the running one stays. Resolves with the exit code.
 */
export async function runDaemon(configPath: string, options: DaemonOptions = {}): Promise<number> {
  const config = loadConfig(configPath);
  let broadcast: (event: string, data: unknown) => void = () => {};
  const log = new EngineLog({
    file: config.daemon.log_file,
    echo: (line, entry) => {
      process.stderr.write(`${line}\n`);
      broadcast('log', entry);
    },
  });
  const lock = acquireLock(config.daemon.state_dir);
  const pidFile = options.pidFile ?? config.daemon.pid_file;
  let store: SqliteStore | null = null;
  let server: ControlServer | null = null;
  let engine: Engine | null = null;
  let applier: RuleApplier | null = null;
  try {
    store = SqliteStore.open(config.daemon.state_dir);
    mkdirSync(path.dirname(pidFile), { recursive: true });
    writeFileSync(pidFile, `${process.pid}\n`);
    const choice = await selectBackend(config.firewall.backend, config.daemon.state_dir);
    if (choice.notice) log.warning(null, choice.notice);
    // A rule apply left unconfirmed by a process that died: its previous rules come back.
    applier = new RuleApplier(choice.backend, config.daemon.state_dir);
    if ((await applier.recover(true)) === 'rolled-back') log.warning(null, 'Rolled back firewall rules left unconfirmed before a restart');
    const running = new Engine({ configPath, config, store, firewall: choice.backend, log, onEvent: (event: EngineEvent) => broadcast(event.type, event) });
    engine = running;
    const reload = async (): Promise<string> => {
      const next = loadConfig(configPath);
      await running.reload(next);
      return `reloaded ${configPath}`;
    };
    server = new ControlServer(options.socket ?? config.daemon.socket, daemonHandlers({ configPath, engine: running, log, firewall: choice.backend, applier, reload }));
    await server.start();
    const live = server;
    broadcast = (event, data) => live.broadcast(event, data);
    await running.start();
    log.info(null, `Listening on ${options.socket ?? config.daemon.socket} (pid ${process.pid})`);
    await waitForStop(log, reload, options.stopSignal);
    return 0;
  } catch (err) {
    log.error(null, `stopping: ${(err as Error).message}`);
    throw err;
  } finally {
    // Whatever happened, nothing of ours keeps running: followers, timers, the socket.
    await engine?.stop().catch(() => {});
    // Rules applied but never confirmed do not outlive the daemon that was to time them out.
    if (applier && (await applier.recover(true).catch(() => 'none')) === 'rolled-back') {
      log.warning(null, 'Rolled back firewall rules that were still waiting for confirmation');
    }
    await server?.stop();
    store?.close();
    rmSync(pidFile, { force: true });
    lock.release();
  }
}

function waitForStop(log: EngineLog, reload: () => Promise<string>, stopSignal?: AbortSignal): Promise<void> {
  const onHup = (): void => {
    reload().then(
      (message) => log.notice(null, message),
      (err: Error) => log.error(null, `reload failed, the running configuration stays: ${err.message}`),
    );
  };
  process.on('SIGHUP', onHup);
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGHUP', onHup);
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    stopSignal?.addEventListener('abort', stop, { once: true });
  });
}
