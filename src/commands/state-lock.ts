import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../domain/atomic-write.js';

/** A lock on a state folder: two engines must never manage the same firewall objects and database. */
export interface StateLock {
  file: string;
  release(): void;
}

/** Thrown when another live process holds the lock. */
export class LockHeld extends Error {
  override name = 'LockHeld';
}

/**
 * Who holds a lock. A pid alone is not enough: after a crash and a reboot (or just a long
 * uptime) the pid may belong to an unrelated process, which would keep the daemon from ever
 * starting. The pid's start time (clock ticks after boot) and the boot id name one process for
 * the life of the machine, so a lock whose holder does not match them is stale.
 */
export interface LockHolder {
  pid: number;
  /** Field 22 of /proc/<pid>/stat. */
  startTime: string;
  /** /proc/sys/kernel/random/boot_id. */
  bootId: string;
}

/**
 * Takes `<stateDir>/portcullis.lock`, naming this process ({@link LockHolder}). The file is
 * written whole under a temporary name and linked into place, so no reader ever sees it half
 * written and two takers cannot both succeed. A lock whose holder no longer runs (a crash,
 * SIGKILL, a reboot, the pid reused by another program) is taken over; one held by a live
 * holder is refused with its pid. The state folder is made 0700.
 */
export function acquireLock(stateDir: string): StateLock {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  restrictFolder(stateDir);
  const file = path.join(stateDir, 'portcullis.lock');
  const me = currentHolder(process.pid);
  if (!me) throw new Error('cannot read this process\'s start time from /proc: is /proc mounted?');
  for (let attempt = 0; attempt < 5; attempt++) {
    if (linkNewLock(file, me)) return { file, release: () => releaseIfOurs(file, me) };
    const seen = readLock(file);
    if (seen === null) continue; // removed meanwhile: try again
    const holder = parseHolder(seen);
    if (holder && holder.pid !== process.pid && holds(holder)) {
      throw new LockHeld(`another portcullis (pid ${holder.pid}) is running on ${stateDir} (lock ${file}); stop it first`);
    }
    takeOverStale(file, seen);
  }
  throw new LockHeld(`cannot take the lock ${file}: other processes keep taking it`);
}

/** The holder record of a running process, or null when it does not run (or /proc cannot tell). */
export function currentHolder(pid: number): LockHolder | null {
  const startTime = processStartTime(pid);
  if (startTime === null) return null;
  return { pid, startTime, bootId: bootId() };
}

/** The lock file's text for a holder (JSON, one line). */
export function lockText(holder: LockHolder): string {
  return `${JSON.stringify(holder)}\n`;
}

/** Reads a lock file's text; null for anything that is not a complete holder record. */
export function parseHolder(text: string): LockHolder | null {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (Number.isSafeInteger(value.pid) && value.pid! > 0 && typeof value.startTime === 'string' && typeof value.bootId === 'string') {
      return { pid: value.pid!, startTime: value.startTime, bootId: value.bootId };
    }
  } catch {
    // Not ours, or an older format: it cannot prove a live holder.
  }
  return null;
}

/** True while the process the record names is still running: same boot, same pid, same start time. */
function holds(holder: LockHolder): boolean {
  if (holder.bootId !== bootId()) return false;
  return processStartTime(holder.pid) === holder.startTime;
}

/** Creates the lock with its content in one step: link(2) fails if a lock is there. */
function linkNewLock(file: string, me: LockHolder): boolean {
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.new`;
  writeFileAtomic(tmp, lockText(me));
  try {
    linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Moves a stale lock aside. Between reading it and moving it another process may have taken it
 * over and written a live lock; the moved file is then checked and put back, so a live lock is
 * never deleted.
 */
function takeOverStale(file: string, seen: string): void {
  const aside = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.stale`;
  try {
    renameSync(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    if (readLock(aside) !== seen) {
      try {
        linkSync(aside, file);
      } catch {
        // A third taker got in meanwhile; the next attempt reads whichever lock stands.
      }
    }
  } finally {
    rmSync(aside, { force: true });
  }
}

function readLock(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Field 22 (starttime) of /proc/<pid>/stat, or null when no such process runs. */
function processStartTime(pid: number): string | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may itself hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[22 - 3] ?? null;
}

let cachedBootId: string | null = null;

function bootId(): string {
  cachedBootId ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  return cachedBootId;
}

/** The state folder holds the database and the firewall's state: only its owner may look in. */
function restrictFolder(dir: string): void {
  const mode = statSync(dir).mode & 0o777;
  if (mode !== 0o700) chmodSync(dir, 0o700);
}

function releaseIfOurs(file: string, me: LockHolder): void {
  const text = readLock(file);
  if (text !== null && parseHolder(text)?.pid === me.pid && parseHolder(text)?.startTime === me.startTime) rmSync(file, { force: true });
}
