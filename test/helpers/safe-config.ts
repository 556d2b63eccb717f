import path from 'node:path';
import { readDryRunState } from '../../src/firewall/dry-run-backend.js';

/** Where a test's daemon keeps everything: all inside the test's own folder. */
export interface SafePaths {
  stateDir: string;
  logFile: string;
  socket: string;
  pidFile: string;
}

/** The daemon paths of a test config rooted in `dir`. */
export function safePaths(dir: string): SafePaths {
  return {
    stateDir: path.join(dir, 'state'),
    logFile: path.join(dir, 'portcullis.log'),
    socket: path.join(dir, 'run', 'portcullis.sock'),
    pidFile: path.join(dir, 'run', 'portcullis.pid'),
  };
}

/**
 * `[firewall]` with the dry-run backend (and `firewall` lines after it) and `[daemon]` with every
 * path inside `dir`: a test config built on these can never reach the host's firewall, its
 * daemon's socket or its logs.
 */
export function safeSections(dir: string, firewall: string[] = []): string {
  const paths = safePaths(dir);
  return [
    '[firewall]',
    'backend = "dry-run"',
    ...firewall,
    '[daemon]',
    `state_dir = ${JSON.stringify(paths.stateDir)}`,
    `log_file = ${JSON.stringify(paths.logFile)}`,
    `socket = ${JSON.stringify(paths.socket)}`,
    `pid_file = ${JSON.stringify(paths.pidFile)}`,
    '',
  ].join('\n');
}

/** The addresses the dry-run firewall of `stateDir` holds banned (its state file, snapshot and changes). */
export function dryRunBans(stateDir: string): string[] {
  return [...readDryRunState(path.join(stateDir, 'dry-run-firewall.json')).bans];
}

/**
 * `[jails.sshd]` on `logPath`, read from its beginning, banning at the 2nd failure within an hour
 * for an hour (unless `over` says otherwise): the jail most crash and fault tests run.
 */
export function sshdJail(logPath: string, over: { maxretry?: number; findtime?: string; bantime?: string } = {}): string {
  return [
    '[jails.sshd]',
    'filter = "sshd"',
    `logpath = [${JSON.stringify(logPath)}]`,
    'start_at = "beginning"',
    `maxretry = ${over.maxretry ?? 2}`,
    `findtime = "${over.findtime ?? '1h'}"`,
    `bantime = "${over.bantime ?? '1h'}"`,
    '',
  ].join('\n');
}

/** `[firewall]` with `backend` and `[daemon]` with the paths of `safePaths(dir)`, the state in `stateDir`. */
export function daemonSections(dir: string, backend: 'dry-run' | 'nftables' | 'iptables', stateDir = safePaths(dir).stateDir): string {
  const paths = safePaths(dir);
  return [
    '[firewall]',
    `backend = "${backend}"`,
    '[daemon]',
    `state_dir = ${JSON.stringify(stateDir)}`,
    `log_file = ${JSON.stringify(paths.logFile)}`,
    `socket = ${JSON.stringify(paths.socket)}`,
    `pid_file = ${JSON.stringify(paths.pidFile)}`,
    '',
  ].join('\n');
}

/** An sshd failure line from `ip`, dated a minute ago (ISO), naming itself by `n` in the pid field. */
export function sshdFailureLine(ip: string, n: number): string {
  return `${new Date(Date.now() - 60_000).toISOString()} web1 sshd[${n}]: Failed password for root from ${ip} port 22 ssh2\n`;
}
