import { Worker } from 'node:worker_threads';
import { workerScript } from './worker-script.js';
import type { FilterDefinition, PatternSource } from './filter/types.js';
import type { FailureVerdict } from './jail.js';

/** What the engine sends its matching thread. */
export type MatchRequest =
  | { type: 'filter'; jail: string; definition: FilterDefinition; extraIgnoreregex: PatternSource[] }
  | { type: 'drop'; jail: string }
  /** The lines as one text and each one's length: one copy to send, not a string each. */
  | { type: 'lines'; jail: string; seq: number; text: string; lengths: Uint32Array; now: number };

/**
 * One batch's verdicts, packed: per line 0 (no failure), 1 (a failure with an address) or 2 (a
 * failure naming a host, not an IP), its time, and for each failure in order its address (or
 * host) and user. `missing`: the thread had no filter for the jail.
 */
export interface PackedMatches {
  seq: number;
  kinds: Uint8Array;
  times: Float64Array;
  hosts: string[];
  users: (string | null)[];
  missing?: boolean;
}

/** The verdicts of a batch as the jail reads them, line by line. */
export class MatchedLines {
  private next = 0;

  constructor(private readonly packed: PackedMatches) {}

  /** The verdict for line `i` (called with each line in order). */
  at(i: number): FailureVerdict | null {
    const kind = this.packed.kinds[i];
    if (!kind) return null;
    const host = this.packed.hosts[this.next]!;
    const user = this.packed.users[this.next++];
    const verdict: FailureVerdict = { host, ip: kind === 1 ? host : null, time: this.packed.times[i]! };
    if (user !== null && user !== undefined) verdict.user = user;
    return verdict;
  }
}

/**
 * A thread of its own that runs the jails' filters (the date, one RE2 pass, the captures: 0.9 s
 * of the 4.0 s a profile of the daemon loading 100,000 attackers spent busy) while the engine's
 * thread counts, bans and writes the store for the batch before: on a 2-core machine the load of
 * a backlog uses both. Batches are matched in the order sent; each filter keeps its state
 * (multi-line buffers, connections) in the thread. Should the thread fail, `match` rejects from
 * then on: the engine then matches on its own.
 */
export class MatchThread {
  private readonly worker: Worker;
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (m: PackedMatches) => void; reject: (e: Error) => void }>();
  private failed: Error | null = null;

  /** `onFailure`: the thread failed (not called for `close`); the engine matches on its own from then on. */
  constructor(onFailure: (error: Error) => void = () => {}) {
    const { script, eval: isCode } = workerScript(import.meta.url, 'filter/match-worker');
    // Its data lives one batch: a small young generation (the process's --max-semi-space-size, when
    // given, sets it instead: the service's 8 MiB), and a bound on the rest.
    this.worker = new Worker(script, { eval: isCode, resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 } });
    this.worker.unref();
    this.worker.on('message', (packed: PackedMatches) => {
      const waiter = this.waiting.get(packed.seq);
      this.waiting.delete(packed.seq);
      if (this.waiting.size === 0) this.worker.unref();
      waiter?.resolve(packed);
    });
    const fail = (error: Error): void => {
      if (!this.failed) onFailure(error);
      this.failed ??= error;
      for (const waiter of this.waiting.values()) waiter.reject(this.failed);
      this.waiting.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the matching thread exited (code ${code})`)));
  }

  /** Gives a jail's filter to the thread (again after a reload: the new one replaces it). */
  setFilter(jail: string, definition: FilterDefinition, extraIgnoreregex: PatternSource[]): void {
    this.post({ type: 'filter', jail, definition, extraIgnoreregex });
  }

  dropJail(jail: string): void {
    this.post({ type: 'drop', jail });
  }

  /** The verdicts for a jail's lines, read at `now`. */
  match(jail: string, lines: string[], now: number): Promise<PackedMatches> {
    if (this.failed) return Promise.reject(this.failed);
    const seq = ++this.seq;
    const lengths = new Uint32Array(lines.length);
    for (let i = 0; i < lines.length; i++) lengths[i] = lines[i]!.length;
    return new Promise((resolve, reject) => {
      // Held alive only while an answer is awaited.
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(seq, { resolve, reject });
      this.post({ type: 'lines', jail, seq, text: lines.join(''), lengths, now });
    });
  }

  async close(): Promise<void> {
    this.failed ??= new Error('the matching thread was closed');
    await this.worker.terminate();
  }

  private post(request: MatchRequest): void {
    if (!this.failed) this.worker.postMessage(request);
  }
}

/** Lines of one jail that may wait for the matching thread before its follower pauses. */
const QUEUED_LINES = 12_000;

/**
 * One jail's batches on their way through the matching thread, processed in the order read (a
 * batch's verdicts, then the jail's counting, bans and store writes for it, on the engine's
 * thread). Batches still queued when the jail stops are dropped: their position was not saved,
 * so they are read again when it starts.
 */
export class JailMatchQueue {
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;
  private waiters: (() => void)[] = [];
  /** Lines whose verdicts came from the thread. */
  matched = 0;

  constructor(
    private readonly thread: MatchThread,
    private readonly jail: string,
    private readonly onError: (error: Error) => void,
  ) {}

  /** Matches `lines` on the thread, then calls `process` with the verdicts (null: the thread failed, match here). */
  push(lines: string[], now: number, process: (matched: MatchedLines | null) => void): void {
    this.queued += lines.length;
    const verdicts = this.thread.match(this.jail, lines, now).catch(() => null);
    this.chain = this.chain
      .then(async () => {
        const packed = await verdicts;
        const matched = packed && !packed.missing ? new MatchedLines(packed) : null;
        if (matched) this.matched += lines.length;
        process(matched);
      })
      .catch((error: Error) => this.onError(error))
      .finally(() => {
        this.queued -= lines.length;
        if (this.queued < QUEUED_LINES) for (const wake of this.waiters.splice(0)) wake();
      });
  }

  /** A promise while more than QUEUED_LINES lines wait, resolved once fewer do. */
  room(): Promise<void> | undefined {
    if (this.queued < QUEUED_LINES) return undefined;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Resolves once every batch pushed so far is processed (or dropped). */
  settled(): Promise<void> {
    return this.chain;
  }
}
