import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { CLI, ROOT } from './cli.js';
import { sleep } from './wait.js';

/** A daemon started from the built CLI, as a test or a torture case drives it. */
export interface DaemonProcess {
  child: ChildProcess;
  pid: number;
  /** Its stderr so far (the last 8 KiB). */
  stderr(): string;
  exited: Promise<{ code: number | null; signal: string | null }>;
}

/** Polls `probe` until it returns something other than undefined/false; throws naming `what` after `ms`. */
export async function waitUntil<T>(probe: () => T | undefined | false, what: string, ms = 60_000, everyMs = 25): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** The engine log lines a process wrote (`<ISO> portcullis[pid]: LEVEL [jail] message`). */
export function engineLogOf(logFile: string, pid: number): string[] {
  if (!existsSync(logFile)) return [];
  const tag = ` portcullis[${pid}]: `;
  return readFileSync(logFile, 'utf8').split('\n').filter((l) => l.includes(tag)).map((l) => l.slice(l.indexOf(tag) + tag.length));
}

/**
 * Starts `portcullis --daemon --config <configPath>` and waits until the engine log says
 * `until` (by default: every jail started).
 */
export async function startDaemon(configPath: string, logFile: string, until = 'Jail started', ms = 60_000): Promise<DaemonProcess> {
  const child = spawn(process.execPath, [CLI, '--daemon', '--config', configPath], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8192);
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  const pid = child.pid!;
  await waitUntil(() => {
    if (child.exitCode !== null) throw new Error(`daemon exited early (${child.exitCode}): ${stderr}`);
    return engineLogOf(logFile, pid).some((l) => l.includes(until));
  }, `the daemon to log "${until}"`, ms);
  return { child, pid, stderr: () => stderr, exited };
}

/** SIGKILLs a daemon and waits for it to be gone. */
export async function killDaemon(daemon: DaemonProcess): Promise<void> {
  if (daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill('SIGKILL');
  await daemon.exited;
}
