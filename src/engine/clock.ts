/** Where the engine reads the time; tests and `replay` give their own. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to, for tests and for replaying a log on its own timestamps. */
export class ManualClock implements Clock {
  constructor(private time = 0) {}

  now(): number {
    return this.time;
  }

  /** Moves to `time`; never backwards, since log lines may arrive slightly out of order. */
  advanceTo(time: number): void {
    if (time > this.time) this.time = time;
  }
}
