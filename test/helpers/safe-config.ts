import { readFileSync } from 'node:fs';
import path from 'node:path';

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

/** The addresses the dry-run firewall of `stateDir` holds banned (its state file). */
export function dryRunBans(stateDir: string): string[] {
  return (JSON.parse(readFileSync(path.join(stateDir, 'dry-run-firewall.json'), 'utf8')) as { bans: string[] }).bans;
}
