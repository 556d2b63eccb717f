import { NAVIGATION_KEYS, type NavigationCommand } from '../../components/navigation-keys.js';
import { bindingList, type KeyMap } from '../../keymap.js';

/** What the Logs pane does. */
export type LogsCommand = NavigationCommand | 'why' | 'follow' | 'level' | 'jail';

const LOGS_KEY_MAP: KeyMap<LogsCommand> = {
  ...NAVIGATION_KEYS,
  why: { key: 'enter', description: 'why (on a ban)' },
  follow: { key: 'f', description: 'follow/pause' },
  level: { key: 'l', description: 'level' },
  jail: { key: 'J', description: 'jail' },
};

export const LOGS_KEYS = bindingList(LOGS_KEY_MAP);

export const WHY_KEYS = bindingList<'back'>({ back: { key: 'esc', description: 'back to the log' } });
