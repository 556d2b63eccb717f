import { NAVIGATION_KEYS, type NavigationCommand } from '../../components/navigation-keys.js';
import { bindingList, type KeyMap } from '../../keymap.js';

/** What the Banned pane does. */
export type BansCommand = NavigationCommand | 'details' | 'sort' | 'reverse' | 'unban' | 'trust' | 'ban' | 'unban-all';

const BANS_KEY_MAP: KeyMap<BansCommand> = {
  ...NAVIGATION_KEYS,
  details: { key: 'enter', description: 'why' },
  unban: { key: 'u', description: 'unban', edits: true },
  trust: { key: 't', description: 'move to trusted', edits: true },
  ban: { key: 'b', description: 'ban by hand', edits: true },
  sort: { key: 's', description: 'sort' },
  reverse: { key: 'r', description: 'reverse' },
  'unban-all': { key: 'U', description: 'unban all', dangerous: true },
};

/** The Banned pane's keys, in hint-bar order. */
export const BANS_KEYS = bindingList(BANS_KEY_MAP);

/** While typing an address to ban (other keys type). */
export const BAN_FORM_KEYS = bindingList<'submit' | 'cancel'>({
  submit: { key: 'enter', description: 'ban' },
  cancel: { key: 'esc', description: 'cancel' },
});

/** While reading why an address was banned. */
export const DETAIL_KEYS = bindingList<'back' | 'unban'>({
  back: { key: 'esc', description: 'back to the list' },
  unban: { key: 'u', description: 'unban', edits: true },
});
