import type { BanEntry, FirewallBackend } from '../firewall/types.js';
import { errorMessage } from './error-message.js';

/** First wait before the firewall is put right after a failed command (ms); it doubles each time. */
export const FIREWALL_RETRY_DELAY = 2000;
/** The longest wait between two tries (ms). */
export const FIREWALL_MAX_RETRY_DELAY = 60_000;

/** What the firewall must hold: the ranges that skip the ban sets and the bans in force. */
export interface FirewallState {
  trusted: string[];
  /** Read once, as `replaceBans` takes them. */
  entries: Iterable<BanEntry>;
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
 * undoes, and sends bans (and unbans) that arrive while the firewall is busy together in one
 * command: a flood of bans never waits one by one, however many arrive. A failed
 * command is not retried as such: the firewall is marked out of step and, after a wait that
 * doubles up to a minute, made to hold the whole desired state (our objects and trusted ranges,
 * then every ban in one `replaceBans`) until that succeeds. Commands queued meanwhile are skipped, since that
 * replacement covers them.
 */
export class FirewallQueue {
  private chain: Promise<unknown> = Promise.resolve();
  /** Bans (or unbans) waiting to be sent together, and the firewall call that will send them. */
  private openBatch: { kind: 'ban' | 'unban'; items: BanEntry[] | string[] } | null = null;
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
    return this.batched('ban', [entry], (batch) => this.deps.firewall.ban(batch));
  }

  /**
   * Queues the end of bans; unbans queued while another command runs go out in one call, so
   * expiries that fire one after another under load are removed in batches.
   */
  unban(addresses: string[]): Promise<void> {
    return this.batched('unban', addresses, (batch) => this.deps.firewall.unban(batch));
  }

  /**
   * Adds `items` to the batch of the same kind queued last and not yet sent, or queues a new one.
   * Only the last queued command can take more, so nothing overtakes what was queued before it.
   */
  private batched<T extends BanEntry | string>(kind: 'ban' | 'unban', items: T[], send: (batch: T[]) => Promise<void>): Promise<void> {
    if (this.openBatch?.kind === kind && this.openFlush) {
      // concat-free push: a batch can reach hundreds of thousands of items.
      for (const item of items) (this.openBatch.items as T[]).push(item);
      return this.openFlush;
    }
    const open = { kind, items: [...items] as BanEntry[] | string[] };
    const batch = open.items as T[];
    const name = (item: T): string => (typeof item === 'string' ? item : item.address);
    const label = (): string => `${kind} ${batch.length <= 3 ? batch.map(name).join(', ') : `${batch.length} addresses`}`;
    const flush = this.run(label, () => {
      // From here on the batch is being sent: later ones start a new one.
      if (this.openBatch === open) this.openBatch = null;
      return send(batch);
    });
    this.openBatch = open;
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
    const sent = { count: 0 };
    try {
      // start() makes our chains and sets again if someone deleted them (a flush of the whole
      // ruleset by another tool, say), and sets the trusted ranges; then every ban in one step.
      await firewall.start(state.trusted);
      await firewall.replaceBans(counted(state.entries, sent));
    } catch (err) {
      this.attempts++;
      this.deps.onError(`firewall: putting it right failed (try ${this.attempts - 1}): ${errorMessage(err)}; next try in ${this.delay()} ms`);
      this.scheduleRetry();
      return;
    }
    const tries = this.attempts;
    this.attempts = 0;
    this.deps.onResynced(sent.count, tries);
  }
}

/** `entries` as they are, counted into `sent` as they are read. */
function* counted(entries: Iterable<BanEntry>, sent: { count: number }): Generator<BanEntry> {
  for (const entry of entries) {
    sent.count++;
    yield entry;
  }
}
