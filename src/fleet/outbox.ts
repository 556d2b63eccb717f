import type { Redis } from 'ioredis';
import type { FleetStore } from './fleet-store.js';

/** Entries per XADD pipeline. */
const BATCH = 500;

/**
 * The entries made here on their way to the stream: gathered for one turn of the event loop,
 * queued in the state database in one transaction (one disk sync for a burst of bans), then
 * XADDed in order. An entry leaves the queue only once Redis took it.
 */
export class Outbox {
  private pending: string[][] = [];
  private flushing: Promise<void> | null = null;
  private flushAgain = false;
  private closed = false;
  /** Entries published since the start. */
  published = 0;

  constructor(
    private readonly store: FleetStore,
    private readonly stream: string,
    /** The publishing connection, when there is one. */
    private readonly client: () => Redis | null,
  ) {}

  /** Adds an entry; it reaches the store at the end of this turn of the event loop. */
  add(fields: string[]): void {
    this.pending.push(fields);
    if (this.pending.length === 1) setImmediate(() => this.save());
  }

  /** Publishes the queue unless a publish is under way (which then goes round again). */
  kick(): void {
    if (this.closed) return;
    if (this.flushing) {
      this.flushAgain = true;
      return;
    }
    this.flushing = this.flush().finally(() => {
      this.flushing = null;
      if (this.flushAgain) {
        this.flushAgain = false;
        this.kick();
      }
    });
  }

  /** Stores what is pending (published at the next start) and waits for a publish under way. */
  async close(): Promise<void> {
    this.closed = true;
    this.save();
    await this.flushing;
  }

  private save(): void {
    const entries = this.pending;
    this.pending = [];
    if (entries.length === 0) return;
    this.store.enqueue(entries, Date.now());
    this.kick();
  }

  private async flush(): Promise<void> {
    const client = this.client();
    while (client && client.status === 'ready' && !this.closed) {
      const batch = this.store.queued(BATCH);
      if (batch.length === 0) return;
      const pipeline = client.pipeline();
      for (const entry of batch) pipeline.xadd(this.stream, '*', ...entry.fields);
      const results = (await pipeline.exec().catch(() => null)) ?? [];
      // Only the entries Redis took leave the queue, in order: the rest go at the next connection.
      let done = 0;
      while (done < results.length && results[done]![0] === null) done++;
      this.store.remove(batch.slice(0, done).map((e) => e.id));
      this.published += done;
      if (done < batch.length) return;
    }
  }
}
