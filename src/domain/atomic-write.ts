import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** How {@link writeFileAtomic} creates the file. */
export interface AtomicWriteOptions {
  /** Permission bits of the new file; 0600 by default (state is nobody else's business). */
  mode?: number;
}

/**
 * Replaces `file` with `data` so that a reader, or the file after a crash or power cut, sees the
 * old content or the new one whole, never a mix or an empty file. The data goes to a temporary
 * file named `<file>.<pid>.<random>.tmp` (two writers, in one process or two, never share one),
 * is fsynced, renamed over `file`, and the folder is fsynced so the rename itself survives.
 * The mode is set explicitly, not left to the umask.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  const mode = options.mode ?? 0o600;
  const tmp = temporaryName(file);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  // 'wx': a leftover of that name is never followed or reused (it would be a symlink trap).
  const fd = openSync(tmp, 'wx', mode);
  try {
    try {
      fchmodSync(fd, mode);
      for (let written = 0; written < bytes.length; ) {
        written += writeSync(fd, bytes, written, bytes.length - written);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  syncFolder(dirname(file));
}

/** The temporary name {@link writeFileAtomic} uses for `file`: unique per process and call. */
export function temporaryName(file: string): string {
  return `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
}

/** fsync(2) on the folder makes a rename in it durable; file systems that cannot are let be. */
function syncFolder(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EBADF') throw err;
  } finally {
    closeSync(fd);
  }
}
