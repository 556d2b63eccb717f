/**
 * Waits of the read loop that something else ends early: the link coming back, or the link
 * stopping. Once closed, every wait ends at once.
 */
export class Wakeups {
  private readonly waiting = new Set<() => void>();
  private closed = false;

  /** Until the next `wakeAll`. */
  wait(): Promise<void> {
    return this.pause(Infinity);
  }

  /** `ms` at most (nothing if not positive), or until the next `wakeAll`. */
  pause(ms: number): Promise<void> {
    if (ms <= 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        if (timer) clearTimeout(timer);
        this.waiting.delete(wake);
        resolve();
      };
      const timer = Number.isFinite(ms) ? setTimeout(wake, ms) : null;
      this.waiting.add(wake);
    });
  }

  wakeAll(): void {
    for (const wake of this.waiting) wake();
  }

  /** Ends every wait, now and later. */
  close(): void {
    this.closed = true;
    this.wakeAll();
  }
}
