import { useCallback, useEffect, useRef, type Dispatch } from 'react';
import type { ConsoleModel } from '../../model/console-model.js';
import type { FirewallAction } from './firewall-reducer.js';
import { snapshotFromShow } from './firewall-snapshot.js';

/**
 * Keeps the pane's `firewall show` snapshot fresh: at mount, on every `firewall` and `config`
 * event (apply, confirm, rollback, the timer's rollback, a saved draft) and on the model's poll.
 * Returns a refresh to call after the pane's own requests, and the confirmation timeout (seconds).
 */
export function useFirewallSnapshot(model: ConsoleModel, dispatch: Dispatch<FirewallAction>, shown: boolean): { refresh: () => Promise<void>; confirmTimeout: number | null } {
  const refresh = useCallback(async (): Promise<void> => {
    const startedAt = performance.now();
    try {
      const result = await model.request({ command: 'firewall', action: 'show' });
      dispatch({ type: 'loaded', snapshot: snapshotFromShow(result), startedAt, now: Date.now() });
    } catch (err) {
      dispatch({ type: 'load-failed', error: (err as Error).message });
    }
  }, [model, dispatch]);

  // Read when shown (by addPoll) and on every poll while shown; again after each `firewall` or
  // `config` event. A hidden pane asks nothing.
  useEffect(() => (shown ? model.addPoll(refresh) : undefined), [model, refresh, shown]);
  const events = (model.seen['firewall'] ?? 0) + (model.seen['config'] ?? 0);
  const seenAtMount = useRef(events);
  useEffect(() => {
    if (events !== seenAtMount.current && shown) void refresh();
  }, [events, refresh]);
  return { refresh, confirmTimeout: model.config?.firewall.confirm_timeout ?? null };
}
