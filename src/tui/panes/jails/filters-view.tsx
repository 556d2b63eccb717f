import { Box } from 'ink';
import { navigationDelta } from '../../components/navigation-keys.js';
import { useModel, useUiActions } from '../../contexts.js';
import { usePaneKeys } from '../../use-pane-keys.js';
import { FILTER_LIST_CHROME_ROWS, FilterList } from './filter-list.js';
import { FILTERS_KEYS, type FiltersCommand } from './jails-keys.js';
import type { JailsViewProps } from './jails-view-props.js';
import { useFilterActions } from './use-filter-actions.js';

/** The filters there are (shipped and the operator's): open one in the editor, or start a new one. */
export function FiltersView({ state, dispatch, config, height, width, filter, filterRows, selectedJail, selectAfterLoad }: JailsViewProps) {
  const model = useModel();
  const actions = useUiActions();
  const listHeight = Math.max(1, height - FILTER_LIST_CHROME_ROWS);
  const selected = filterRows[Math.min(state.filters.cursor, filterRows.length - 1)];
  const filterActions = useFilterActions({ model, actions, dispatch, config, selectAfterLoad });

  const onCommand = (command: FiltersCommand): void => {
    const step = navigationDelta(command, listHeight, filterRows.length);
    if (step !== null) return dispatch({ type: 'move', list: 'filters', step, length: filterRows.length, height: listHeight });
    if (command === 'back') return dispatch({ type: 'view', view: 'list' });
    const testJail = selectedJail?.name ?? config.jails[0]?.name ?? null;
    if (command === 'new') return filterActions.newFilter(testJail);
    if (command === 'edit' && selected) filterActions.editFilter(selected.name, testJail);
  };
  usePaneKeys('jails', FILTERS_KEYS, onCommand);
  return (
    <Box height={height} flexDirection="column">
      <FilterList rows={filterRows} all={config.filters} jails={config.jails} cursor={state.filters} listHeight={listHeight} width={width} filter={filter} />
    </Box>
  );
}
