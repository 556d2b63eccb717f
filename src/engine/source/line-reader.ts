import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/**
 * Longest line read, in characters (64 Ki; up to 192 KiB of UTF-8). A longer line is skipped
 * whole, so one hostile line cannot grow memory without bound, nor be cut where an attacker
 * chose (see LineSplitter).
 */
export const MAX_LINE_LENGTH = 64 * 1024;

/** Bytes read at a time. */
const CHUNK = 64 * 1024;

/** Counts from reading a file to the end. */
export interface ReadStats {
  lines: number;
  /** Lines longer than MAX_LINE_LENGTH, skipped (counted in `lines`, never passed to `onLine`). */
  truncated: number;
}

/**
 * Calls `onLine` for every line of a file, in order, with a 1-based line number. Invalid UTF-8 is
 * replaced (U+FFFD), `\r\n` endings are accepted, and a last line without `\n` is still a line.
 * A line longer than MAX_LINE_LENGTH is skipped and counted (its number is used up all the same).
 * `onLine` may return a promise (to wait for output to drain); reading pauses until it settles.
 */
export async function readLines(
  path: string,
  onLine: (line: string, lineNo: number) => void | Promise<void>,
): Promise<ReadStats> {
  const decoder = new StringDecoder('utf8');
  const stats: ReadStats = { lines: 0, truncated: 0 };
  let rest = '';
  let skipping = false;
  const emit = (raw: string): void | Promise<void> => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    stats.lines++;
    if (line.length > MAX_LINE_LENGTH) {
      stats.truncated++;
      return;
    }
    return onLine(line, stats.lines);
  };
  // Read in this thread, a chunk at a time: the command has nothing else to do meanwhile, and a
  // read stream's round trip to the thread pool and back per chunk cost 7% of `portcullis regex`
  // on a million lines (2.15 s against 1.99, medians of seven alternated runs).
  const fd = openSync(path, 'r');
  const buffer = Buffer.allocUnsafe(CHUNK);
  try {
    for (let n = readSync(fd, buffer, 0, CHUNK, null); n > 0; n = readSync(fd, buffer, 0, CHUNK, null)) {
      const text = decoder.write(buffer.subarray(0, n));
      let start = 0;
      let nl = text.indexOf('\n');
      while (nl !== -1) {
        if (skipping) {
          skipping = false;
        } else {
          // The line the chunk before began is joined alone: the whole chunk joined to it would be
          // copied once more when searched (a third more bytes made per byte read).
          const pending = emit(start === 0 && rest ? rest + text.slice(0, nl) : text.slice(start, nl));
          if (pending) await pending;
        }
        start = nl + 1;
        nl = text.indexOf('\n', start);
      }
      rest = start === 0 ? rest + text : text.slice(start);
      if (rest.length > MAX_LINE_LENGTH + 1 && !skipping) {
        // (+ 1: the last character may be the `\r` of a `\r\n` whose `\n` is still to come.)
        // Count the overlong line now and drop the rest of it up to its newline.
        emit(rest);
        rest = '';
        skipping = true;
      } else if (skipping) {
        rest = '';
      }
    }
  } finally {
    closeSync(fd);
  }
  rest += decoder.end();
  if (rest.length > 0 && !skipping) {
    const pending = emit(rest);
    if (pending) await pending;
  }
  return stats;
}
