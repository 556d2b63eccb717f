import type { Settings } from '../../../config/index.js';
import { pruneDrafts, type SettingsDrafts } from './settings-draft.js';
import { clampCursor } from '../../components/list-cursor.js';
import { FIELD_LINES, FORM_LINES, nextChoice, SETTINGS_FIELDS, type SettingsField } from './settings-fields.js';

/** The settings in force, as the `config` command reports them, and where saving goes. */
export interface LoadedSettings {
  settings: Settings;
  overlayPath: string;
}

/** The Settings pane's own state: the form over the settings in force. */
export interface SettingsState {
  loaded: LoadedSettings | null;
  /** Why the settings could not be read. */
  loadError: string | null;
  /** The selected field (index into SETTINGS_FIELDS). */
  cursor: number;
  /** The form's first line on screen, when it is taller than the pane. */
  top: number;
  drafts: SettingsDrafts;
  /** The selected text field while it is typed into; `before` is its draft when editing began. */
  editing: { text: string; before: string | undefined } | null;
  /** A `settings` request is on its way. */
  saving: boolean;
}

/** What changes the Settings pane's state: the settings read, the cursor, the form and saving. */
export type SettingsAction =
  | { type: 'loaded'; settings: Settings; overlayPath?: string }
  | { type: 'load-failed'; message: string }
  /** `rows`: how many lines of the form the pane shows. */
  | { type: 'move'; step: number; rows: number }
  | { type: 'edit-start' }
  | { type: 'edit-text'; text: string }
  | { type: 'edit-keep' }
  | { type: 'edit-cancel' }
  | { type: 'toggle' }
  | { type: 'revert' }
  | { type: 'discard' }
  | { type: 'saving'; saving: boolean }
  | { type: 'saved'; settings: Settings };

export const INITIAL_SETTINGS_STATE: SettingsState = { loaded: null, loadError: null, cursor: 0, top: 0, drafts: {}, editing: null, saving: false };

/** The selected field. */
export function selectedField(state: SettingsState): SettingsField {
  return SETTINGS_FIELDS[state.cursor]!;
}

/**
 * The form's first line on screen for `rows` lines: scrolled just enough that the selected field,
 * and the title of a group it opens, are in view.
 */
export function formTop(cursor: number, top: number, rows: number): number {
  const line = FIELD_LINES[cursor]!;
  const shown = clampCursor({ cursor: line, top }, FORM_LINES, rows).top;
  return SETTINGS_FIELDS[cursor]!.group && line - 1 < shown ? line - 1 : shown;
}

/** The text a field shows: its draft, else the value in force. */
function currentText(state: SettingsState, field: SettingsField): string {
  return state.drafts[field.id] ?? (state.loaded ? field.read(state.loaded.settings) : '');
}

/** Sets (or, with undefined, drops) the draft of the selected field, keeping only real changes. */
function withDraft(state: SettingsState, text: string | undefined): SettingsState {
  const field = selectedField(state);
  const drafts = { ...state.drafts };
  if (text === undefined) delete drafts[field.id];
  else drafts[field.id] = text;
  return { ...state, drafts: state.loaded ? pruneDrafts(state.loaded.settings, drafts) : drafts };
}

export function settingsReducer(state: SettingsState, action: SettingsAction): SettingsState {
  switch (action.type) {
    case 'loaded':
      return {
        ...state,
        loadError: null,
        loaded: { settings: action.settings, overlayPath: action.overlayPath ?? state.loaded?.overlayPath ?? '' },
      };
    case 'load-failed':
      return { ...state, loadError: action.message };
    case 'move': {
      const cursor = Math.min(SETTINGS_FIELDS.length - 1, Math.max(0, state.cursor + action.step));
      const top = formTop(cursor, state.top, action.rows);
      return cursor === state.cursor && top === state.top ? state : { ...state, cursor, top };
    }
    case 'edit-start': {
      const field = selectedField(state);
      if (!state.loaded) return state;
      if (field.kind !== 'text') return settingsReducer(state, { type: 'toggle' });
      return { ...state, editing: { text: currentText(state, field), before: state.drafts[field.id] } };
    }
    case 'edit-text':
      return state.editing ? { ...state, editing: { ...state.editing, text: action.text } } : state;
    case 'edit-keep':
      // Kept even when not valid: the row shows what is wrong, and saving refuses until it is fixed.
      return state.editing ? { ...withDraft(state, state.editing.text), editing: null } : state;
    case 'edit-cancel':
      return state.editing ? { ...withDraft(state, state.editing.before), editing: null } : state;
    case 'toggle': {
      const field = selectedField(state);
      if (!state.loaded || field.kind === 'text') return state;
      return withDraft(state, nextChoice(field, currentText(state, field)));
    }
    case 'revert':
      return state.editing ? state : withDraft(state, undefined);
    case 'discard':
      return { ...state, drafts: {}, editing: null };
    case 'saving':
      return { ...state, saving: action.saving };
    case 'saved':
      return { ...state, saving: false, drafts: {}, editing: null, loaded: { settings: action.settings, overlayPath: state.loaded?.overlayPath ?? '' } };
  }
}
