import { MAX_LINE_LENGTH } from './line-reader.js';

/**
 * Bytes a partial line may hold before it is certainly longer than MAX_LINE_LENGTH characters:
 * every UTF-16 unit decodes from at most 3 bytes (a BMP character; an astral one is 4 bytes for 2
 * units; an invalid sequence gives one U+FFFD per at most 3 bytes).
 */
export const MAX_HELD_BYTES = 3 * MAX_LINE_LENGTH;

/** What one chunk of bytes turned into. */
export interface SplitResult {
  /** Complete lines, decoded, `\r` stripped, cut to MAX_LINE_LENGTH. */
  lines: string[];
  /** How far the "consumed" offset moves: bytes now covered by complete lines. */
  advanced: number;
  /** How many of `lines` were cut. */
  truncated: number;
}

type Mode = 'keep' | 'cut' | 'discard';

/**
 * Splits a byte stream into lines the way `readLines` does, but incrementally: a line is only
 * produced once its `\n` has arrived. Bytes are decoded per complete line, so a multi-byte
 * character split across two reads is never mangled. Memory is bounded by MAX_HELD_BYTES: an
 * overlong line keeps only its first MAX_LINE_LENGTH characters (produced when its newline comes,
 * so it is reported together with the offset after it) and the rest is counted but not kept.
 */
export class LineSplitter {
  private held: Buffer[] = [];
  private heldLength = 0;
  /** Bytes since the last newline, whether kept or skipped. */
  private pendingBytes = 0;
  private mode: Mode = 'keep';
  private cut = '';

  /** Bytes read past the last complete line. */
  get pending(): number {
    return this.pendingBytes;
  }

  /** Bytes kept in memory for the partial line (at most MAX_HELD_BYTES). */
  get heldBytes(): number {
    return this.heldLength;
  }

  push(chunk: Buffer): SplitResult {
    const out: SplitResult = { lines: [], advanced: 0, truncated: 0 };
    const first = chunk.indexOf(0x0a);
    if (first === -1) {
      this.hold(chunk);
      return out;
    }
    this.endLine(chunk.subarray(0, first), out);
    out.advanced += first + 1;
    const last = chunk.lastIndexOf(0x0a);
    if (last > first) {
      // '\n' never occurs inside a UTF-8 sequence, so a run of whole lines decodes in one go.
      for (const raw of chunk.toString('utf8', first + 1, last).split('\n')) out.lines.push(this.clean(raw, out));
      out.advanced += last - first;
    }
    this.hold(chunk.subarray(last + 1));
    return out;
  }

  /** Ends the file: what is held becomes a last line (a file rotated away mid-line). */
  flush(): SplitResult {
    const out: SplitResult = { lines: [], advanced: 0, truncated: 0 };
    if (this.pendingBytes > 0) this.endLine(Buffer.alloc(0), out);
    return out;
  }

  /** Drops what is held (the bytes are read again from the consumed offset). */
  reset(): void {
    this.held = [];
    this.heldLength = 0;
    this.pendingBytes = 0;
    this.mode = 'keep';
    this.cut = '';
  }

  /** Starts in the middle of a line whose start was not seen: its rest is skipped, not delivered. */
  discardUntilNewline(): void {
    this.reset();
    this.mode = 'discard';
  }

  private endLine(tail: Buffer, out: SplitResult): void {
    if (this.mode === 'cut') {
      out.lines.push(this.cut);
      out.truncated++;
    } else if (this.mode === 'keep') {
      const bytes = this.heldLength > 0 ? Buffer.concat([...this.held, tail]) : tail;
      out.lines.push(this.clean(bytes.toString('utf8'), out));
    }
    out.advanced += this.pendingBytes;
    this.reset();
  }

  private hold(rest: Buffer): void {
    if (rest.length === 0) return;
    this.pendingBytes += rest.length;
    if (this.mode !== 'keep') return;
    this.held.push(Buffer.from(rest)); // the caller reuses its read buffer
    this.heldLength += rest.length;
    if (this.heldLength > MAX_HELD_BYTES) {
      this.cut = Buffer.concat(this.held).toString('utf8').slice(0, MAX_LINE_LENGTH);
      this.held = [];
      this.heldLength = 0;
      this.mode = 'cut';
    }
  }

  private clean(raw: string, out: SplitResult): string {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.length <= MAX_LINE_LENGTH) return line;
    out.truncated++;
    return line.slice(0, MAX_LINE_LENGTH);
  }
}
