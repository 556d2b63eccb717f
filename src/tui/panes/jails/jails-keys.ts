import { NAVIGATION_KEYS, type NavigationCommand } from '../../components/navigation-keys.js';
import { bindingList, type KeyMap } from '../../keymap.js';

/** What the Jails pane does on its list. */
export type JailsCommand = NavigationCommand | 'toggle' | 'add' | 'delete' | 'filters';

const JAILS_KEY_MAP: KeyMap<JailsCommand> = {
  ...NAVIGATION_KEYS,
  toggle: { key: ['space', 'e'], description: 'on/off', edits: true },
  add: { key: 'a', description: 'add jail', edits: true },
  delete: { key: 'D', description: 'delete jail', dangerous: true },
  filters: { key: 'f', description: 'filters' },
};

/** The jail list's keys, in hint-bar order. */
export const JAILS_KEYS = bindingList(JAILS_KEY_MAP);

/** What the add-a-jail form does (other keys type into the focused field). */
export type JailFormCommand = 'next' | 'previous' | 'pick-previous' | 'pick-next' | 'submit' | 'cancel';

export const JAIL_FORM_KEYS = bindingList<JailFormCommand>({
  next: { key: ['tab', 'down'], description: 'next field' },
  previous: { key: ['S-tab', 'up'], description: 'previous field', helpOnly: true },
  'pick-previous': { key: 'left', description: 'previous filter' },
  'pick-next': { key: 'right', description: 'next filter' },
  submit: { key: 'enter', description: 'add' },
  cancel: { key: 'esc', description: 'cancel' },
});

/** What the filter manager does on its list. */
export type FiltersCommand = NavigationCommand | 'new' | 'edit' | 'back';

const FILTERS_KEY_MAP: KeyMap<FiltersCommand> = {
  ...NAVIGATION_KEYS,
  new: { key: 'n', description: 'new filter', edits: true },
  edit: { key: ['e', 'enter'], description: 'edit / test' },
  back: { key: 'esc', description: 'back to jails' },
};

/** The filter list's keys. */
export const FILTERS_KEYS = bindingList(FILTERS_KEY_MAP);

/** The filter editor between edits: nothing is typed, single keys act. */
export type EditorCommand = 'type' | 'samples' | 'source' | 'clear' | 'save' | 'up' | 'down' | 'back';

const EDITOR_KEY_MAP: KeyMap<EditorCommand> = {
  type: { key: ['i', 'enter'], description: 'edit text' },
  up: { key: ['up', 'k'], description: 'previous line', helpOnly: true },
  down: { key: ['down', 'j'], description: 'next line', helpOnly: true },
  samples: { key: 'p', description: 'paste lines' },
  source: { key: 't', description: 'test on log/lines' },
  clear: { key: 'x', description: 'clear lines', helpOnly: true },
  save: { key: 's', description: 'save', edits: true },
  back: { key: 'esc', description: 'back' },
};

/** The filter editor's keys when nothing is being typed. */
export const EDITOR_KEYS = bindingList(EDITOR_KEY_MAP);

/** While typing the filter text, one row at a time (other keys type). */
export type EditorTextCommand = 'previous' | 'next' | 'newline' | 'join' | 'to-samples' | 'done';

export const EDITOR_TEXT_KEYS = bindingList<EditorTextCommand>({
  previous: { key: 'up', description: 'line above', helpOnly: true },
  next: { key: 'down', description: 'line below', helpOnly: true },
  newline: { key: 'enter', description: 'new line' },
  join: { key: ['backspace', 'delete'], label: 'Bksp', description: 'on an empty line: delete it', helpOnly: true },
  'to-samples': { key: 'tab', description: 'sample lines' },
  done: { key: 'esc', description: 'done (then s saves)' },
});

/** While typing or pasting sample log lines for the tester (other keys type). */
export type EditorSampleCommand = 'add' | 'to-text' | 'done';

export const EDITOR_SAMPLE_KEYS = bindingList<EditorSampleCommand>({
  add: { key: 'enter', description: 'add line (a paste adds every line)' },
  'to-text': { key: 'tab', description: 'filter text' },
  done: { key: 'esc', description: 'done' },
});

/** While typing the name to save a filter under (other keys type). */
export type EditorNameCommand = 'save-as' | 'cancel';

export const EDITOR_NAME_KEYS = bindingList<EditorNameCommand>({
  'save-as': { key: 'enter', description: 'save' },
  cancel: { key: 'esc', description: 'cancel' },
});
