import { NAVIGATION_KEYS, type NavigationCommand } from '../../components/navigation-keys.js';
import { bindingList, type KeyBinding, type KeyMap } from '../../keymap.js';

/** What the Firewall pane does (the shell owns digits, Tab, `/`, `:`, `?`, `q`). */
export type FirewallCommand =
  | NavigationCommand
  | 'edit'
  | 'diff'
  | 'apply'
  | 'force'
  | 'add'
  | 'change'
  | 'delete'
  | 'raise'
  | 'lower'
  | 'policy'
  | 'save'
  | 'leave'
  | 'close-diff';

/** Viewing the live rules. */
const VIEW_KEY_MAP: KeyMap<NavigationCommand | 'edit' | 'diff' | 'apply'> = {
  ...NAVIGATION_KEYS,
  edit: { key: 'e', description: 'edit', edits: true },
  diff: { key: 'd', description: 'diff' },
  apply: { key: 'a', description: 'apply', dangerous: true },
};

/** Editing the draft. */
const EDIT_KEY_MAP: KeyMap<NavigationCommand | 'add' | 'change' | 'delete' | 'raise' | 'lower' | 'policy' | 'diff' | 'save' | 'apply' | 'leave'> = {
  ...NAVIGATION_KEYS,
  add: { key: 'a', description: 'add', edits: true },
  change: { key: 'enter', description: 'edit', edits: true },
  delete: { key: 'x', description: 'delete', edits: true },
  raise: { key: 'K', description: 'move up', edits: true },
  lower: { key: 'J', description: 'move down', edits: true },
  policy: { key: 'p', description: 'policy', edits: true },
  diff: { key: 'd', description: 'diff', helpOnly: true },
  save: { key: 'w', description: 'save', edits: true },
  apply: { key: 'A', description: 'save+apply', dangerous: true },
  leave: { key: 'esc', description: 'leave edit mode' },
};

/** While the lock-out warnings of a refused apply show. */
const WARNING_KEY_MAP: KeyMap<'force'> = {
  force: { key: 'F', description: 'apply anyway', dangerous: true },
};

/** Reading the diff. */
const DIFF_KEY_MAP: KeyMap<NavigationCommand | 'close-diff'> = {
  ...NAVIGATION_KEYS,
  'close-diff': { key: 'esc', description: 'back' },
};

const VIEW_KEYS = bindingList(VIEW_KEY_MAP);
const EDIT_KEYS = bindingList(EDIT_KEY_MAP);
const WARNING_KEYS = bindingList(WARNING_KEY_MAP);
const DIFF_KEYS = bindingList(DIFF_KEY_MAP);

/** What the rule form does (other keys type into the focused field). */
export type RuleFormCommand = 'next-field' | 'previous-field' | 'choose-next' | 'choose-previous' | 'submit' | 'cancel';

const RULE_FIELD_KEY_MAP: KeyMap<'next-field' | 'previous-field' | 'submit' | 'cancel'> = {
  'next-field': { key: ['tab', 'down'], description: 'next field' },
  'previous-field': { key: ['S-tab', 'up'], description: 'previous field', helpOnly: true },
  submit: { key: 'enter', description: 'keep rule' },
  cancel: { key: 'esc', description: 'cancel' },
};

/** The rule form's keys on a text field. */
export const RULE_FORM_KEYS = bindingList(RULE_FIELD_KEY_MAP);

/** The rule form's keys on a choice field (a letter picks the choice it starts). */
export const RULE_CHOICE_KEYS = bindingList<RuleFormCommand>({
  ...RULE_FIELD_KEY_MAP,
  'choose-next': { key: ['space', 'right'], description: 'next choice' },
  'choose-previous': { key: 'left', description: 'previous choice', helpOnly: true },
});

const cache = new Map<string, readonly KeyBinding<FirewallCommand>[]>();

/** The pane's key table for its mode: the same list object for the same mode (the shell compares them). */
export function firewallKeys(mode: { edit: boolean; diff: boolean; warnings: boolean }): readonly KeyBinding<FirewallCommand>[] {
  const id = `${mode.edit}${mode.diff}${mode.warnings}`;
  let keys = cache.get(id);
  if (!keys) {
    const base: KeyBinding<FirewallCommand>[] = mode.diff ? DIFF_KEYS : mode.edit ? EDIT_KEYS : VIEW_KEYS;
    // What waits for an answer comes first, so the hint bar never cuts it off.
    keys = [...(mode.warnings && !mode.diff ? WARNING_KEYS : []), ...base];
    cache.set(id, keys);
  }
  return keys;
}
