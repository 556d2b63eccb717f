import { open } from 'node:fs/promises';
import { MAX_LINE_LENGTH } from './line-reader.js';

/** Most bytes {@link readTailLines} reads from the end of a file. */
export const MAX_TAIL_BYTES = 1024 * 1024;

/**
 * The last `count` complete-or-final lines of a file, reading only its last `maxBytes` (a log of
 * gigabytes costs one read of 1 MB). A line cut by the start of that window is dropped; lines
 * longer than MAX_LINE_LENGTH are cut, as the followers cut them.
 */
export async function readTailLines(file: string, count: number, maxBytes = MAX_TAIL_BYTES): Promise<string[]> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes);
    const start = size - length;
    const buffer = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const { bytesRead } = await handle.read(buffer, read, length - read, start + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    const lines = buffer.subarray(0, read).toString('utf8').split('\n');
    if (start > 0) lines.shift(); // the window began inside this line
    if (lines[lines.length - 1] === '') lines.pop();
    return lines.slice(-count).map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line).slice(0, MAX_LINE_LENGTH));
  } finally {
    await handle.close();
  }
}
