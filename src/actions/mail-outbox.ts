import type { MailQueueStore } from '../engine/types.js';
import { escapeText } from './email-text.js';
import type { NotifierLog, NotifierTimers } from './types.js';

/** One message as handed to the transport; a subset of nodemailer's `SendMailOptions`. */
export interface OutgoingMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  date: Date;
  headers: Record<string, string>;
  /** The same for every attempt, across restarts too, so a receiver can drop a message sent twice. */
  messageId?: string;
  /** Aborts a send still in progress when `stop()` runs out of time. */
  signal?: AbortSignal;
}

/** What sends mail: nodemailer's SMTP transport in production (see createSmtpTransport). */
export interface MailTransport {
  /** Resolves once the server accepted the message; rejects with the reason it did not. */
  sendMail(mail: OutgoingMail): Promise<unknown>;
  close(): void;
}

/** A message waiting to be sent. */
export interface QueuedMail {
  subject: string;
  text: string;
  /** Bans it reports, for the log. */
  bans: number;
  /** Its row in the store's queue, once it is kept there. */
  id?: number;
  /** When it was made (epoch ms). */
  createdAt?: number;
}

/** Waits between attempts at one message, in ms: the message is dropped after the last. */
export const DEFAULT_RETRY_DELAYS: readonly number[] = [5_000, 30_000, 120_000, 600_000];

/** Longest one attempt may take, connection to last reply. */
const SEND_TIMEOUT_MS = 120_000;

/** Options of a {@link MailOutbox}. */
export interface MailOutboxOptions {
  transport: MailTransport;
  from: string;
  to: readonly string[];
  log: NotifierLog;
  timers: NotifierTimers;
  now: () => number;
  retryDelays: readonly number[];
  /** Called once per message the server accepted. */
  onDelivered: (mail: QueuedMail) => void;
  /** Where messages are kept until the server accepts them, so a restart sends them (the engine's store). */
  store?: MailQueueStore;
  /** Names this host in Message-IDs. */
  hostname?: string;
}

interface Entry {
  mail: QueuedMail;
  attempts: number;
}

/**
 * Sends messages one at a time, in order, retrying a failed one after each of `retryDelays` and
 * then giving up on it. Only this class waits on the network; enqueue() returns at once.
 */
export class MailOutbox {
  private readonly queue: Entry[] = [];
  private sending = false;
  private retryTimer: unknown = null;
  private inFlight: AbortController | null = null;
  private closing = false;
  private abandoned = false;
  private idleWaiters: Array<() => void> = [];
  /** The latest failure, one line; cleared by the next delivery. */
  lastError: string | null = null;
  /** True from a failed attempt until the next delivery. */
  failing = false;

  constructor(private readonly options: MailOutboxOptions) {}

  /** Messages not yet delivered or given up, the one being sent included. */
  get size(): number {
    return this.queue.length;
  }

  enqueue(mail: QueuedMail): void {
    if (this.closing) return;
    const { store, now, log } = this.options;
    const kept = { ...mail, createdAt: mail.createdAt ?? now() };
    if (store && kept.id === undefined) {
      try {
        kept.id = store.enqueueMail({ createdAt: kept.createdAt, subject: kept.subject, text: kept.text, bans: kept.bans });
      } catch (err) {
        log('ERROR', `e-mail: "${kept.subject}" not kept in the state database (sent from memory only): ${describeError(err)}`);
      }
    }
    this.queue.push({ mail: kept, attempts: 0 });
    this.pump();
  }

  /** Queues the messages a previous run left unsent (already in the store); returns how many. */
  restore(): number {
    const { store, log } = this.options;
    if (!store) return 0;
    let stored;
    try {
      stored = store.queuedMail();
    } catch (err) {
      log('ERROR', `e-mail: the queued messages could not be read: ${describeError(err)}`);
      return 0;
    }
    for (const mail of stored) this.enqueue(mail);
    if (stored.length > 0) log('NOTICE', `e-mail: ${stored.length} message${stored.length === 1 ? '' : 's'} left unsent by the last run queued again`);
    return stored.length;
  }

  /**
   * Tries each waiting message once more, without waiting out backoff, for at most `timeoutMs`;
   * what is still unsent then is dropped and reported. Closes the transport. Never rejects.
   */
  async close(timeoutMs: number): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.retryTimer !== null) {
      this.options.timers.clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    this.pump();
    let timer: unknown = null;
    const finished = await Promise.race([
      new Promise<true>((resolve) => this.whenIdle(() => resolve(true))),
      new Promise<false>((resolve) => {
        timer = this.options.timers.setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    this.options.timers.clearTimeout(timer);
    if (!finished) {
      this.abandoned = true;
      const left = this.queue.length;
      const kept = this.queue.filter((e) => e.mail.id !== undefined).length;
      this.queue.length = 0;
      this.inFlight?.abort();
      const what = kept === left ? 'kept for the next start' : kept === 0 ? 'dropped' : `${kept} kept for the next start, the rest dropped`;
      this.options.log('ERROR', `e-mail: stopping: ${left} message${left === 1 ? '' : 's'} not sent within ${formatDelay(timeoutMs)}, ${what}`);
    }
    this.options.transport.close();
  }

  private whenIdle(callback: () => void): void {
    if (!this.sending && this.queue.length === 0) callback();
    else this.idleWaiters.push(callback);
  }

  private pump(): void {
    if (this.sending || this.retryTimer !== null || this.abandoned) return;
    const entry = this.queue[0];
    if (!entry) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
      return;
    }
    this.sending = true;
    // attempt() handles send errors itself; the catch only keeps a throwing log callback from
    // becoming an unhandled rejection.
    void this.attempt(entry).catch(() => undefined).finally(() => {
      this.sending = false;
      this.pump();
    });
  }

  private async attempt(entry: Entry): Promise<void> {
    const { transport, from, to, log, now } = this.options;
    entry.attempts++;
    const abort = new AbortController();
    this.inFlight = abort;
    // nodemailer's socket timeout restarts with every byte; a server that trickles must not hold the queue.
    const deadline = this.options.timers.setTimeout(() => abort.abort(new Error(`no answer within ${formatDelay(SEND_TIMEOUT_MS)}`)), SEND_TIMEOUT_MS);
    try {
      await transport.sendMail({
        from,
        to: [...to],
        subject: entry.mail.subject,
        text: entry.mail.text,
        date: new Date(now()),
        // RFC 3834: keeps vacation responders and the like from answering.
        headers: { 'Auto-Submitted': 'auto-generated' },
        ...(entry.mail.id !== undefined ? { messageId: `<portcullis.${entry.mail.createdAt}.${entry.mail.id}@${this.options.hostname ?? 'localhost'}>` } : {}),
        signal: abort.signal,
      });
    } catch (err) {
      if (this.abandoned) return; // close() has already reported it
      this.failed(entry, describeError(err));
      return;
    } finally {
      this.options.timers.clearTimeout(deadline);
      this.inFlight = null;
    }
    this.queue.shift();
    this.forget(entry);
    if (this.failing) {
      log('NOTICE', `e-mail: the mail server works again (last error: ${this.lastError})`);
    }
    this.failing = false;
    this.lastError = null;
    const tries = entry.attempts > 1 ? ` after ${entry.attempts} attempts` : '';
    log('INFO', `e-mail: sent "${entry.mail.subject}" (${entry.mail.bans} ban${entry.mail.bans === 1 ? '' : 's'}) to ${to.length} recipient${to.length === 1 ? '' : 's'}${tries}`);
    this.options.onDelivered(entry.mail);
  }

  private failed(entry: Entry, reason: string): void {
    const { log, timers, retryDelays } = this.options;
    this.failing = true;
    this.lastError = reason;
    const delay = retryDelays[entry.attempts - 1];
    if (this.closing && entry.mail.id !== undefined) {
      this.queue.shift();
      log('WARNING', `e-mail: sending "${entry.mail.subject}" failed while stopping: ${reason}; kept for the next start`);
      return;
    }
    if (delay === undefined || this.closing) {
      this.queue.shift();
      this.forget(entry);
      log('ERROR', `e-mail: gave up on "${entry.mail.subject}" after ${entry.attempts} attempt${entry.attempts === 1 ? '' : 's'}: ${reason}`);
      return;
    }
    log('WARNING', `e-mail: sending "${entry.mail.subject}" failed (attempt ${entry.attempts}): ${reason}; next attempt in ${formatDelay(delay)}`);
    this.retryTimer = timers.setTimeout(() => {
      this.retryTimer = null;
      this.pump();
    }, delay);
  }

  private forget(entry: Entry): void {
    if (entry.mail.id === undefined) return;
    try {
      this.options.store?.removeMail(entry.mail.id);
    } catch (err) {
      this.options.log('ERROR', `e-mail: "${entry.mail.subject}" done but still in the state database (it may be sent again at the next start): ${describeError(err)}`);
    }
  }
}

/** One line: nodemailer's error code (EAUTH, EENVELOPE, ECONNECTION...) and message, server text included. */
function describeError(err: unknown): string {
  if (!(err instanceof Error)) return escapeText(String(err), 300);
  const code = (err as { code?: unknown }).code;
  return escapeText(typeof code === 'string' && code !== '' ? `${code}: ${err.message}` : err.message, 300);
}

function formatDelay(ms: number): string {
  return ms < 1000 ? `${ms}ms` : ms % 60_000 === 0 ? `${ms / 60_000}m` : `${Math.round(ms / 100) / 10}s`;
}
