import { open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { SourcePosition } from '../types.js';
import { readFirstLine } from './follow-identity.js';
import { LineSplitter } from './follow-line-splitter.js';

const READ_SIZE = 64 * 1024;
/** Rotated copies that are compressed cannot be read as text: their lines are left out. */
const COMPRESSED = /\.(gz|bz2|xz|zst|lz4|Z)$/;

/**
 * After a restart, the file a saved position belongs to may no longer be at the path: rotated
 * while we were down (renamed to `auth.log.1`, or copied and truncated). Returns the rotated
 * copy in the same folder that the position still reads into (same inode and first line, or the
 * same first line and at least as long as the offset), or null when the file at the path is
 * still the one the position belongs to, or no such copy exists.
 */
export async function findRotatedPredecessor(path: string, saved: SourcePosition): Promise<string | null> {
  if (saved.inode === 0 || saved.firstLineHash === '') return null;
  const current = await identify(path);
  if (current && current.ino === saved.inode && current.hash === saved.firstLineHash && current.size >= saved.offset) return null;
  const base = basename(path);
  let names: string[];
  try {
    names = await readdir(dirname(path));
  } catch {
    return null;
  }
  for (const name of names.sort()) {
    if (name === base || !name.startsWith(base) || COMPRESSED.test(name)) continue;
    const file = join(dirname(path), name);
    const found = await identify(file);
    if (!found || found.hash !== saved.firstLineHash || found.size < saved.offset) continue;
    // A renamed file keeps its inode; a copy (copytruncate) has a new one but the same first line.
    if (found.ino === saved.inode || current?.ino === saved.inode) return file;
  }
  return null;
}

/**
 * Reads `file` from the saved offset to its end and hands over its complete lines in chunks,
 * each with the position after it (still the old file's, so a crash during the drain resumes it).
 * A last line without its newline is delivered too: the file is done being written.
 */
export async function drainRotated(
  file: string,
  saved: SourcePosition,
  onLines: (lines: string[], position: SourcePosition) => void,
): Promise<number> {
  const fd = await open(file, 'r');
  const splitter = new LineSplitter();
  const buffer = Buffer.alloc(READ_SIZE);
  let offset = saved.offset;
  let consumed = saved.offset;
  let delivered = 0;
  const deliver = (lines: string[], advanced: number): void => {
    consumed += advanced;
    if (lines.length === 0) return;
    delivered += lines.length;
    onLines(lines, { ...saved, offset: consumed });
  };
  try {
    for (;;) {
      const { bytesRead } = await fd.read(buffer, 0, READ_SIZE, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
      const part = splitter.push(buffer.subarray(0, bytesRead));
      deliver(part.lines, part.advanced);
    }
    const rest = splitter.flush();
    deliver(rest.lines, rest.advanced);
  } finally {
    await fd.close();
  }
  return delivered;
}

async function identify(file: string): Promise<{ ino: number; size: number; hash: string } | null> {
  try {
    const st = await stat(file);
    if (!st.isFile()) return null;
    const fd = await open(file, 'r');
    try {
      return { ino: st.ino, size: st.size, hash: (await readFirstLine(fd)).hash };
    } finally {
      await fd.close();
    }
  } catch {
    return null;
  }
}
