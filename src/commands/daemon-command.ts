import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/index.js';
import { ControlServer, resolveSocketGroup } from '../control/index.js';
import { gatheredWriter, stderrFormatter, type EngineLog } from '../engine/engine-log.js';
import { attachDaemonFeatures, type DaemonFeatures } from '../metrics/daemon-features.js';
import { openEngineStack, type EngineStack } from './engine-stack.js';
import { ServiceReadiness } from './service-readiness.js';

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
  const loaded = { path: configPath, config: loadConfig(configPath) };
  const { config } = loaded;
  const socket = options.socket ?? config.daemon.socket;
  const pidFile = options.pidFile ?? config.daemon.pid_file;
  // Before anything starts: a group that does not exist is a config error, not a socket nobody can use.
  const group = config.daemon.socket_group === undefined ? null : await resolveSocketGroup(config.daemon.socket_group);
  let server: ControlServer | null = null;
  let features: DaemonFeatures | null = null;
  const toStderr = stderrFormatter();
  // One write per burst of entries (a read of a log can log thousands), not one per entry.
  // stderr is synchronous for files, pipes and the journal's socket on Linux; should a write
  // still be queued, the stream holds the bytes and the writer takes a new buffer.
  const writeStderr = gatheredWriter((bytes) => {
    process.stderr.write(bytes);
    return process.stderr.writableLength > 0;
  });
  const stack: EngineStack = await openEngineStack(loaded, {
    logEcho: (line, entry) => writeStderr(toStderr(line, entry)),
    onEvent: ({ event, data }) => {
      server?.broadcast(event, data);
      features?.onEvent(event, data);
    },
  });
  let wrotePidFile = false;
  const readiness = new ServiceReadiness(() => stack.engine.status(), { onFailure: (m) => stack.log.warning(null, `Could not notify systemd: ${m}`) });
  try {
    // The socket first: its folder (often the pid file's too) is made private by the server,
    // and a daemon that cannot listen leaves no pid file of its own.
    server = new ControlServer(socket, stack.handlers, { group, onRefused: refusalLogger(stack.log) });
    await server.start();
    mkdirSync(path.dirname(pidFile), { recursive: true });
    writeFileSync(pidFile, `${process.pid}\n`);
    wrotePidFile = true;
    // [metrics] and [fleet]: attached before the engine starts, so they see all its events.
    features = await attachDaemonFeatures(stack);
    await stack.start();
    await features.start();
    // SIGTERM is handled from before the daemon says it listens: whoever acts on that line may stop it at once.
    const stopped = waitForStop(stack.log, stack.reload, options.stopSignal);
    stack.log.info(null, `Listening on ${socket} (pid ${process.pid})`);
    // Type=notify: ready only now, with the stored bans back in the kernel and the followers running.
    await readiness.ready();
    await stopped;
    return 0;
  } catch (err) {
    stack.log.error(null, `stopping: ${(err as Error).message}`);
    throw err;
  } finally {
    // Whatever happened, nothing of ours keeps running: the socket, followers, timers. The socket
    // goes first, while the state lock still stands for this daemon.
    await readiness.stopping();
    await server?.stop();
    await features?.stop();
    await stack.stop();
    if (wrotePidFile) rmSync(pidFile, { force: true });
  }
}

/**
 * Logs refused control connections without letting a flood of them flood the log: the first at
 * once, then at most one line per 10 s saying how many more there were.
 */
function refusalLogger(log: EngineLog): (reason: string) => void {
  let quietUntil = 0;
  let held = 0;
  return (reason) => {
    const now = Date.now();
    if (now < quietUntil) {
      held++;
      return;
    }
    log.warning(null, `Control socket: refused a connection: ${reason}${held > 0 ? ` (and ${held} more since the last report)` : ''}`);
    held = 0;
    quietUntil = now + 10_000;
  };
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
