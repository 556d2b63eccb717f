import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/**
 * Longest line kept, in characters (64 Ki; up to 192 KiB of UTF-8); the rest is cut so one
 * hostile line cannot grow memory without bound.
 */
export const MAX_LINE_LENGTH = 64 * 1024;

/** Counts from reading a file to the end. */
export interface ReadStats {
  lines: number;
  /** Lines longer than MAX_LINE_LENGTH, cut to that length. */
  truncated: number;
}

/**
 * Calls `onLine` for every line of a file, in order, with a 1-based line number. Invalid UTF-8 is
 * replaced (U+FFFD), `\r\n` endings are accepted, and a last line without `\n` is still a line.
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
    let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.length > MAX_LINE_LENGTH) {
      line = line.slice(0, MAX_LINE_LENGTH);
      stats.truncated++;
    }
    stats.lines++;
    return onLine(line, stats.lines);
  };
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 16 })) {
    const text = rest + decoder.write(chunk as Buffer);
    let start = 0;
    let nl = text.indexOf('\n');
    while (nl !== -1) {
      if (skipping) {
        skipping = false;
      } else {
        const pending = emit(text.slice(start, nl));
        if (pending) await pending;
      }
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    rest = text.slice(start);
    if (rest.length > MAX_LINE_LENGTH && !skipping) {
      // Emit the cut line now and drop the remainder up to its newline.
      const pending = emit(rest);
      if (pending) await pending;
      rest = '';
      skipping = true;
    } else if (skipping) {
      rest = '';
    }
  }
  rest += decoder.end();
  if (rest.length > 0 && !skipping) {
    const pending = emit(rest);
    if (pending) await pending;
  }
  return stats;
}
