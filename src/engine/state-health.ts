import type { Clock } from './clock.js';
import { errorMessage } from './error-message.js';

/** How often a failing state database is tried again (ms). */
export const STATE_RETRY_MS = 2000;

/** What `status` says of the state database. */
export interface StateStatus {
  /** False while writes fail (a full disk, say): the engine runs on from memory. */
  ok: boolean;
  /** The first error of the current fault. */
  error: string | null;
  /** When the current fault began (epoch ms). */
  since: number | null;
}

/**
 * Whether the state database takes writes. On the first failed write the engine stops writing
 * (every later write would fail the same way and flood the log), runs on from memory, and every
 * STATE_RETRY_MS tries to write its whole state in one transaction; when that succeeds, the
 * database is whole again and writing resumes.
 */
export class StateHealth {
  private fault: { error: string; since: number } | null = null;
  private lastTry = 0;
  /** Faults begun so far: a batch compares it before and after to know whether to roll back. */
  faults = 0;

  constructor(
    private readonly clock: Clock,
    private readonly onFault: (error: string) => void,
  ) {}

  get ok(): boolean {
    return this.fault === null;
  }

  /** A write failed; only the first failure of a fault is reported. */
  fail(err: unknown): void {
    if (this.fault) return;
    this.faults++;
    this.fault = { error: errorMessage(err), since: this.clock.now() };
    this.lastTry = this.clock.now();
    this.onFault(this.fault.error);
  }

  /** True when a fault is on and the last try is old enough for another. */
  due(): boolean {
    if (!this.fault) return false;
    const now = this.clock.now();
    if (now - this.lastTry < STATE_RETRY_MS) return false;
    this.lastTry = now;
    return true;
  }

  /** The state was written whole: the fault is over. Returns how long it lasted (ms). */
  recovered(): number {
    const since = this.fault?.since ?? this.clock.now();
    this.fault = null;
    return this.clock.now() - since;
  }

  status(): StateStatus {
    return { ok: this.ok, error: this.fault?.error ?? null, since: this.fault?.since ?? null };
  }
}
