import { Box } from 'ink';
import { useMemo } from 'react';
import { navigationDelta } from '../../components/navigation-keys.js';
import { useModel, useUiActions } from '../../contexts.js';
import { setJailEnabled } from '../../model/engine-actions.js';
import { usePaneKeys } from '../../use-pane-keys.js';
import { LIST_CHROME_ROWS, JailList } from './jail-list.js';
import { JAILS_KEYS, type JailsCommand } from './jails-keys.js';
import type { JailsViewProps } from './jails-view-props.js';

/** The jails, the selected one in detail: on/off, add, delete, and the way to the filters. */
export function JailsListView({ state, dispatch, config, height, width, filter, jailRows, selectedJail, afterChange }: JailsViewProps) {
  const model = useModel();
  const actions = useUiActions();
  const listHeight = Math.max(1, height - LIST_CHROME_ROWS);
  const statusByName = useMemo(() => new Map((model.status?.jails ?? []).map((j) => [j.name, j])), [model.status]);

  const onCommand = (command: JailsCommand): void => {
    const step = navigationDelta(command, listHeight, jailRows.length);
    if (step !== null) return dispatch({ type: 'move', list: 'jails', step, length: jailRows.length, height: listHeight });
    if (command === 'add') return dispatch({ type: 'open-form' });
    if (command === 'filters') return dispatch({ type: 'view', view: 'filters' });
    if (!selectedJail) return;
    const name = selectedJail.name;
    if (command === 'toggle') void setJailEnabled(model, actions, name, !selectedJail.enabled).then(afterChange);
    else if (command === 'delete') {
      void actions.run(model.request({ command: 'jail-remove', name }), (r) => `deleted jail ${r.name} from the overlay file`).then(afterChange);
    }
  };
  usePaneKeys('jails', JAILS_KEYS, onCommand, {
    question: (command) =>
      command === 'delete' && selectedJail
        ? selectedJail.definedIn === 'overlay'
          ? `Delete jail ${selectedJail.name} (added here; its bans stay until they expire)?`
          : `Delete jail ${selectedJail.name}? It is in the config file: the engine will refuse (disable it instead)`
        : `${command}?`,
  });
  return (
    <Box height={height} flexDirection="column">
      <JailList rows={jailRows} total={config.jails.length} statusByName={statusByName} config={config} cursor={state.jails} listHeight={listHeight} width={width} filter={filter} />
    </Box>
  );
}
