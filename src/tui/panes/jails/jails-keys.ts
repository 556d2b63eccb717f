import { NAVIGATION_KEYS, type NavigationCommand } from '../../components/navigation-keys.js';
import { bindingList, type KeyMap } from '../../keymap.js';

/** What the Jails pane does on its list. */
export type JailsCommand = NavigationCommand | 'toggle' | 'toggle-e' | 'add' | 'delete' | 'filters';

const JAILS_KEY_MAP: KeyMap<JailsCommand> = {
  ...NAVIGATION_KEYS,
  toggle: { key: 'space', description: 'on/off', edits: true },
  'toggle-e': { key: 'e', description: 'on/off', edits: true, helpOnly: true },
  add: { key: 'a', description: 'add jail', edits: true },
  delete: { key: 'D', description: 'delete jail', dangerous: true },
  filters: { key: 'f', description: 'filters' },
};

/** The jail list's keys, in hint-bar order. */
export const JAILS_KEYS = bindingList(JAILS_KEY_MAP);

/** While filling in the add-a-jail form (typed keys go to the fields). */
export const JAIL_FORM_KEYS = bindingList<'next' | 'previous' | 'pick' | 'pick-next' | 'submit' | 'cancel'>({
  next: { key: 'tab', description: 'next field' },
  previous: { key: 'S-tab', description: 'previous field', helpOnly: true },
  pick: { key: 'left', description: 'previous filter' },
  'pick-next': { key: 'right', description: 'next filter' },
  submit: { key: 'enter', description: 'add' },
  cancel: { key: 'esc', description: 'cancel' },
});

/** What the filter manager does on its list. */
export type FiltersCommand = NavigationCommand | 'new' | 'edit' | 'edit-enter' | 'back';

const FILTERS_KEY_MAP: KeyMap<FiltersCommand> = {
  ...NAVIGATION_KEYS,
  new: { key: 'n', description: 'new filter', edits: true },
  edit: { key: 'e', description: 'edit / test' },
  'edit-enter': { key: 'enter', description: 'edit / test', helpOnly: true },
  back: { key: 'esc', description: 'back to jails' },
};

/** The filter list's keys. */
export const FILTERS_KEYS = bindingList(FILTERS_KEY_MAP);

/** The filter editor between edits: nothing is typed, single keys act. */
export type EditorCommand = 'type' | 'type-enter' | 'samples' | 'source' | 'clear' | 'save' | 'up' | 'down' | 'back';

const EDITOR_KEY_MAP: KeyMap<EditorCommand> = {
  type: { key: 'i', description: 'edit text' },
  'type-enter': { key: 'enter', description: 'edit line', helpOnly: true },
  up: { key: 'up', description: 'previous line', helpOnly: true },
  down: { key: 'down', description: 'next line', helpOnly: true },
  samples: { key: 'p', description: 'paste lines' },
  source: { key: 't', description: 'test on log/lines' },
  clear: { key: 'x', description: 'clear lines', helpOnly: true },
  save: { key: 's', description: 'save', edits: true },
  back: { key: 'esc', description: 'back' },
};

/** The filter editor's keys when nothing is being typed. */
export const EDITOR_KEYS = bindingList(EDITOR_KEY_MAP);

/** While typing the filter text (one row at a time). */
export const EDITOR_TEXT_KEYS = bindingList<'previous' | 'next' | 'newline' | 'join' | 'samples' | 'done'>({
  previous: { key: 'up', description: 'line above', helpOnly: true },
  next: { key: 'down', description: 'line below', helpOnly: true },
  newline: { key: 'enter', description: 'new line' },
  join: { key: 'backspace', description: 'empty line: delete', helpOnly: true },
  samples: { key: 'tab', description: 'sample lines' },
  done: { key: 'esc', description: 'done (then s saves)' },
});

/** While typing or pasting sample log lines for the tester. */
export const EDITOR_SAMPLE_KEYS = bindingList<'add' | 'text' | 'done'>({
  add: { key: 'enter', description: 'add line (a paste adds every line)' },
  text: { key: 'tab', description: 'filter text' },
  done: { key: 'esc', description: 'done' },
});

/** While typing the name to save a filter under. */
export const EDITOR_NAME_KEYS = bindingList<'save' | 'cancel'>({
  save: { key: 'enter', description: 'save' },
  cancel: { key: 'esc', description: 'cancel' },
});
