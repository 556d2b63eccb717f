import { bindingList, type KeyMap } from '../../keymap.js';

/** What the Settings pane does. */
export type SettingsCommand = 'up' | 'down' | 'edit' | 'toggle' | 'save' | 'discard' | 'revert';

const SETTINGS_KEY_MAP: KeyMap<SettingsCommand> = {
  up: { key: ['up', 'k'], description: 'previous field', helpOnly: true },
  down: { key: ['down', 'j'], description: 'next field', helpOnly: true },
  edit: { key: ['enter', 'e'], description: 'edit', edits: true },
  toggle: { key: 'space', description: 'toggle', edits: true },
  save: { key: 'w', description: 'save', edits: true },
  discard: { key: 'x', description: 'discard edits', edits: true },
  revert: { key: 'r', description: 'revert field', edits: true },
};

/** The form's keys, in hint-bar order. */
export const SETTINGS_KEYS = bindingList(SETTINGS_KEY_MAP);

/** The same keys when saving (valid edits) would turn intrusion detection off: `w` asks first. */
export const SETTINGS_KEYS_DETECTION_OFF = bindingList<SettingsCommand>({
  ...SETTINGS_KEY_MAP,
  save: { key: 'w', description: 'save (turns detection OFF)', dangerous: true },
});

/** While a field is typed into (other keys type into it). */
export const SETTINGS_EDIT_KEYS = bindingList<'keep' | 'cancel' | 'keep-next' | 'keep-previous'>({
  keep: { key: 'enter', description: 'keep' },
  cancel: { key: 'esc', description: 'leave unchanged' },
  'keep-next': { key: 'down', description: 'keep, next field' },
  'keep-previous': { key: 'up', description: 'keep, previous field', helpOnly: true },
});
