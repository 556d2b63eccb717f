import type { KeyMap } from '../keymap.js';

/** The list movement commands every list pane binds. */
export type NavigationCommand = 'up' | 'down' | 'page-up' | 'page-down' | 'first' | 'last';

/** Their keys, to spread into a pane's key map. */
export const NAVIGATION_KEYS: KeyMap<NavigationCommand> = {
  up: { key: ['up', 'k'], description: 'previous', helpOnly: true },
  down: { key: ['down', 'j'], description: 'next', helpOnly: true },
  'page-up': { key: 'pgup', description: 'page up', helpOnly: true },
  'page-down': { key: 'pgdn', description: 'page down', helpOnly: true },
  first: { key: 'home', description: 'first', helpOnly: true },
  last: { key: 'end', description: 'last', helpOnly: true },
};

/** The row step of a navigation command, or null for any other command. */
export function navigationDelta(command: string, height: number, length: number): number | null {
  switch (command) {
    case 'up':
      return -1;
    case 'down':
      return 1;
    case 'page-up':
      return -Math.max(1, height - 1);
    case 'page-down':
      return Math.max(1, height - 1);
    case 'first':
      return -length;
    case 'last':
      return length;
    default:
      return null;
  }
}
