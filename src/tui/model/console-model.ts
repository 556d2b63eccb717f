import type { ControlChannel, EventListener } from '../../control/channel.js';
import type { EventMap } from '../../control/events.js';
import type { CommandInput, CommandResults, ConfigResult, HandledCommandName, StatusResult } from '../../control/protocol.js';
import { isUnknownRequest } from '../../control/unknown-request.js';
import type { LogEntry } from '../../engine/engine-log.js';
import type { TrustedRange } from '../../engine/trusted.js';
import { SUBNET_JAIL } from '../../domain/index.js';
import { BanIndex } from './ban-index.js';
import type { ConsoleMode, ConsoleModelOptions, DroppableChannel } from './console-mode.js';
import { readPendingApply } from './pending-apply.js';
import { retryWithBackoff } from './retry.js';

export type { ConsoleMode, ConsoleModelOptions, DroppableChannel } from './console-mode.js';

/** Log entries the console keeps (the daemon keeps its own ring; this is the view's). */
export const LOG_KEEP = 5000;

/** Events the console follows; failures are counted by the engine and read with `status`. */
const EVENTS = ['ban', 'unban', 'log', 'restored', 'firewall', 'config', 'refused', 'error'];

/** How often the header's counts, the trusted ranges and the shown pane's extra data are refreshed, in ms. */
const POLL_MS = 2000;

/**
 * Longest wait between an event and the frame that shows it, in ms: events are coalesced. With
 * 20 bans a second each frame drawn for them (about 12 ms of Ink's work at 120x40) came between
 * the operator's keys; 50 ms drew one per ban.
 */
const FLUSH_MS = 250;

/**
 * Bans in each part of the list read from a daemon (about 2.5 MB of text): a million bans sent
 * as one line held the line's bytes, its text and its parsed arrays at once, 60-80 MiB more at the
 * console's peak than the bans themselves.
 */
const BAN_PART = 65_536;

/** A `ban` or `unban` event as the console applies it. */
type BanEvent = { event: 'ban'; data: EventMap['ban'] } | { event: 'unban'; data: EventMap['unban'] };

/** Applies a ban or unban event to an index. */
function applyBanEvent(bans: BanIndex, { event, data }: BanEvent): void {
  if (event === 'unban') {
    bans.remove(data.ip);
    return;
  }
  // Held as `bans` lists it: the reason lines of a ban are asked for when shown (`why`).
  const { reason, ...ban } = data.record;
  bans.put(ban.jail === SUBNET_JAIL ? { ...ban, reason } : ban);
}

type Listener = () => void;

/**
 * `read` as a refresh: a call while one is under way waits for it and for one more read after
 * it, so a change made meanwhile is never missed; `done` after the last.
 */
function coalesced(read: () => Promise<void>, done: () => void = () => {}): () => Promise<void> {
  let running: Promise<void> | null = null;
  let stale = false;
  return () => {
    if (running) {
      stale = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          stale = false;
          await read();
        } while (stale);
      } finally {
        running = null;
        done();
      }
    })();
    return running;
  };
}

/**
 * What the console shows, kept up to date from the engine's events: the bans, the trusted
 * ranges, the engine log and the status counts. Panes read it and call `request` to change
 * anything; nothing here knows about Ink. Bursts of events are coalesced into at most one
 * redraw every {@link FLUSH_MS} ms.
 */
export class ConsoleModel {
  /** The bans, replaced by a new index once a fresh read of the whole list is in. */
  bans = new BanIndex();
  /** Ban and unban events that came while the list was being read: applied to the new index too. */
  private heldBanEvents: BanEvent[] | null = null;
  status: StatusResult | null = null;
  trusted: TrustedRange[] = [];
  logs: LogEntry[] = [];
  /**
   * How many of each event arrived: a pane that shows the config or the rules refetches when
   * `seen.config` or `seen.firewall` changes.
   */
  readonly seen: Record<string, number> = {};
  /** The configuration in force (`config`), read at start and again after every `config` event. */
  config: ConfigResult | null = null;
  /** Why the configuration could not be read, if it could not. */
  configError: string | null = null;
  /** Set when the engine cannot be reached or an event stream broke. */
  connectionError: string | null = null;
  /** `retrying` from the moment the daemon's connection drops until a new one is up and read. */
  link: 'live' | 'retrying' = 'live';
  /** A firewall apply waiting for confirmation: when it is rolled back unless confirmed (epoch ms). */
  pendingApply: { deadline: number } | null = null;
  private channelNow: ControlChannel;
  private readonly opened: ControlChannel[] = [];
  private unwatch: (() => void) | null = null;
  private stopped = false;
  private stopRetrying: (() => void) | null = null;
  private version = 0;
  private readonly listeners = new Set<Listener>();
  private flushTimer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private readonly extraPolls = new Set<() => Promise<void>>();

  constructor(
    channel: ControlChannel,
    readonly mode: ConsoleMode,
    private readonly options: ConsoleModelOptions = {},
  ) {
    this.channelNow = channel;
  }

  /** The connection in use (a new one after each reconnect). */
  get channel(): ControlChannel {
    return this.channelNow;
  }

  /** Subscribes to events, then loads everything once; polls the counts until `stop`. */
  async start(): Promise<void> {
    await this.attach(this.channelNow);
    this.pollTimer = setInterval(() => void this.poll(), POLL_MS);
    this.pollTimer.unref();
    this.changed(true);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.stopRetrying?.();
    this.pollTimer = null;
    this.flushTimer = null;
    this.unwatch?.();
    await this.channelNow.unsubscribe().catch(() => {});
    // Connections opened here on reconnecting are ours to close; the first is the caller's.
    await Promise.all(this.opened.map((c) => c.close().catch(() => {})));
  }

  /** Runs a command on the engine; the refresh that follows comes from its events. */
  request<C extends HandledCommandName>(command: { command: C } & CommandInput<C>): Promise<CommandResults[C]> {
    if (this.link === 'retrying') return Promise.reject(new Error('not sent: the daemon is not reachable; reconnecting (try again once the header says attached)'));
    return this.channelNow.request<C>(command);
  }

  /** Follows `channel`: its events, the fresh state, and its end (to reconnect, when allowed). */
  private async attach(channel: ControlChannel): Promise<void> {
    this.unwatch?.();
    this.unwatch = null;
    await channel.subscribe((...args) => this.onEvent(...args), EVENTS);
    await Promise.all([this.refreshBans(), this.refreshTrusted(), this.refreshLogs(), this.refreshStatus(), this.refreshConfig(), this.refreshPending()]);
    const droppable = channel as Partial<DroppableChannel>;
    if (typeof droppable.onClose === 'function') {
      this.unwatch = droppable.onClose((error) => {
        if (error && channel === this.channelNow) this.lost(error);
      });
    }
  }

  /** The daemon's connection dropped: say so, then try again with a growing wait. */
  private lost(error: Error): void {
    if (this.stopped || this.link === 'retrying') return;
    if (!this.options.reconnect) {
      this.connectionError = `${error.message}: the view is no longer live (q quits)`;
      this.changed(true);
      return;
    }
    this.link = 'retrying';
    this.stopRetrying = retryWithBackoff(
      () => this.reconnectOnce(),
      (attempt) => {
        this.connectionError = `disconnected (${error.message}); retrying, attempt ${attempt}`;
        this.changed(true);
      },
    );
  }

  private async reconnectOnce(): Promise<boolean> {
    const channel = await this.options.reconnect!().catch(() => null);
    if (!channel) return false;
    if (this.stopped) {
      await channel.close().catch(() => {});
      return true;
    }
    this.opened.push(channel);
    const old = this.channelNow;
    this.channelNow = channel;
    try {
      await this.attach(channel);
    } catch {
      await channel.close().catch(() => {});
      return false;
    }
    if (this.opened.includes(old)) void old.close().catch(() => {});
    this.link = 'live';
    this.stopRetrying = null;
    this.connectionError = null;
    this.seen['reconnected'] = (this.seen['reconnected'] ?? 0) + 1;
    this.changed(true);
    return true;
  }

  /** Registers something a pane refreshes on every poll (config, activity, rules); returns its remover. */
  addPoll(refresh: () => Promise<void>): () => void {
    this.extraPolls.add(refresh);
    void refresh().then(() => this.changed(true), () => {});
    return () => this.extraPolls.delete(refresh);
  }

  /** For `useSyncExternalStore`: called after each coalesced change. */
  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getVersion = (): number => this.version;

  /** Marks the view changed: at once (after an operator's action) or within {@link FLUSH_MS}. */
  changed(now = false): void {
    if (now) {
      if (this.flushTimer) clearTimeout(this.flushTimer);
      this.flushTimer = null;
      this.flush();
      return;
    }
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.flush();
    }, FLUSH_MS);
  }

  /**
   * Reads the whole list again, packed (`ban-columns`) in parts; from a daemon that predates
   * parts, in one answer; from one that predates `ban-columns`, as `bans`. The list shown stays
   * until the new one is in. A call while a read is under way waits for it and one more after it.
   */
  readonly refreshBans = coalesced(() => this.readBans());

  private async readBans(): Promise<void> {
    const channel = this.channel;
    const held: BanEvent[] = [];
    this.heldBanEvents = held;
    try {
      const index = new BanIndex();
      const last = await channel.request({ command: 'ban-columns', part: BAN_PART }, { onPart: (part) => index.loadPart(part) }).catch((err: Error) => {
        if (isUnknownRequest(err, 'part')) return channel.request({ command: 'ban-columns' });
        if (isUnknownRequest(err, 'ban-columns')) return null;
        throw err;
      });
      if (last) {
        index.loadPart(last);
        index.endLoad();
      } else {
        index.reset(await channel.request({ command: 'bans' }));
      }
      // Events after the list was read are in order after it; those before it change nothing.
      for (const event of held) applyBanEvent(index, event);
      // Every sort order is made with the load (0.24-0.55 s more with a million bans), so that `s`
      // only switches to one: sorting when the key was pressed put its p95 at 79-99 ms, and making
      // them in idle turns after the first frame held up the keys pressed then by 200-370 ms.
      while (index.prepareOrder());
      this.bans = index;
    } finally {
      if (this.heldBanEvents === held) this.heldBanEvents = null;
    }
  }

  async refreshTrusted(): Promise<void> {
    const result = await this.channel.request({ command: 'trust', action: 'list' });
    if (result.action === 'list') this.trusted = result.ranges;
  }

  /**
   * Reads the configuration again. Every pane shares the one copy; a call while a read is under
   * way waits for it and for one more read after it, so a change made meanwhile is never missed.
   */
  readonly refreshConfig = coalesced(async () => {
    try {
      this.config = await this.channel.request({ command: 'config' });
      this.configError = null;
    } catch (err) {
      this.configError = (err as Error).message;
    }
  }, () => this.changed());

  /** Reads the counts, without every jail's list of banned addresses (a daemon that predates that option sends them). */
  async refreshStatus(): Promise<void> {
    const channel = this.channel;
    this.status = await channel.request({ command: 'status', bannedIps: false }).catch((err: Error) => {
      if (!isUnknownRequest(err, 'bannedIps')) throw err;
      return channel.request({ command: 'status' });
    });
  }

  /** Reads whether a firewall apply waits for confirmation (then kept up to date by `firewall` events). */
  async refreshPending(): Promise<void> {
    const pending = await readPendingApply(this.channel);
    if (pending !== undefined) this.pendingApply = pending;
  }

  private async refreshLogs(): Promise<void> {
    this.logs = await this.channel.request({ command: 'logs', limit: LOG_KEEP });
  }

  private async poll(): Promise<void> {
    try {
      if (this.link !== 'live') return;
      // Only what every pane shows (the header's counts); a pane adds what it needs while shown.
      await Promise.all([this.refreshStatus(), this.refreshTrusted(), ...[...this.extraPolls].map((refresh) => refresh())]);
      this.connectionError = null;
    } catch (err) {
      this.connectionError = (err as Error).message;
    }
    this.changed();
  }

  private flush(): void {
    this.version++;
    for (const listener of this.listeners) listener();
  }

  /** Applies one pushed event to the view. */
  onEvent(...[event, data]: Parameters<EventListener>): void {
    this.seen[event] = (this.seen[event] ?? 0) + 1;
    switch (event) {
      case 'ban':
      case 'unban': {
        const change = { event, data } as BanEvent;
        applyBanEvent(this.bans, change);
        this.heldBanEvents?.push(change);
        break;
      }
      case 'log':
        this.logs.push(data);
        if (this.logs.length > LOG_KEEP + 500) this.logs.splice(0, this.logs.length - LOG_KEEP);
        break;
      case 'config':
        void this.refreshConfig();
        break;
      case 'firewall':
        this.pendingApply = data.state === 'applied' ? { deadline: data.deadline } : null;
        break;
      case 'restored':
      case 'dropped':
        // Bans came back in one step, or events were lost: read the whole list again.
        void this.refreshBans().then(() => this.changed(), (err: Error) => (this.connectionError = err.message));
        if (event === 'dropped') {
          void this.refreshLogs().catch(() => {});
          void this.refreshConfig();
        }
        break;
      case 'closed':
        this.lost(new Error(data.message || 'the daemon closed the connection'));
        break;
      default:
        break;
    }
    this.changed();
  }
}
