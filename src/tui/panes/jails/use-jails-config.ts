import { useEffect, type Dispatch } from 'react';
import type { ConsoleModel } from '../../model/console-model.js';
import type { JailsAction } from './jails-reducer.js';

/**
 * Feeds the model's copy of the configuration (read again after every `config` event: a jail
 * turned on or off, added, removed, a filter saved) into the pane's state.
 */
export function useJailsConfig(model: ConsoleModel, dispatch: Dispatch<JailsAction>): void {
  useEffect(() => {
    if (model.config) dispatch({ type: 'loaded', config: model.config });
  }, [model.config]);
  useEffect(() => {
    if (model.configError) dispatch({ type: 'load-failed', error: model.configError });
  }, [model.configError]);
}
