import { NAVIGATION_KEYS, type NavigationCommand } from '../../components/navigation-keys.js';
import { bindingList, type KeyMap } from '../../keymap.js';

/** What the Blocklists pane does. */
export type BlocklistsCommand = NavigationCommand | 'update' | 'refresh';

const BLOCKLISTS_KEY_MAP: KeyMap<BlocklistsCommand> = {
  ...NAVIGATION_KEYS,
  update: { key: 'u', description: 'download now', edits: true },
  refresh: { key: 'r', description: 'refresh' },
};

export const BLOCKLISTS_KEYS = bindingList(BLOCKLISTS_KEY_MAP);
