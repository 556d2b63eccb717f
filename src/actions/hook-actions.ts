import os from 'node:os';
import type { Config } from '../config/index.js';
import type { EngineLog } from '../engine/engine-log.js';
import type { EngineEvent, EngineSubscriber } from '../engine/engine.js';
import { ExecAction } from './exec-action.js';
import { hookEventOf, type HookEvent } from './hook-event.js';
import type { HookQueueStatus } from './hook-queue.js';
import { WebhookAction } from './webhook-action.js';

/** The `[actions]` hooks as the engine runs them. */
export interface HookActions extends EngineSubscriber {
  status(): Record<string, HookQueueStatus>;
}

/**
 * The exec and webhook hooks of `[actions]`, or null when there are none: a ban (or unban) in
 * a jail whose `actions` name a hook queues a run of it. The hooks are built at start; a reload
 * changes which jails use them, not their settings. Bans another fleet node sent ran its hooks there.
 */
export function hookActions(options: { config: () => Config; log: EngineLog; node?: string; retryDelay?: (attempt: number) => number }): HookActions | null {
  const settings = options.config().actions;
  if (!settings || Object.keys(settings).length === 0) return null;
  const log = (level: 'INFO' | 'NOTICE' | 'WARNING' | 'ERROR', message: string) => options.log.write(level, null, message);
  const node = options.node ?? os.hostname();
  const hooks = new Map<string, ExecAction | WebhookAction>();
  for (const [name, hook] of Object.entries(settings)) {
    hooks.set(name, hook.type === 'exec' ? new ExecAction(name, hook, log, options.retryDelay) : new WebhookAction(name, hook, node, log, options.retryDelay));
  }
  // The ban each unban ends, as its hook saw it, so the unban hook gets its bantime and failures
  // too (not the record: its reason lines would be held for every ban in force).
  const banned = new Map<string, HookEvent>();
  const run = (jail: string, fire: (hook: ExecAction | WebhookAction) => void) => {
    for (const action of options.config().jails[jail]?.actions ?? []) {
      const hook = hooks.get(action);
      if (hook) fire(hook);
    }
  };
  return {
    onEvent(event: EngineEvent): void {
      if (event.type === 'ban') {
        if (event.record.origin !== undefined || event.extended) return;
        const hookEvent = hookEventOf('ban', event.record);
        banned.set(`${event.record.jail} ${event.record.ip}`, hookEvent);
        run(event.record.jail, (hook) => hook.handle(hookEvent));
      } else if (event.type === 'unban') {
        const key = `${event.jail} ${event.ip}`;
        const ban = banned.get(key);
        banned.delete(key);
        const hookEvent: HookEvent = ban
          ? { ...ban, event: 'unban' }
          : { event: 'unban', ip: event.ip, jail: event.jail, bantime: 0, failures: 0, expiry: null };
        run(event.jail, (hook) => hook.handle(hookEvent));
      }
    },
    stop: async () => {
      await Promise.all([...hooks.values()].map((hook) => hook.stop()));
    },
    status: () => Object.fromEntries([...hooks].map(([name, hook]) => [name, hook.status()])),
  };
}
