/**
 * Text gathered as UTF-8 bytes outside the JavaScript heap until it is written in one call: a
 * flood's thousands of log lines from one read of a log then cost one copy each, and none of
 * them is kept alive (and copied again) by the garbage collector while the read is processed.
 */
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

  /** What is held, as a buffer of its own (a write may keep it after this returns); empties the holder. */
  take(): Buffer {
    const out = this.buffer.subarray(0, this.used);
    this.buffer = Buffer.allocUnsafe(this.initial);
    this.used = 0;
    return out;
  }

  private grow(least: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(least, this.buffer.length * 2));
    this.buffer.copy(bigger, 0, 0, this.used);
    this.buffer = bigger;
  }
}
