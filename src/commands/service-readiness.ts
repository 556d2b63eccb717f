import { notifySocket, sdNotify, type NotifyOptions, type NotifyResult } from '../domain/sd-notify.js';

/** What the status line is made of (Engine.status() has these). */
export interface ServiceCounts {
  banned: number;
  jailsRunning: number;
}

/** How a ServiceReadiness reports. */
export interface ServiceReadinessOptions extends NotifyOptions {
  /** How often the status line is refreshed when the ban count changed (default 10 s). */
  refreshMs?: number;
  /** Told once when a notification could not be sent. */
  onFailure?: (message: string) => void;
}

/** The service manager's status line: `12 bans in force, 3 jails running`. */
export function statusText(counts: ServiceCounts): string {
  const bans = `${counts.banned} ${counts.banned === 1 ? 'ban' : 'bans'} in force`;
  return `${bans}, ${counts.jailsRunning} ${counts.jailsRunning === 1 ? 'jail' : 'jails'} running`;
}

/**
 * Tells systemd (Type=notify) when the daemon is ready and how it is doing. `ready()` is called
 * once the stored bans are back in the kernel and the followers run; from then on the status
 * line follows the ban count (checked every `refreshMs`, sent only when it changed, so a flood
 * of bans costs one notification per period, not one per ban). Without NOTIFY_SOCKET it does
 * nothing at all.
 */
export class ServiceReadiness {
  private timer: NodeJS.Timeout | null = null;
  private lastStatus = '';
  private reportedFailure = false;
  private sending: Promise<unknown> = Promise.resolve();

  constructor(private readonly counts: () => ServiceCounts, private readonly options: ServiceReadinessOptions = {}) {}

  /** Whether the service manager asked for notifications. */
  get enabled(): boolean {
    return notifySocket(this.options.env) !== undefined;
  }

  /** READY=1 with the first status line; starts the refresh. */
  async ready(): Promise<NotifyResult> {
    const status = statusText(this.counts());
    const result = await this.send({ READY: '1', STATUS: status });
    this.lastStatus = status;
    if (this.enabled && this.timer === null) {
      this.timer = setInterval(() => void this.refresh(), this.options.refreshMs ?? 10_000);
      this.timer.unref();
    }
    return result;
  }

  /** Sends the status line if it changed since the last one. */
  async refresh(): Promise<void> {
    const status = statusText(this.counts());
    if (status === this.lastStatus) return;
    this.lastStatus = status;
    await this.send({ STATUS: status });
  }

  /** STOPPING=1: the daemon is shutting down; no more refreshes. */
  async stopping(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.send({ STOPPING: '1', STATUS: 'stopping; bans stay in place' });
  }

  /** One notification at a time, in order. */
  private send(fields: Record<string, string>): Promise<NotifyResult> {
    const next = this.sending.then(() => sdNotify(fields, this.options));
    this.sending = next;
    return next.then((result) => {
      if (result.sent === false && result.reason === 'failed' && !this.reportedFailure) {
        this.reportedFailure = true;
        this.options.onFailure?.(result.message);
      }
      return result;
    });
  }
}
