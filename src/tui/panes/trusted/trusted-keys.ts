import { NAVIGATION_KEYS, type NavigationCommand } from '../../components/navigation-keys.js';
import { bindingList, type KeyMap } from '../../keymap.js';

/** What the Trusted pane does. */
export type TrustedCommand = NavigationCommand | 'add' | 'remove';

const TRUSTED_KEY_MAP: KeyMap<TrustedCommand> = {
  ...NAVIGATION_KEYS,
  add: { key: 'a', description: 'add', edits: true },
  remove: { key: 'd', description: 'remove', edits: true },
};

export const TRUSTED_KEYS = bindingList(TRUSTED_KEY_MAP);

/** While typing a range to trust. */
export const TRUST_FORM_KEYS = bindingList<'next' | 'submit' | 'cancel'>({
  next: { key: ['tab', 'S-tab', 'down', 'up'], label: 'Tab', description: 'range / note' },
  submit: { key: 'enter', description: 'add' },
  cancel: { key: 'esc', description: 'cancel' },
});
