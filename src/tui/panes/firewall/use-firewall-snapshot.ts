import { useCallback, useEffect, useState, type Dispatch } from 'react';
import type { ConsoleModel } from '../../model/console-model.js';
import type { FirewallAction } from './firewall-reducer.js';
import { snapshotFromShow } from './firewall-snapshot.js';

/**
 * Keeps the pane's `firewall show` snapshot fresh: at mount, on every `firewall` and `config`
 * event (apply, confirm, rollback, the timer's rollback, a saved draft) and on the model's poll.
 * Returns a refresh to call after the pane's own requests, and the confirmation timeout (seconds).
 */
export function useFirewallSnapshot(model: ConsoleModel, dispatch: Dispatch<FirewallAction>): { refresh: () => Promise<void>; confirmTimeout: number | null } {
  const [confirmTimeout, setConfirmTimeout] = useState<number | null>(null);
  const refresh = useCallback(async (): Promise<void> => {
    const startedAt = performance.now();
    try {
      const result = await model.request({ command: 'firewall', action: 'show' });
      dispatch({ type: 'loaded', snapshot: snapshotFromShow(result), startedAt, now: Date.now() });
    } catch (err) {
      dispatch({ type: 'load-failed', error: (err as Error).message });
    }
  }, [model, dispatch]);

  useEffect(() => model.addPoll(refresh), [model, refresh]);
  useEffect(() => {
    void refresh();
  }, [refresh, model.seen['firewall'], model.seen['config']]);
  useEffect(() => {
    model.request({ command: 'config' }).then(
      (config) => setConfirmTimeout(config.firewall.confirm_timeout),
      () => setConfirmTimeout(null),
    );
  }, [model, model.seen['config']]);
  return { refresh, confirmTimeout };
}
