import { useCallback, useEffect, type Dispatch } from 'react';
import type { ConsoleModel } from '../../model/console-model.js';
import type { JailsAction } from './jails-reducer.js';

/**
 * Keeps the pane's copy of the `config` answer fresh: read on mount, on every poll, and whenever
 * a `config` event arrives (a jail turned on or off, added, removed, a filter saved). Returns the
 * reader, for a refresh right after the pane's own change.
 */
export function useJailsConfig(model: ConsoleModel, dispatch: Dispatch<JailsAction>): () => Promise<void> {
  const refresh = useCallback(async (): Promise<void> => {
    try {
      const config = await model.request({ command: 'config' });
      dispatch({ type: 'loaded', config });
    } catch (err) {
      dispatch({ type: 'load-failed', error: (err as Error).message });
    }
  }, [model, dispatch]);

  useEffect(() => {
    const remove = model.addPoll(refresh);
    return () => {
      remove();
    };
  }, [model, refresh]);

  const configEvents = model.seen['config'] ?? 0;
  useEffect(() => {
    if (configEvents > 0) void refresh();
  }, [configEvents, refresh]);

  return refresh;
}
