import { spawn } from 'node:child_process';

/** Where and how service-manager notifications are sent. */
export interface NotifyOptions {
  /** The environment to read NOTIFY_SOCKET from (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** The program that sends them (default: `systemd-notify` on PATH). */
  command?: string;
  /** Gives up on one notification after this long (default 10 s). */
  timeoutMs?: number;
}

/** What one notification did: not asked for (no NOTIFY_SOCKET), sent, or failed and why. */
export type NotifyResult = { sent: false; reason: 'no-socket' } | { sent: true } | { sent: false; reason: 'failed'; message: string };

/**
 * The service manager's notification socket (`NOTIFY_SOCKET`, sd_notify(3)), or undefined when
 * systemd did not ask for notifications (a shell, a test, Type=exec).
 */
export function notifySocket(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const socket = env['NOTIFY_SOCKET'];
  return socket !== undefined && socket !== '' ? socket : undefined;
}

/**
 * The `KEY=value` lines of the notify protocol. Values are single lines: a newline would start a
 * second assignment, so newlines and other control characters become spaces.
 */
export function notifyAssignments(fields: Record<string, string>): string[] {
  return Object.entries(fields).map(([key, value]) => {
    if (!/^[A-Z][A-Z0-9_]*$/.test(key)) throw new Error(`not a notification key: ${JSON.stringify(key)}`);
    // eslint-disable-next-line no-control-regex
    return `${key}=${value.replace(/[\u0000-\u001f\u007f]+/g, ' ')}`;
  });
}

/**
 * Sends `READY=1`, `STATUS=...` and the like to the service manager.
 *
 * Node.js has no Unix datagram sockets, and the notify socket is one, so the message goes through
 * systemd's own `systemd-notify`, with an argument array (no shell). It runs without `--no-block`:
 * it then waits until the manager has processed the message (BARRIER=1), so the manager still
 * finds the sender in the service's cgroup. Unless it may speak for its parent (CAP_SYS_ADMIN,
 * which the unit does not grant), it sends as itself, so the unit needs `NotifyAccess=all`.
 * No MAINPID is sent: the daemon is the unit's main process already.
 */
export function sdNotify(fields: Record<string, string>, options: NotifyOptions = {}): Promise<NotifyResult> {
  const assignments = notifyAssignments(fields);
  const env = options.env ?? process.env;
  const socket = notifySocket(env);
  if (socket === undefined || assignments.length === 0) return Promise.resolve({ sent: false, reason: 'no-socket' });
  return new Promise((resolve) => {
    let stderr = '';
    const child = spawn(options.command ?? 'systemd-notify', ['--', ...assignments], {
      env: { ...env, NOTIFY_SOCKET: socket },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: options.timeoutMs ?? 10_000,
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-1000);
    });
    child.once('error', (err) => resolve({ sent: false, reason: 'failed', message: err.message }));
    child.once('close', (code, signal) => {
      if (code === 0) resolve({ sent: true });
      else resolve({ sent: false, reason: 'failed', message: `systemd-notify ${signal ? `was killed (${signal})` : `exited with ${code}`}${stderr.trim() ? `: ${stderr.trim()}` : ''}` });
    });
  });
}
