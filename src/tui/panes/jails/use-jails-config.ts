import { useEffect, type Dispatch } from 'react';
import type { ConsoleModel } from '../../model/console-model.js';
import type { JailsAction } from './jails-reducer.js';

/**
 * Feeds the model's copy of the configuration (read again after every `config` event: a jail
 * turned on or off, added, removed, a filter saved) into the pane's state. While the pane is
 * shown it is also read on the model's poll: a filter file dropped into filter.d, or a file
 * edited by hand, shows up without an event. Hidden, nothing is read for it.
 */
export function useJailsConfig(model: ConsoleModel, dispatch: Dispatch<JailsAction>, shown: boolean): void {
  useEffect(() => {
    if (model.config) dispatch({ type: 'loaded', config: model.config });
  }, [model.config]);
  useEffect(() => {
    if (model.configError) dispatch({ type: 'load-failed', error: model.configError });
  }, [model.configError]);
  useEffect(() => (shown ? model.addPoll(() => model.refreshConfig()) : undefined), [model, shown]);
}
