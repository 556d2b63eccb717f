import { Box, Text } from 'ink';
import { useEffect, useMemo, useReducer, useRef } from 'react';
import { navigationDelta } from '../../components/navigation-keys.js';
import { useModel, useUiActions, useUiState } from '../../contexts.js';
import type { KeyBinding } from '../../keymap.js';
import { tone } from '../../theme.js';
import { usePaneKeys } from '../../use-pane-keys.js';
import type { PaneProps } from '../pane-props.js';
import { editorRows, FilterEditorView } from './filter-editor-view.js';
import { FILTER_LIST_CHROME_ROWS, FilterList } from './filter-list.js';
import { JailFormView } from './jail-form-view.js';
import { formRequest, type FormContext } from './jail-form.js';
import { LIST_CHROME_ROWS, JailList } from './jail-list.js';
import { EDITOR_KEYS, EDITOR_NAME_KEYS, EDITOR_SAMPLE_KEYS, EDITOR_TEXT_KEYS, FILTERS_KEYS, JAIL_FORM_KEYS, JAILS_KEYS, type EditorCommand, type FiltersCommand, type JailsCommand } from './jails-keys.js';
import { filterNames, INITIAL_JAILS_STATE, jailsReducer } from './jails-reducer.js';
import { useFilterActions } from './use-filter-actions.js';
import { useFilterTester } from './use-filter-tester.js';
import { useJailsConfig } from './use-jails-config.js';
import { setJailEnabled } from '../../model/engine-actions.js';

/**
 * Jails: every configured jail with its state, filter and counts, the selected one in detail;
 * switch jails on and off, add and delete run-time jails, and manage filters (list, edit, test
 * live against sample lines or a jail's log, save).
 */
export function JailsPane({ height, width }: PaneProps) {
  const model = useModel();
  const ui = useUiState();
  const actions = useUiActions();
  const [state, dispatch] = useReducer(jailsReducer, INITIAL_JAILS_STATE);
  useJailsConfig(model, dispatch);
  const config = state.config;
  const filter = ui.filters.jails.trim().toLowerCase();

  const allJails = config?.jails ?? [];
  const jailRows = filter ? allJails.filter((j) => j.name.toLowerCase().includes(filter) || j.filter.toLowerCase().includes(filter)) : allJails;
  const allFilters = config?.filters ?? [];
  const filterRows = filter ? allFilters.filter((f) => f.name.toLowerCase().includes(filter)) : allFilters;
  const statusByName = useMemo(() => new Map((model.status?.jails ?? []).map((j) => [j.name, j])), [model.status]);
  const names = useMemo(() => filterNames(config), [config]);
  const context: FormContext = { jailNames: allJails.map((j) => j.name), filterNames: names };
  const jailListHeight = Math.max(1, height - LIST_CHROME_ROWS);
  const filterListHeight = Math.max(1, height - FILTER_LIST_CHROME_ROWS);
  // Clamped here too: the cursor is put back inside a list that shrank one render later.
  const selectedJail = jailRows[Math.min(state.jails.cursor, jailRows.length - 1)];
  const selectedFilter = filterRows[Math.min(state.filters.cursor, filterRows.length - 1)];
  const editor = state.editor;
  const textRows = editorRows(height);
  const unsavedFilter = editor?.dirty ? `filter ${editor.name || '(unnamed)'}` : null;
  useEffect(() => actions.setUnsaved('jails', unsavedFilter), [unsavedFilter]);

  useEffect(() => dispatch({ type: 'clamp', list: 'jails', length: jailRows.length, height: jailListHeight }), [jailRows.length, jailListHeight]);
  useEffect(() => dispatch({ type: 'clamp', list: 'filters', length: filterRows.length, height: filterListHeight }), [filterRows.length, filterListHeight]);

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

  useFilterTester(model, editor, dispatch);
  const filterActions = useFilterActions({ model, actions, dispatch, config, selectAfterLoad });

  const afterChange = async (): Promise<void> => {
    // The config comes back by itself (the change sends a `config` event); the counts do not.
    await Promise.all([model.refreshConfig(), model.refreshStatus().catch(() => {})]);
    model.changed(true);
  };

  const submitForm = (): void => {
    const form = state.form;
    if (!form || form.busy) return;
    const checked = formRequest(form, context);
    if ('error' in checked) return dispatch({ type: 'form-refused', field: checked.field, error: checked.error });
    dispatch({ type: 'form-busy', busy: true });
    model.request(checked.request).then(
      (jail) => {
        selectAfterLoad.current = { list: 'jails', name: jail.name };
        dispatch({ type: 'view', view: 'list' });
        actions.say(`added jail ${jail.name}: filter ${jail.filter}, ${jail.logpath.length} log file${jail.logpath.length === 1 ? '' : 's'}, ${jail.enabled ? 'running' : 'off'}`);
        void afterChange();
      },
      (err: Error) => {
        // Nothing was written: the engine checks the jail (and its filter) before it keeps it.
        dispatch({ type: 'form-refused', error: err.message });
        actions.say(`jail not added: ${err.message}`, 'bad');
      },
    );
  };

  const onListCommand = (command: JailsCommand): void => {
    const step = navigationDelta(command, jailListHeight, jailRows.length);
    if (step !== null) return dispatch({ type: 'move', list: 'jails', step, length: jailRows.length, height: jailListHeight });
    if (command === 'add') return dispatch({ type: 'open-form' });
    if (command === 'filters') return dispatch({ type: 'view', view: 'filters' });
    if (!selectedJail) return;
    const name = selectedJail.name;
    if (command === 'toggle' || command === 'toggle-e') {
      const enabled = !selectedJail.enabled;
      void setJailEnabled(model, actions, name, enabled).then(afterChange);
    } else if (command === 'delete') {
      void actions.run(model.request({ command: 'jail-remove', name }), (r) => `deleted jail ${r.name} from the overlay file`).then(afterChange);
    }
  };

  const onFiltersCommand = (command: FiltersCommand): void => {
    const step = navigationDelta(command, filterListHeight, filterRows.length);
    if (step !== null) return dispatch({ type: 'move', list: 'filters', step, length: filterRows.length, height: filterListHeight });
    if (command === 'back') return dispatch({ type: 'view', view: 'list' });
    const testJail = selectedJail?.name ?? allJails[0]?.name ?? null;
    if (command === 'new') return filterActions.newFilter(testJail);
    if ((command === 'edit' || command === 'edit-enter') && selectedFilter) filterActions.editFilter(selectedFilter.name, testJail);
  };

  const onEditorCommand = (command: EditorCommand): void => {
    if (!editor) return;
    const go = (action: Parameters<typeof dispatch>[0]): void => dispatch(action);
    switch (command) {
      case 'type':
      case 'type-enter':
        return go({ type: 'editor', action: { type: 'focus', focus: 'text' } });
      case 'up':
      case 'down':
        return go({ type: 'editor', action: { type: 'line', step: command === 'up' ? -1 : 1, height: textRows } });
      case 'samples':
        return go({ type: 'editor', action: { type: 'focus', focus: 'samples' } });
      case 'source':
        if (!editor.testJail) actions.say('no jail to read a log from: paste sample lines (p)', 'warn');
        return go({ type: 'editor', action: { type: 'source' } });
      case 'clear':
        return go({ type: 'editor', action: { type: 'clear-samples' } });
      case 'save':
        return go({ type: 'editor', action: { type: 'focus', focus: 'name' } });
      case 'back':
        if (editor.dirty) actions.confirm(`Leave filter ${editor.name || '(unnamed)'} without saving the changes?`, () => dispatch({ type: 'view', view: 'filters' }));
        else dispatch({ type: 'view', view: 'filters' });
        return;
    }
  };

  const onCommand = (command: string): void => {
    if (state.view === 'list') onListCommand(command as JailsCommand);
    else if (state.view === 'filters') onFiltersCommand(command as FiltersCommand);
    else if (state.view === 'editor') onEditorCommand(command as EditorCommand);
  };

  const onFormText = (name: string): void => {
    if (name === 'esc') dispatch({ type: 'view', view: 'list' });
    else if (name === 'tab' || name === 'down') dispatch({ type: 'form-field', step: 1 });
    else if (name === 'S-tab' || name === 'up') dispatch({ type: 'form-field', step: -1 });
    else if ((name === 'left' || name === 'right') && state.form?.field === 'filter') dispatch({ type: 'form-pick', step: name === 'left' ? -1 : 1, context });
    else if (name === 'enter') submitForm();
  };

  const onEditorText = (name: string): void => {
    if (!editor) return;
    const go = (action: Parameters<typeof dispatch>[0]): void => dispatch(action);
    if (editor.focus === 'text') {
      if (name === 'esc') go({ type: 'editor', action: { type: 'focus', focus: 'command' } });
      else if (name === 'tab') go({ type: 'editor', action: { type: 'focus', focus: 'samples' } });
      else if (name === 'up' || name === 'down') go({ type: 'editor', action: { type: 'line', step: name === 'up' ? -1 : 1, height: textRows } });
      else if (name === 'enter') go({ type: 'editor', action: { type: 'new-line', height: textRows } });
      else if ((name === 'backspace' || name === 'delete') && editor.lines[editor.row] === '') go({ type: 'editor', action: { type: 'delete-empty-line', height: textRows } });
    } else if (editor.focus === 'samples') {
      if (name === 'esc') go({ type: 'editor', action: { type: 'focus', focus: 'command' } });
      else if (name === 'tab') go({ type: 'editor', action: { type: 'focus', focus: 'text' } });
      else if (name === 'enter' && editor.sampleDraft.trim()) go({ type: 'editor', action: { type: 'add-samples', lines: [editor.sampleDraft] } });
    } else if (editor.focus === 'name') {
      if (name === 'esc') go({ type: 'editor', action: { type: 'focus', focus: 'command' } });
      else if (name === 'enter') filterActions.save(editor);
    }
  };

  const editorKeys = !editor || editor.focus === 'command' ? EDITOR_KEYS : editor.focus === 'text' ? EDITOR_TEXT_KEYS : editor.focus === 'samples' ? EDITOR_SAMPLE_KEYS : EDITOR_NAME_KEYS;
  const keys: readonly KeyBinding[] = state.view === 'list' ? JAILS_KEYS : state.view === 'add' ? JAIL_FORM_KEYS : state.view === 'filters' ? FILTERS_KEYS : editorKeys;
  const capture = state.view === 'add' || (state.view === 'editor' && editor !== null && editor.focus !== 'command');
  usePaneKeys('jails', keys, onCommand, {
    capture,
    onText: (_input, name) => (state.view === 'add' ? onFormText(name) : onEditorText(name)),
    question: (command) =>
      command === 'delete' && selectedJail
        ? selectedJail.definedIn === 'overlay'
          ? `Delete jail ${selectedJail.name} (added here; its bans stay until they expire)?`
          : `Delete jail ${selectedJail.name}? It is in the config file: the engine will refuse (disable it instead)`
        : `${command}?`,
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
  if (state.view === 'add' && state.form) {
    return (
      <Box height={height} flexDirection="column">
        <JailFormView form={state.form} filterNames={names} settings={config.settings} width={width} onChange={(field, text) => dispatch({ type: 'form-edit', field, text, context })} />
      </Box>
    );
  }
  if (state.view === 'editor' && editor) {
    return (
      <FilterEditorView
        editor={editor}
        height={height}
        width={width}
        shippedNames={allFilters.filter((f) => f.shipped).map((f) => f.name)}
        onLine={(text) => dispatch({ type: 'editor', action: { type: 'edit-line', text } })}
        onSample={(text) =>
          dispatch({ type: 'editor', action: /[\r\n]/.test(text) ? { type: 'add-samples', lines: text.split(/\r\n|\r|\n/) } : { type: 'sample-draft', text } })
        }
        onName={(text) => dispatch({ type: 'editor', action: { type: 'name', text } })}
      />
    );
  }
  if (state.view === 'filters') {
    return (
      <Box height={height} flexDirection="column">
        <FilterList rows={filterRows} all={allFilters} jails={allJails} cursor={state.filters} listHeight={filterListHeight} width={width} filter={filter} />
      </Box>
    );
  }
  return (
    <Box height={height} flexDirection="column">
      <JailList rows={jailRows} total={allJails.length} statusByName={statusByName} config={config} cursor={state.jails} listHeight={jailListHeight} width={width} filter={filter} />
    </Box>
  );
}
