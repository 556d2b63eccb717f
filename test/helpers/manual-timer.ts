import type { ManualClock } from '../../src/engine/clock.js';
import type { TimerFunctions } from '../../src/engine/expiry-queue.js';

/** The expiry queue's one timer, driven by the test over a manual clock. */
export class ManualTimer {
  /** The timer set now: what it runs, its delay and when it is due; null when none. */
  pending: { callback: () => void; ms: number; due: number } | null = null;
  readonly timers: TimerFunctions;

  constructor(private readonly clock: ManualClock) {
    this.timers = {
      set: (callback, ms) => (this.pending = { callback, ms, due: clock.now() + ms }),
      clear: () => (this.pending = null),
    };
  }

  /** Moves the clock and runs the timer while it is due by then, as the event loop would; `settle` after each run. */
  async advance(ms: number, settle: () => Promise<void>): Promise<void> {
    this.clock.advanceTo(this.clock.now() + ms);
    while (this.pending && this.pending.due <= this.clock.now()) {
      const { callback } = this.pending;
      this.pending = null;
      callback();
      await settle();
    }
  }
}
