import os from 'node:os';
import type { EmailSettings } from '../config/schema.js';
import type { MailQueueStore } from '../engine/types.js';
import { BanBatch } from './ban-batch.js';
import { formatBanMessage, formatDigestMessage, type MailText } from './email-message.js';
import { escapeText } from './email-text.js';
import { createSmtpTransport } from './email-transport.js';
import { HourWindow } from './hour-window.js';
import { DEFAULT_RETRY_DELAYS, MailOutbox, type MailTransport } from './mail-outbox.js';
import { unrefTimers, type BanNotice, type NotifierLog, type NotifierTimers } from './types.js';

/** What an {@link EmailNotifier} needs from its surroundings. */
export interface EmailNotifierDeps {
  /** Receives every report: sent, held back by the hourly limit, failed, retried, given up. */
  log: NotifierLog;
  /** Epoch ms; drives the hourly limit and the times in messages. Default Date.now. */
  now?: () => number;
  /** Default: Node's timers, unref'd. Batch windows, retries and stop()'s bound run on these. */
  timers?: NotifierTimers;
  /** Default: nodemailer SMTP from the settings. Tests use a real SMTP server instead where they can. */
  transport?: MailTransport;
  /** Waits between attempts at one message, in ms; default 5 s, 30 s, 2 min, 10 min, then give up. */
  retryDelays?: readonly number[];
  /** Longest stop() waits for queued mail, in ms; default 10 s. */
  stopTimeoutMs?: number;
  /** Named in subjects and bodies; default os.hostname(). */
  hostname?: string;
  /**
   * Keeps ban notices of the open digest window and messages not yet accepted by the server, so
   * that a crash or restart loses none of them (the engine's store). Without it they live in memory.
   */
  store?: MailQueueStore;
}

/** How the notifier is doing, for the console and the control socket. */
export interface EmailNotifierStatus {
  /** Messages waiting to be sent (in backoff included); bans in an open batch window are not counted until it closes. */
  queued: number;
  /** Messages the server accepted in the last hour. */
  sentLastHour: number;
  /** Bans not mailed in the last hour because `max_per_hour` was reached. */
  suppressedLastHour: number;
  /** The latest send failure, one line; null once a message goes through. */
  lastError: string | null;
  /** True from a failed attempt until the next delivery. */
  failing: boolean;
}

/**
 * Ban notices by e-mail for `[notify.email]`. notify() only queues: a ban never waits on mail.
 * Bans within `batch` seconds of the first go out as one message (a digest when there are
 * several); at most `max_per_hour` messages are made per hour and the bans beyond that are
 * counted, reported and named in the next message. Failed sends are retried with backoff.
 *
 * Log lines from the ban are untrusted: they are only ever escaped into plain text
 * (see email-text.ts), never passed to a shell, a command or a template.
 */
export class EmailNotifier {
  private readonly now: () => number;
  private readonly timers: NotifierTimers;
  private readonly hostname: string;
  private readonly stopTimeoutMs: number;
  private readonly outbox: MailOutbox;
  private readonly batch = new BanBatch();
  /** The store rows of the notices in the open window. */
  private batchIds: number[] = [];
  private batchTimer: unknown = null;
  /** Messages made (queued) in the last hour: what `max_per_hour` limits. */
  private readonly made = new HourWindow();
  private readonly sent = new HourWindow();
  private readonly suppressed = new HourWindow();
  /** Bans held back since the last message was made; > 0 means the limit is in force. */
  private heldBack = 0;
  private stopping: Promise<void> | null = null;
  private warnedAfterStop = false;

  constructor(
    private readonly settings: EmailSettings,
    private readonly deps: EmailNotifierDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.timers = deps.timers ?? unrefTimers;
    this.hostname = deps.hostname ?? os.hostname();
    this.stopTimeoutMs = deps.stopTimeoutMs ?? 10_000;
    this.outbox = new MailOutbox({
      transport: deps.transport ?? createSmtpTransport(settings),
      from: settings.from,
      to: settings.to,
      log: deps.log,
      timers: this.timers,
      now: this.now,
      retryDelays: deps.retryDelays ?? DEFAULT_RETRY_DELAYS,
      onDelivered: () => this.sent.add(this.now()),
      hostname: this.hostname,
      ...(deps.store ? { store: deps.store } : {}),
    });
  }

  /**
   * Picks up what a previous run left: its unsent messages are queued again and the notices of
   * its open digest window go into a new window. Returns how many of each.
   */
  restore(): { messages: number; notices: number } {
    const messages = this.outbox.restore();
    let notices = 0;
    this.guarded(() => {
      // All in one window: they were meant to go out together.
      const stored = (this.deps.store?.queuedNotices() ?? []).map((n) => ({ ban: JSON.parse(n.json) as BanNotice, id: n.id }));
      notices = stored.length;
      if (notices > 0) this.addToWindow(...stored);
    });
    if (notices > 0) this.deps.log('NOTICE', `e-mail: ${notices} ban notice${notices === 1 ? '' : 's'} of the last run's open digest window queued again`);
    return { messages, notices };
  }

  /**
   * Queues a notice of a new ban and returns at once; sending happens later, off the ban's path.
   * The engine calls this for bans it makes, not for bans it restores at start: those were
   * notified when they were made, and a restart must not mail the whole ban list again.
   */
  notify(ban: BanNotice): void {
    if (this.stopping) {
      if (!this.warnedAfterStop) this.deps.log('WARNING', 'e-mail: a ban arrived after the notifier stopped; not mailed');
      this.warnedAfterStop = true;
      return;
    }
    this.guarded(() => {
      let id: number | undefined;
      try {
        id = this.deps.store?.addNotice(this.now(), JSON.stringify(ban));
      } catch (err) {
        this.deps.log('ERROR', `e-mail: ban notice not kept in the state database (mailed from memory only): ${escapeText(String(err), 300)}`);
      }
      this.addToWindow({ ban, id });
    });
  }

  private addToWindow(...notices: Array<{ ban: BanNotice; id: number | undefined }>): void {
    this.guarded(() => {
      for (const { ban, id } of notices) {
        this.batch.add(ban);
        if (id !== undefined) this.batchIds.push(id);
      }
      if (this.settings.batch === 0) {
        this.closeBatch();
      } else if (this.batchTimer === null) {
        this.batchTimer = this.timers.setTimeout(() => {
          this.batchTimer = null;
          this.guarded(() => this.closeBatch());
        }, this.settings.batch * 1000);
      }
    });
  }

  status(): EmailNotifierStatus {
    const now = this.now();
    return {
      queued: this.outbox.size,
      sentLastHour: this.sent.total(now),
      suppressedLastHour: this.suppressed.total(now),
      lastError: this.outbox.lastError,
      failing: this.outbox.failing,
    };
  }

  /**
   * Stops taking bans, closes the open batch window and tries once more to send what is queued,
   * for at most `stopTimeoutMs`; reports what could not be sent. Never rejects.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    if (this.batchTimer !== null) {
      this.timers.clearTimeout(this.batchTimer);
      this.batchTimer = null;
    }
    this.guarded(() => this.closeBatch());
    if (this.heldBack > 0) {
      this.deps.log('WARNING', `e-mail: stopping with ${this.heldBack} bans not mailed because of the hourly limit`);
    }
    await this.outbox.close(this.stopTimeoutMs);
  }

  /** Runs `work`, reporting rather than throwing: a fault in mail must never fail the ban that called it. */
  private guarded(work: () => void): void {
    try {
      work();
    } catch (err) {
      this.deps.log('ERROR', `e-mail: could not queue a ban notice: ${escapeText(String(err), 300)}`);
    }
  }

  /** Turns the bans of the open window into one message, unless the hourly limit holds them back. */
  private closeBatch(): void {
    if (this.batch.size === 0) return;
    const summary = this.batch.take();
    const ids = this.batchIds;
    this.batchIds = [];
    const now = this.now();
    const { max_per_hour: limit } = this.settings;
    if (this.made.total(now) >= limit) {
      if (this.heldBack === 0) {
        const until = new Date(this.made.nextExpiry(now) ?? now).toISOString();
        this.deps.log('WARNING', `e-mail: limit of ${limit} messages per hour reached; bans are not mailed until ${until} (counted in the next message)`);
      }
      this.heldBack += summary.total;
      this.suppressed.add(now, summary.total);
      for (const id of ids) this.deps.store?.removeMail(id);
      return;
    }
    const context = { hostname: this.hostname, heldBack: this.heldBack, maxPerHour: limit };
    if (this.heldBack > 0) {
      this.deps.log('NOTICE', `e-mail: hourly limit no longer reached; ${this.heldBack} bans were not mailed while it was`);
    }
    this.heldBack = 0;
    const single = summary.total === 1 ? summary.samples[0] : undefined;
    const message: MailText = single ? formatBanMessage(single, context) : formatDigestMessage(summary, context);
    this.made.add(now);
    const mail = { subject: message.subject, text: message.text, bans: summary.total, createdAt: now };
    // The notices become the message in one transaction: a crash leaves one or the other.
    let id: number | undefined;
    try {
      id = this.deps.store && ids.length > 0 ? this.deps.store.mailFromNotices(ids, mail) : undefined;
    } catch (err) {
      this.deps.log('ERROR', `e-mail: "${mail.subject}" not kept in the state database: ${escapeText(String(err), 300)}`);
    }
    this.outbox.enqueue(id === undefined ? mail : { ...mail, id });
  }
}
