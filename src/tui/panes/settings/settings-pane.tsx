import { Box, Text } from 'ink';
import { useEffect, useReducer } from 'react';
import type { CommandInput } from '../../../control/protocol.js';
import { useModel, useUiActions, useUiState } from '../../contexts.js';
import { tone } from '../../theme.js';
import { usePaneKeys } from '../../use-pane-keys.js';
import type { PaneProps } from '../pane-props.js';
import { buildPatch, turnsDetectionOff, viewFields } from './settings-draft.js';
import { FORM_LINES } from './settings-fields.js';
import { SETTINGS_EDIT_KEYS, SETTINGS_KEYS, SETTINGS_KEYS_DETECTION_OFF, type SettingsCommand } from './settings-keys.js';
import { formTop, INITIAL_SETTINGS_STATE, selectedField, settingsReducer } from './settings-reducer.js';
import { settingsColumns, SettingsRow, SettingsTitles } from './settings-row.js';

type SettingsPatch = CommandInput<'settings'>['patch'];

// Lines of the pane besides the form: the title, the edit summary, the column titles, a blank line.
const CHROME_LINES = 4;
/** Lines kept for the selected field's hint or problem. */
const HINT_LINES = 2;

/** How many lines of the form a pane `height` lines tall shows. */
function formRows(height: number): number {
  return Math.max(1, Math.min(FORM_LINES, height - CHROME_LINES - HINT_LINES));
}

// Short enough for "(y/N)" to fit in 80 columns.
const DETECTION_OFF_QUESTION = 'Turn detection OFF? Bans leave the firewall, stay stored';

/**
 * Global settings (`[settings]`, its escalation, the ban prefixes and `[settings.subnets]`),
 * edited as a form: the value in force next to the edited one, checked as it is typed, and saved
 * in one `settings` patch to the overlay file. A form taller than the pane scrolls with the cursor.
 */
export function SettingsPane({ height, width }: PaneProps) {
  const model = useModel();
  const ui = useUiState();
  const actions = useUiActions();
  const [state, dispatch] = useReducer(settingsReducer, INITIAL_SETTINGS_STATE);
  const settings = state.loaded?.settings;

  // The model's copy of the configuration, read again whenever it changes (here or elsewhere).
  useEffect(() => {
    if (model.config) dispatch({ type: 'loaded', settings: model.config.settings, overlayPath: model.config.overlayPath });
  }, [model.config]);
  useEffect(() => {
    if (model.configError) dispatch({ type: 'load-failed', message: model.configError });
  }, [model.configError]);
  const edited = settings ? viewFields(settings, state.drafts).some((v) => v.changed) : false;
  useEffect(() => actions.setUnsaved('settings', edited ? 'settings' : null), [edited]);

  const rows = formRows(height);
  const move = (step: number) => dispatch({ type: 'move', step, rows });

  const save = async (): Promise<void> => {
    if (!settings || !state.loaded) return;
    const result = buildPatch(settings, state.drafts);
    if (!result.ok) {
      actions.say(`nothing saved: ${result.problems.map((p) => p.message).join('; ')}`, 'bad');
      return;
    }
    if (result.fields.length === 0) {
      actions.say('no changes to save', 'muted');
      return;
    }
    const where = state.loaded.overlayPath;
    dispatch({ type: 'saving', saving: true });
    const saved = await actions.run(model.request({ command: 'settings', patch: result.patch as SettingsPatch }), () => `saved ${result.fields.join(', ')} to ${where}`);
    if (!saved) {
      // The engine refused the whole config (its message is shown): the edits stay to be fixed.
      dispatch({ type: 'saving', saving: false });
      return;
    }
    dispatch({ type: 'saved', settings: saved });
    // The header's "detect on/OFF" and counts come from `status`.
    await Promise.all([model.refreshConfig(), model.refreshStatus().catch(() => {})]);
    model.changed(true);
  };

  const onCommand = (command: SettingsCommand | 'keep' | 'cancel' | 'keep-next' | 'keep-previous'): void => {
    if (state.saving) return;
    switch (command) {
      case 'keep':
        return dispatch({ type: 'edit-keep' });
      case 'cancel':
        return dispatch({ type: 'edit-cancel' });
      case 'keep-next':
      case 'keep-previous':
        dispatch({ type: 'edit-keep' });
        return move(command === 'keep-previous' ? -1 : 1);
      case 'up':
      case 'down':
        return move(command === 'up' ? -1 : 1);
      case 'edit':
        return dispatch({ type: 'edit-start' });
      case 'toggle':
        if (selectedField(state).kind === 'text') actions.say(`Enter edits ${selectedField(state).label.trim()}; space toggles on/off fields`, 'muted');
        return dispatch({ type: 'toggle' });
      case 'revert':
        return dispatch({ type: 'revert' });
      case 'discard':
        if (Object.keys(state.drafts).length === 0) return actions.say('no edits to discard', 'muted');
        dispatch({ type: 'discard' });
        return actions.say('edits discarded', 'muted');
      case 'save':
        void save();
        return;
    }
  };

  // Edits that cannot be saved are refused by `w` without asking anything first.
  const detectionOff = settings !== undefined && turnsDetectionOff(settings, state.drafts) && buildPatch(settings, state.drafts).ok;
  const keys = state.editing ? SETTINGS_EDIT_KEYS : detectionOff ? SETTINGS_KEYS_DETECTION_OFF : SETTINGS_KEYS;
  usePaneKeys('settings', keys as typeof SETTINGS_KEYS, onCommand, {
    capture: state.editing !== null,
    question: (command) => (command === 'save' ? DETECTION_OFF_QUESTION : `${command}?`),
  });

  if (!settings || !state.loaded) {
    return (
      <Box flexDirection="column" height={height}>
        <Text color={state.loadError ? tone('bad') : tone('muted')} wrap="truncate-end">
          {state.loadError ? `cannot read the settings: ${state.loadError}` : 'reading the settings…'}
        </Text>
      </Box>
    );
  }

  const views = viewFields(settings, state.drafts);
  const changed = views.filter((v) => v.changed).length;
  const columns = settingsColumns(width);
  const selected = selectedField(state);
  // While typing, the message follows the text as it is now, not the kept draft.
  const live = state.editing ? viewFields(settings, { ...state.drafts, [selected.id]: state.editing.text })[state.cursor]! : views[state.cursor]!;
  const problem = live.parsed && !live.parsed.ok ? live.parsed.message : null;
  // The form's lines (group titles and fields); a window of them when the pane is short.
  const lines = views.flatMap((view, i) => {
    const row = (
      <SettingsRow
        key={view.field.id}
        view={view}
        columns={columns}
        selected={i === state.cursor}
        editing={i === state.cursor && state.editing ? state.editing.text : null}
        onChange={(text) => dispatch({ type: 'edit-text', text })}
      />
    );
    return view.field.group ? [<Text key={`${view.field.id}-group`} color={tone('muted')}>{`  ${view.field.group}`}</Text>, row] : [row];
  });
  const top = formTop(state.cursor, state.top, rows);
  const more = { above: top, below: Math.max(0, lines.length - top - rows) };
  return (
    <Box flexDirection="column" height={height}>
      <Text color={tone('muted')} wrap="truncate-end">
        Global settings · saved to {state.loaded.overlayPath}
      </Text>
      <Text color={changed ? tone('draft') : tone('muted')} wrap="truncate-end">
        {ui.readOnly
          ? 'read-only: the settings are shown, not changed'
          : state.saving
            ? 'saving…'
            : changed
              ? `${changed} ${changed === 1 ? 'field' : 'fields'} edited, not saved (*): w saves them all, x discards`
              : 'no edits: Enter edits a field, space toggles on/off'}
      </Text>
      <SettingsTitles columns={columns} more={more} />
      {lines.slice(top, top + rows)}
      <Text> </Text>
      <Box height={Math.max(HINT_LINES, height - CHROME_LINES - rows)} overflowY="hidden">
        <Text color={problem ? tone('bad') : state.editing ? tone('good') : tone('muted')} wrap="wrap">
          {problem ?? (state.editing && live.changed ? `valid · ${selected.hint}` : selected.hint)}
        </Text>
      </Box>
    </Box>
  );
}
