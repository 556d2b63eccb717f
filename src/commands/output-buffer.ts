/**
 * Collects output text and writes it in large pieces, waiting for the stream to drain, so a
 * million small records neither cost a million writes nor pile up in memory.
 */
export class OutputBuffer {
  private parts: string[] = [];
  private size = 0;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly limit = 1 << 20,
  ) {}

  /** Adds text; returns a promise only when a flush had to wait for the stream. */
  write(text: string): void | Promise<void> {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= this.limit) return this.flush();
  }

  /** Writes what is buffered and waits until the stream accepts more. */
  flush(): Promise<void> {
    const text = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (text === '') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const ok = this.out.write(text, (err) => (err ? reject(err) : undefined));
      if (ok) resolve();
      else this.out.once('drain', () => resolve());
    });
  }
}
