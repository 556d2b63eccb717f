import type { ControlChannel } from '../../control/channel.js';
import type { CommandInput, CommandResults, ConfigResult, HandledCommandName, StatusResult } from '../../control/protocol.js';
import type { LogEntry } from '../../engine/engine-log.js';
import type { TrustedRange } from '../../engine/trusted.js';
import type { BanRecord } from '../../engine/types.js';
import { BanIndex } from './ban-index.js';

/** How the console reaches the engine, for the header. */
export interface ConsoleMode {
  /** Attached to a running daemon (over its socket), or running the engine itself. */
  attached: boolean;
  /** The built-in demo: temporary logs, dry-run firewall. */
  demo: boolean;
  /** Changes are hidden and refused. */
  readOnly: boolean;
  /** The socket attached to, or the config file run. */
  where: string;
}

/** Log entries the console keeps (the daemon keeps its own ring; this is the view's). */
export const LOG_KEEP = 5000;

/** Events the console follows; failures are counted by the engine and read with `status`. */
const EVENTS = ['ban', 'unban', 'log', 'restored', 'firewall', 'config', 'refused', 'error'];

/** How often the header's counts, the trusted ranges, the config and the slower panes are refreshed, in ms. */
const POLL_MS = 2000;

/** Longest wait between an event and the frame that shows it, in ms: events are coalesced. */
const FLUSH_MS = 50;

type Listener = () => void;

/**
 * What the console shows, kept up to date from the engine's events: the bans, the trusted
 * ranges, the engine log and the status counts. Panes read it and call `request` to change
 * anything; nothing here knows about Ink. Bursts of events are coalesced into at most one
 * redraw every {@link FLUSH_MS} ms.
 */
export class ConsoleModel {
  readonly bans = new BanIndex();
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
  private configLoad: Promise<void> | null = null;
  private configStale = false;
  /** Set when the engine cannot be reached or an event stream broke. */
  connectionError: string | null = null;
  private version = 0;
  private readonly listeners = new Set<Listener>();
  private flushTimer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private readonly extraPolls = new Set<() => Promise<void>>();

  constructor(
    readonly channel: ControlChannel,
    readonly mode: ConsoleMode,
  ) {}

  /** Subscribes to events, then loads everything once; polls the counts until `stop`. */
  async start(): Promise<void> {
    await this.channel.subscribe((event, data) => this.onEvent(event, data), EVENTS);
    await Promise.all([this.refreshBans(), this.refreshTrusted(), this.refreshLogs(), this.refreshStatus(), this.refreshConfig()]);
    this.pollTimer = setInterval(() => void this.poll(), POLL_MS);
    this.pollTimer.unref();
    this.changed(true);
  }

  async stop(): Promise<void> {
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.pollTimer = null;
    this.flushTimer = null;
    await this.channel.unsubscribe().catch(() => {});
  }

  /** Runs a command on the engine; the refresh that follows comes from its events. */
  request<C extends HandledCommandName>(command: { command: C } & CommandInput<C>): Promise<CommandResults[C]> {
    return this.channel.request<C>(command);
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

  async refreshBans(): Promise<void> {
    this.bans.reset(await this.channel.request({ command: 'bans' }));
  }

  async refreshTrusted(): Promise<void> {
    const result = await this.channel.request({ command: 'trust', action: 'list' });
    if (result.action === 'list') this.trusted = result.ranges;
  }

  /**
   * Reads the configuration again. Every pane shares the one copy; a call while a read is under
   * way waits for it and for one more read after it, so a change made meanwhile is never missed.
   */
  refreshConfig(): Promise<void> {
    if (this.configLoad) {
      this.configStale = true;
      return this.configLoad;
    }
    const load = async (): Promise<void> => {
      do {
        this.configStale = false;
        try {
          this.config = await this.channel.request({ command: 'config' });
          this.configError = null;
        } catch (err) {
          this.configError = (err as Error).message;
        }
      } while (this.configStale);
      this.configLoad = null;
      this.changed();
    };
    this.configLoad = load();
    return this.configLoad;
  }

  async refreshStatus(): Promise<void> {
    this.status = await this.channel.request({ command: 'status' });
  }

  private async refreshLogs(): Promise<void> {
    this.logs = await this.channel.request({ command: 'logs', limit: LOG_KEEP });
  }

  private async poll(): Promise<void> {
    try {
      // The config too: a filter file dropped into filter.d, or an edited file, shows up without an event.
      await Promise.all([this.refreshStatus(), this.refreshTrusted(), this.refreshConfig(), ...[...this.extraPolls].map((refresh) => refresh())]);
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
  onEvent(event: string, data: unknown): void {
    const value = data as Record<string, unknown>;
    this.seen[event] = (this.seen[event] ?? 0) + 1;
    switch (event) {
      case 'ban':
        this.bans.put(value['record'] as BanRecord);
        break;
      case 'unban':
        this.bans.remove(value['ip'] as string);
        break;
      case 'log':
        this.logs.push(value as unknown as LogEntry);
        if (this.logs.length > LOG_KEEP + 500) this.logs.splice(0, this.logs.length - LOG_KEEP);
        break;
      case 'config':
        void this.refreshConfig();
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
        this.connectionError = typeof value?.['message'] === 'string' ? (value['message'] as string) : 'the daemon closed the connection';
        break;
      default:
        break;
    }
    this.changed();
  }
}
