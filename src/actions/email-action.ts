import type { Config } from '../config/index.js';
import type { EngineLog } from '../engine/engine-log.js';
import type { EngineEvent, EngineSubscriber } from '../engine/engine.js';
import type { MailQueueStore } from '../engine/types.js';
import { EmailNotifier, type EmailNotifierStatus } from './email-notifier.js';

/** The e-mail action as the engine runs it: fed the engine's events, started and stopped with it. */
export interface EmailAction extends EngineSubscriber {
  status(): EmailNotifierStatus;
}

/**
 * Ban notices for `[notify.email]`, or null when it is not set: a ban of a jail whose `actions`
 * include "email" is queued for mail. Bans restored at start raise no `ban` event, so a restart
 * mails nothing again; mail a previous run left unsent goes out when the engine starts.
 */
export function emailAction(options: { config: () => Config; store: MailQueueStore; log: EngineLog }): EmailAction | null {
  const settings = options.config().notify?.email;
  if (!settings) return null;
  const notifier = new EmailNotifier(settings, { log: (level, message) => options.log.write(level, null, message), store: options.store });
  return {
    onEvent(event: EngineEvent): void {
      // A ban another fleet node sent was mailed there.
      if (event.type !== 'ban' || event.record.origin !== undefined) return;
      if (options.config().jails[event.record.jail]?.actions.includes('email')) notifier.notify(event.record);
    },
    start: () => {
      notifier.restore();
    },
    stop: () => notifier.stop(),
    status: () => notifier.status(),
  };
}
