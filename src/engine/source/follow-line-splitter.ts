import { MAX_LINE_LENGTH } from './line-reader.js';

/**
 * Bytes a partial line may hold before it is certainly longer than MAX_LINE_LENGTH characters:
 * every UTF-16 unit decodes from at most 3 bytes (a BMP character; an astral one is 4 bytes for 2
 * units; an invalid sequence gives one U+FFFD per at most 3 bytes).
 */
export const MAX_HELD_BYTES = 3 * MAX_LINE_LENGTH;

/** What one chunk of bytes turned into. */
export interface SplitResult {
  /** Complete lines, decoded, `\r` stripped, none longer than MAX_LINE_LENGTH. */
  lines: string[];
  /** How far the "consumed" offset moves: bytes now covered by complete lines (skipped ones too). */
  advanced: number;
  /** Lines longer than MAX_LINE_LENGTH, skipped: not in `lines`. */
  truncated: number;
}

type Mode = 'keep' | 'overlong' | 'discard';

/**
 * Splits a byte stream into lines the way `readLines` does, but incrementally: a line is only
 * produced once its `\n` has arrived. Bytes are decoded per complete line, so a multi-byte
 * character split across two reads is never mangled, and invalid UTF-8 or NUL bytes stay inside
 * their own line (`\n` is never part of a UTF-8 sequence, and lines are split on bytes first).
 * Memory is bounded by MAX_HELD_BYTES: past it, an overlong line is counted and its bytes dropped
 * as they come. An overlong line is skipped, not cut: a daemon writes the address last (sshd's
 * `from <ip> port <n> ssh2`), so a line cut at a length of the attacker's choosing could end
 * with an address the attacker wrote into a user name, and blame it.
 */
export class LineSplitter {
  private held: Buffer[] = [];
  private heldLength = 0;
  /** Bytes since the last newline, whether kept or skipped. */
  private pendingBytes = 0;
  private mode: Mode = 'keep';

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
      for (const raw of chunk.toString('utf8', first + 1, last).split('\n')) this.add(raw, out);
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
  }

  /** Starts in the middle of a line whose start was not seen: its rest is skipped, not delivered. */
  discardUntilNewline(): void {
    this.reset();
    this.mode = 'discard';
  }

  private endLine(tail: Buffer, out: SplitResult): void {
    if (this.mode === 'overlong') {
      out.truncated++;
    } else if (this.mode === 'keep') {
      const bytes = this.heldLength > 0 ? Buffer.concat([...this.held, tail]) : tail;
      this.add(bytes.toString('utf8'), out);
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
      this.held = [];
      this.heldLength = 0;
      this.mode = 'overlong';
    }
  }

  private add(raw: string, out: SplitResult): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.length <= MAX_LINE_LENGTH) out.lines.push(line);
    else out.truncated++;
  }
}
