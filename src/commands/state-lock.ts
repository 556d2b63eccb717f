import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

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
 * Takes `<stateDir>/portcullis.lock`, created exclusively and holding our pid. A lock left by a
 * process that no longer exists (a crash, SIGKILL) is taken over; one held by a live process is
 * refused with its pid.
 */
export function acquireLock(stateDir: string): StateLock {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const file = path.join(stateDir, 'portcullis.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return { file, release: () => releaseIfOurs(file) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new LockHeld(`another portcullis (pid ${holder}) is running on ${stateDir} (lock ${file}); stop it first`);
      }
      rmSync(file, { force: true });
    }
  }
  throw new LockHeld(`cannot take the lock ${file}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function releaseIfOurs(file: string): void {
  try {
    if (Number(readFileSync(file, 'utf8').trim()) === process.pid) rmSync(file, { force: true });
  } catch {
    // Already gone.
  }
}
