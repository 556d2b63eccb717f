import type { NotifierLog } from './types.js';

/** One piece of hook work: a run of a program or a request, which throws on failure. */
export interface HookJob {
  /** How the log names it, e.g. `exec "slack": ban 198.51.100.7`. */
  label: string;
  run(): Promise<void>;
}

export interface HookQueueOptions {
  /** Jobs running at once at most. */
  concurrency: number;
  /** Jobs waiting at most; a job past it is dropped and the drop logged. */
  limit: number;
  /** Further attempts after a failure. */
  retries: number;
  log: NotifierLog;
  /** Delay before attempt n+1 (n >= 1); default 1s, 2s, 4s, ... capped at 60s. */
  retryDelay?: (attempt: number) => number;
}

interface Entry {
  job: HookJob;
  attempts: number;
}

/** Counters for status and tests. */
export interface HookQueueStatus {
  queued: number;
  running: number;
  done: number;
  failed: number;
  dropped: number;
}

/**
 * Runs hook jobs in the background with bounded concurrency and a bounded queue, retrying a
 * failed job with growing delays; `push` never waits, so a slow hook never holds up a ban.
 */
export class HookQueue {
  private readonly waiting: Entry[] = [];
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly active = new Set<Promise<void>>();
  private counts = { done: 0, failed: 0, dropped: 0 };
  private stopped = false;

  constructor(private readonly options: HookQueueOptions) {}

  push(job: HookJob): void {
    if (this.stopped) return;
    if (this.waiting.length >= this.options.limit) {
      this.counts.dropped++;
      this.options.log('ERROR', `${job.label}: dropped, ${this.waiting.length} runs already waiting (queue limit ${this.options.limit})`);
      return;
    }
    this.waiting.push({ job, attempts: 0 });
    this.pump();
  }

  status(): HookQueueStatus {
    return { queued: this.waiting.length + this.timers.size, running: this.active.size, ...this.counts };
  }

  /** Stops retrying and taking jobs; waits for the runs under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const left = this.waiting.length;
    this.waiting.length = 0;
    if (left > 0) this.options.log('WARNING', `hooks: ${left} run${left === 1 ? '' : 's'} not started before stopping`);
    await Promise.allSettled([...this.active]);
  }

  private pump(): void {
    while (!this.stopped && this.active.size < this.options.concurrency && this.waiting.length > 0) {
      const entry = this.waiting.shift()!;
      const running = this.attempt(entry).finally(() => {
        this.active.delete(running);
        this.pump();
      });
      this.active.add(running);
    }
  }

  private async attempt(entry: Entry): Promise<void> {
    entry.attempts++;
    try {
      await entry.job.run();
      this.counts.done++;
      if (entry.attempts > 1) this.options.log('NOTICE', `${entry.job.label}: succeeded on attempt ${entry.attempts}`);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (this.stopped || entry.attempts > this.options.retries) {
        this.counts.failed++;
        this.options.log('ERROR', `${entry.job.label}: gave up after ${entry.attempts} attempt${entry.attempts === 1 ? '' : 's'}: ${reason}`);
        return;
      }
      const delay = (this.options.retryDelay ?? defaultDelay)(entry.attempts);
      this.options.log('WARNING', `${entry.job.label}: failed (attempt ${entry.attempts}): ${reason}; retrying in ${Math.round(delay / 100) / 10}s`);
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (this.stopped) return;
        this.waiting.unshift(entry);
        this.pump();
      }, delay);
      timer.unref();
      this.timers.add(timer);
    }
  }
}

function defaultDelay(attempt: number): number {
  return Math.min(60_000, 1000 * 2 ** (attempt - 1));
}
