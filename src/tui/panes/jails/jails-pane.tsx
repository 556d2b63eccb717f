import { Box, Text } from 'ink';
import { useEffect, useLayoutEffect, useReducer, useRef } from 'react';
import { useModel, useUiActions, useUiState } from '../../contexts.js';
import { tone } from '../../theme.js';
import type { PaneProps } from '../pane-props.js';
import { FILTER_LIST_CHROME_ROWS } from './filter-list.js';
import { FilterEditorMode } from './filter-editor-mode.js';
import { FiltersView } from './filters-view.js';
import { JailAddView } from './jail-add-view.js';
import type { FormContext } from './jail-form.js';
import { LIST_CHROME_ROWS } from './jail-list.js';
import { INITIAL_JAILS_STATE, jailsReducer } from './jails-reducer.js';
import { JailsListView } from './jails-list-view.js';
import type { JailsViewProps } from './jails-view-props.js';
import { useJailsConfig } from './use-jails-config.js';

/**
 * Jails: every configured jail with its state, filter and counts, the selected one in detail;
 * switch jails on and off, add and delete run-time jails, and manage filters (list, edit, test
 * live against sample lines or a jail's log, save). This keeps the state the views share; each
 * view ({@link JailsListView}, {@link JailAddView}, {@link FiltersView}, {@link FilterEditorMode})
 * has its own keys.
 */
export function JailsPane({ height, width }: PaneProps) {
  const model = useModel();
  const ui = useUiState();
  const actions = useUiActions();
  const [state, dispatch] = useReducer(jailsReducer, INITIAL_JAILS_STATE);
  useJailsConfig(model, dispatch, ui.pane === 'jails');
  const config = state.config;
  const filter = ui.filters.jails.trim().toLowerCase();

  const allJails = config?.jails ?? [];
  const jailRows = filter ? allJails.filter((j) => j.name.toLowerCase().includes(filter) || j.filter.toLowerCase().includes(filter)) : allJails;
  const allFilters = config?.filters ?? [];
  const filterRows = filter ? allFilters.filter((f) => f.name.toLowerCase().includes(filter)) : allFilters;
  const context: FormContext = { jailNames: allJails.map((j) => j.name), filters: state.filterChoices };
  const jailListHeight = Math.max(1, height - LIST_CHROME_ROWS);
  const filterListHeight = Math.max(1, height - FILTER_LIST_CHROME_ROWS);
  // Clamped here too: the cursor is put back inside a list that shrank one render later.
  const selectedJail = jailRows[Math.min(state.jails.cursor, jailRows.length - 1)];
  const editor = state.editor;
  const unsavedFilter = editor?.dirty ? `filter ${editor.name || '(unnamed)'}` : null;
  useEffect(() => actions.setUnsaved('jails', unsavedFilter), [unsavedFilter]);

  useLayoutEffect(() => dispatch({ type: 'clamp', list: 'jails', length: jailRows.length, height: jailListHeight }), [jailRows.length, jailListHeight]);
  useLayoutEffect(() => dispatch({ type: 'clamp', list: 'filters', length: filterRows.length, height: filterListHeight }), [filterRows.length, filterListHeight]);

  // After adding a jail or saving a filter, the cursor goes to it once the new config is read
  // (which may come before or after the answer: checked on every render until it is there).
  const selectAfterLoad = useRef<{ list: 'jails' | 'filters'; name: string } | null>(null);
  useEffect(() => {
    const wanted = selectAfterLoad.current;
    if (!wanted) return;
    const index = wanted.list === 'jails' ? jailRows.findIndex((j) => j.name === wanted.name) : filterRows.findIndex((f) => f.name === wanted.name && !f.shipped);
    if (index < 0) return;
    selectAfterLoad.current = null;
    dispatch({ type: 'select', list: wanted.list, index, height: wanted.list === 'jails' ? jailListHeight : filterListHeight });
  });

  if (!config) {
    return (
      <Box height={height}>
        <Text color={state.loadError ? tone('bad') : tone('muted')} wrap="truncate-end">
          {state.loadError ? `cannot read the configuration: ${state.loadError}` : 'reading the configuration…'}
        </Text>
      </Box>
    );
  }
  const afterChange = async (): Promise<void> => {
    // The config comes back by itself (the change sends a `config` event); the counts do not.
    await Promise.all([model.refreshConfig(), model.refreshStatus().catch(() => {})]);
    model.changed(true);
  };
  const props: JailsViewProps = { state, dispatch, config, height, width, filter, jailRows, filterRows, selectedJail, context, selectAfterLoad, afterChange };
  if (state.view === 'add' && state.form) return <JailAddView {...props} />;
  if (state.view === 'editor' && editor) return <FilterEditorMode {...props} />;
  if (state.view === 'filters') return <FiltersView {...props} />;
  return <JailsListView {...props} />;
}
