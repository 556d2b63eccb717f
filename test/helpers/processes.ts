import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** A running process and its argument vector. */
export interface RunningProcess {
  pid: number;
  argv: string[];
}

/** The pids running in network namespace `ns`. */
export function netnsPids(ns: string): number[] {
  return execFileSync('ip', ['netns', 'pids', ns]).toString().split('\n').filter(Boolean).map(Number);
}

/** Every running process (or those of `pids`) with its arguments; one that exits meanwhile is left out. */
export function runningProcesses(pids: readonly number[] = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number)): RunningProcess[] {
  const found: RunningProcess[] = [];
  for (const pid of pids) {
    try {
      found.push({ pid, argv: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean) });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}
