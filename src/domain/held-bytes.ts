/**
 * Text gathered as UTF-8 bytes outside the JavaScript heap until it is written in one call: a
 * flood's thousands of log lines from one read of a log then cost one copy each, and none of
 * them is kept alive (and copied again) by the garbage collector while the read is processed.
 *
 * The buffer is reused from one write to the next: a new one per burst grew again by doubling
 * to megabytes in a flood, and its copies took 0.5 of the daemon's 12 CPU seconds loading
 * 100,000 bans (21 ms with the buffer kept). Once a burst is over, a buffer grown past
 * SHRINK_FACTOR times its first size goes back to that size.
 */
const SHRINK_FACTOR = 16;

export class HeldBytes {
  private buffer: Buffer;
  private used = 0;

  constructor(private readonly initial = 64 * 1024) {
    this.buffer = Buffer.allocUnsafe(initial);
  }

  get empty(): boolean {
    return this.used === 0;
  }

  add(text: string): void {
    // A UTF-16 code unit is at most 3 bytes of UTF-8.
    const most = text.length * 3;
    if (this.used + most > this.buffer.length) this.grow(this.used + most);
    this.used += this.buffer.write(text, this.used, 'utf8');
  }

  /** Adds `line` and a newline, as bytes (no joined string to copy once more). */
  addLine(line: string): void {
    this.add(line);
    this.add('\n');
  }

  /**
   * Hands what is held to `write` and empties the holder. The bytes are overwritten by later
   * additions unless `write` returns true (it keeps them: a write that finishes later), in which
   * case the holder takes a new buffer.
   */
  drain(write: (bytes: Buffer) => boolean | void): void {
    const used = this.used;
    this.used = 0;
    const kept = write(this.buffer.subarray(0, used)) === true;
    const oversized = this.buffer.length > this.initial * SHRINK_FACTOR && used * 4 < this.buffer.length;
    if (kept || oversized) this.buffer = Buffer.allocUnsafe(this.initial);
  }

  private grow(least: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(least, this.buffer.length * 2));
    this.buffer.copy(bigger, 0, 0, this.used);
    this.buffer = bigger;
  }
}
