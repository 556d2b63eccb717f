import type { BanEntry, FirewallBackend } from '../firewall/types.js';
import { errorMessage } from './error-message.js';

/** First wait before the firewall is put right after a failed command (ms); it doubles each time. */
export const FIREWALL_RETRY_DELAY = 2000;
/** The longest wait between two tries (ms). */
export const FIREWALL_MAX_RETRY_DELAY = 60_000;

/** What the firewall must hold: the ranges that skip the ban sets and the bans in force. */
export interface FirewallState {
  trusted: string[];
  entries: BanEntry[];
}

/** What a FirewallQueue works with. */
export interface FirewallQueueDeps {
  firewall: FirewallBackend;
  /** The state to put back after a failure, read when the retry runs (so it is current). */
  desired: () => FirewallState;
  onError: (message: string) => void;
  /** The firewall holds the desired state again after `attempts` tries. */
  onResynced: (bans: number, attempts: number) => void;
  /** Overrides FIREWALL_RETRY_DELAY (tests). */
  retryDelay?: number;
}

/**
 * Runs firewall commands one at a time in call order, so an unban never overtakes the ban it
 * undoes, and sends bans that arrive while the firewall is busy together in one command. A failed
 * command is not retried as such: the firewall is marked out of step and, after a wait that
 * doubles up to a minute, made to hold the whole desired state (our objects and trusted ranges,
 * then every ban in one `replaceBans`) until that succeeds. Commands queued meanwhile are skipped, since that
 * replacement covers them.
 */
export class FirewallQueue {
  private chain: Promise<unknown> = Promise.resolve();
  /** Bans waiting to be sent together, and the firewall call that will send them. */
  private openBatch: BanEntry[] | null = null;
  private openFlush: Promise<void> | null = null;
  private attempts = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private retrying: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly deps: FirewallQueueDeps) {}

  /** True while the firewall may not hold what the engine believes (a command failed). */
  get outOfStep(): boolean {
    return this.attempts > 0;
  }

  /** Queues a ban; bans queued while another command runs go out in one call. */
  ban(entry: BanEntry): Promise<void> {
    if (this.openBatch && this.openFlush) {
      this.openBatch.push(entry);
      return this.openFlush;
    }
    const batch = [entry];
    const label = (): string => `ban ${batch.length <= 3 ? batch.map((e) => e.address).join(', ') : `${batch.length} addresses`}`;
    const flush = this.run(label, () => {
      // From here on the batch is being sent: later bans start a new one.
      if (this.openBatch === batch) this.openBatch = null;
      return this.deps.firewall.ban(batch);
    });
    this.openBatch = batch;
    this.openFlush = flush;
    return flush;
  }

  /** Queues a command after every one queued before it. */
  run(what: string | (() => string), command: () => Promise<void>): Promise<void> {
    // Anything queued after this command must run after it: later bans start a new batch.
    this.openBatch = null;
    const run = this.chain.then(async () => {
      if (this.outOfStep) return;
      try {
        await command();
      } catch (err) {
        this.attempts = 1;
        const label = typeof what === 'string' ? what : what();
        this.deps.onError(`firewall: ${label} failed: ${errorMessage(err)}; putting the firewall right from the bans in force in ${this.delay()} ms`);
        this.scheduleRetry();
      }
    });
    this.chain = run;
    return run;
  }

  /** Waits for the commands queued so far and for a retry already scheduled (one try of it). */
  async idle(): Promise<void> {
    await this.chain;
    if (this.retryTimer) this.fireRetry();
    if (this.retrying) await this.retrying;
    await this.chain;
  }

  /** Stops retrying (shutdown); the store keeps the truth and the next start applies it. */
  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private delay(): number {
    const first = this.deps.retryDelay ?? FIREWALL_RETRY_DELAY;
    return Math.min(FIREWALL_MAX_RETRY_DELAY, first * 2 ** Math.max(0, this.attempts - 1));
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => this.fireRetry(), this.delay());
    this.retryTimer.unref();
  }

  private fireRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const attempt = this.chain.then(() => this.resync());
    this.chain = attempt;
    this.retrying = attempt.finally(() => {
      if (this.retrying === attempt) this.retrying = null;
    });
  }

  private async resync(): Promise<void> {
    const { firewall } = this.deps;
    const state = this.deps.desired();
    try {
      // start() makes our chains and sets again if someone deleted them (a flush of the whole
      // ruleset by another tool, say), and sets the trusted ranges; then every ban in one step.
      await firewall.start(state.trusted);
      await firewall.replaceBans(state.entries);
    } catch (err) {
      this.attempts++;
      this.deps.onError(`firewall: putting it right failed (try ${this.attempts - 1}): ${errorMessage(err)}; next try in ${this.delay()} ms`);
      this.scheduleRetry();
      return;
    }
    const tries = this.attempts;
    this.attempts = 0;
    this.deps.onResynced(state.entries.length, tries);
  }
}
