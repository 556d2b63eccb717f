import type { WebhookActionSettings } from '../config/schema.js';
import type { HookEvent } from './hook-event.js';
import { HookQueue, type HookQueueStatus } from './hook-queue.js';
import type { NotifierLog } from './types.js';

/** The JSON body a webhook receives. */
export interface WebhookBody extends HookEvent {
  /** This server's host name. */
  node: string;
}

/** POSTs `body` as JSON; rejects on a network error, a status outside 2xx or the timeout. */
export async function postJson(url: string, headers: Record<string, string>, body: unknown, timeoutMs: number): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
  } catch (err) {
    const error = err as Error & { cause?: Error };
    if (error.name === 'TimeoutError' || error.name === 'AbortError') throw new Error(`no answer within the ${timeoutMs / 1000}s timeout`);
    throw new Error(error.cause?.message ?? error.message);
  }
  // The body is read so the connection is freed; its text is not trusted for the log beyond a glimpse.
  const text = await response.text().catch(() => '');
  if (response.status < 200 || response.status > 299) {
    const glimpse = text.trim().replace(/\s+/g, ' ').slice(0, 200);
    throw new Error(`HTTP ${response.status}${glimpse ? `: ${JSON.stringify(glimpse)}` : ''}`);
  }
}

/** One `[actions.NAME]` webhook: queued POSTs for the events it is set to send. */
export class WebhookAction {
  private readonly queue: HookQueue;

  constructor(
    readonly name: string,
    private readonly settings: WebhookActionSettings,
    private readonly node: string,
    log: NotifierLog,
    retryDelay?: (attempt: number) => number,
  ) {
    this.queue = new HookQueue({ concurrency: settings.concurrency, limit: settings.queue, retries: settings.retries, log, ...(retryDelay ? { retryDelay } : {}) });
  }

  /** Queues a POST for this event; returns at once. */
  handle(event: HookEvent): void {
    if (!this.settings.events.includes(event.event)) return;
    const body: WebhookBody = { ...event, node: this.node };
    const { url, headers, timeout } = this.settings;
    this.queue.push({ label: `webhook action "${this.name}": ${event.event} ${event.ip} (${event.jail})`, run: () => postJson(url, headers, body, timeout * 1000) });
  }

  status(): HookQueueStatus {
    return this.queue.status();
  }

  stop(): Promise<void> {
    return this.queue.stop();
  }
}
