import type { ConfigResult, FilterChoice } from '../../../control/protocol-results.js';
import { clampCursor, moveCursor, type ListCursor } from '../../components/list-cursor.js';
import { editorReducer, openEditor, type EditorAction, type FilterEditor } from './filter-editor.js';
import { checkField, editField, newJailForm, nextField, stepPick, type FormContext, type FormField, type JailForm } from './jail-form.js';

/** Which view of the pane is showing: the jails, the add form, the filters, or a filter's editor. */
export type JailsView = 'list' | 'add' | 'filters' | 'editor';

/** The Jails pane's own state, with the configuration it last read. */
export interface JailsState {
  view: JailsView;
  config: ConfigResult | null;
  /** Why the configuration could not be read, if it could not. */
  loadError: string | null;
  jails: ListCursor;
  filters: ListCursor;
  form: JailForm | null;
  /** The filters the add form offers (`filter-list`), read each time it opens; null until then. */
  filterChoices: FilterChoice[] | null;
  editor: FilterEditor | null;
}

/** Which list a cursor action moves. */
type ListName = 'jails' | 'filters';

/** What the pane's reducer does: configuration reads, cursor moves, views, the add form, the editor. */
export type JailsAction =
  | { type: 'loaded'; config: ConfigResult }
  | { type: 'load-failed'; error: string }
  | { type: 'move'; list: ListName; step: number; length: number; height: number }
  | { type: 'clamp'; list: ListName; length: number; height: number }
  | { type: 'select'; list: ListName; index: number; height: number }
  | { type: 'view'; view: JailsView }
  | { type: 'open-form' }
  | { type: 'filter-choices'; filters: FilterChoice[] }
  | { type: 'form-edit'; field: FormField; text: string; context: FormContext }
  | { type: 'form-field'; step: number }
  | { type: 'form-pick'; step: number; context: FormContext }
  | { type: 'form-busy'; busy: boolean }
  | { type: 'form-refused'; field?: FormField; error: string }
  | { type: 'open-editor'; editor: FilterEditor }
  | { type: 'editor'; action: EditorAction };

export const INITIAL_JAILS_STATE: JailsState = {
  view: 'list',
  config: null,
  loadError: null,
  jails: { cursor: 0, top: 0 },
  filters: { cursor: 0, top: 0 },
  form: null,
  filterChoices: null,
  editor: null,
};

export function jailsReducer(state: JailsState, action: JailsAction): JailsState {
  switch (action.type) {
    case 'loaded':
      return { ...state, config: action.config, loadError: null };
    case 'load-failed':
      return { ...state, loadError: action.error };
    case 'move':
      return { ...state, [action.list]: moveCursor(state[action.list], action.step, action.length, action.height) };
    case 'clamp': {
      const next = clampCursor(state[action.list], action.length, action.height);
      return next === state[action.list] ? state : { ...state, [action.list]: next };
    }
    case 'select':
      return { ...state, [action.list]: clampCursor({ cursor: action.index, top: state[action.list].top }, action.index + 1, action.height) };
    case 'view':
      return {
        ...state,
        view: action.view,
        form: action.view === 'add' ? state.form : null,
        editor: action.view === 'editor' ? state.editor : null,
      };
    case 'open-form':
      return { ...state, view: 'add', form: newJailForm(), filterChoices: null };
    case 'filter-choices': {
      // What was typed before the list came is checked against it now.
      const form = state.form ? recheckFilter(state.form, action.filters) : null;
      return { ...state, filterChoices: action.filters, form };
    }
    case 'form-edit':
      return state.form ? { ...state, form: editField(state.form, action.field, action.text, action.context) } : state;
    case 'form-field':
      return state.form ? { ...state, form: { ...state.form, field: nextField(state.form.field, action.step) } } : state;
    case 'form-pick':
      return state.form ? { ...state, form: stepPick(state.form, action.step, action.context) } : state;
    case 'form-busy':
      return state.form ? { ...state, form: { ...state.form, busy: action.busy } } : state;
    case 'form-refused': {
      if (!state.form) return state;
      const errors = action.field ? { ...state.form.errors, [action.field]: action.error } : state.form.errors;
      return { ...state, form: { ...state.form, busy: false, errors, refusal: action.error, field: action.field ?? state.form.field } };
    }
    case 'open-editor':
      return { ...state, view: 'editor', editor: action.editor };
    case 'editor':
      return state.editor ? { ...state, editor: editorReducer(state.editor, action.action) } : state;
  }
}

function recheckFilter(form: JailForm, filters: FilterChoice[]): JailForm {
  const error = checkField('filter', form.values.filter, { jailNames: [], filters });
  const errors = { ...form.errors };
  if (error) errors.filter = error;
  else delete errors.filter;
  return { ...form, errors };
}

/** Opens the editor on a loaded filter (a helper so the pane stays declarative). */
export function editorFor(name: string, origin: FilterEditor['origin'], text: string, testJail: string | null): JailsAction {
  return { type: 'open-editor', editor: openEditor({ name, origin, text, testJail }) };
}
