/** What a {@link LineSplitter} reports for one chunk. */
export interface SplitResult {
  /** Complete lines (without the newline), decoded as UTF-8, in order. */
  lines: string[];
  /** True once a line grew past the limit; the lines before it are still returned, nothing after. */
  overflow: boolean;
}

const NEWLINE = 0x0a;

/**
 * Cuts a byte stream into newline-terminated lines, splitting on bytes (so a multi-byte
 * character cut between two chunks is decoded whole) and refusing any line longer than
 * `maxLineBytes`, so a peer that never sends a newline cannot make us buffer without end.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private overflowed = false;

  constructor(private readonly maxLineBytes: number) {}

  push(chunk: Buffer): SplitResult {
    if (this.overflowed) return { lines: [], overflow: true };
    const lines: string[] = [];
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE, start); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      if (this.pendingBytes + (end - start) > this.maxLineBytes) return this.overflow(lines);
      const piece = chunk.subarray(start, end);
      const line = this.pending.length === 0 ? piece : Buffer.concat([...this.pending, piece]);
      this.pending = [];
      this.pendingBytes = 0;
      lines.push(stripCarriageReturn(line.toString('utf8')));
      start = end + 1;
    }
    if (start < chunk.length) {
      this.pendingBytes += chunk.length - start;
      if (this.pendingBytes > this.maxLineBytes) return this.overflow(lines);
      // Copy: the stream may reuse the chunk's memory.
      this.pending.push(Buffer.from(chunk.subarray(start)));
    }
    return { lines, overflow: false };
  }

  /** Bytes held for the unfinished line. */
  get buffered(): number {
    return this.pendingBytes;
  }

  private overflow(lines: string[]): SplitResult {
    this.overflowed = true;
    this.pending = [];
    this.pendingBytes = 0;
    return { lines, overflow: true };
  }
}

function stripCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
