import { bindingList, type KeyMap } from '../keymap.js';

/** The shell's own commands, available from every pane. */
export type GlobalCommand = 'pane-by-number' | 'next-pane' | 'previous-pane' | 'filter' | 'command' | 'help' | 'back' | 'quit';

const GLOBAL_KEY_MAP: KeyMap<GlobalCommand> = {
  'pane-by-number': { key: '1-7', description: 'go to pane' },
  'next-pane': { key: 'tab', description: 'next pane', helpOnly: true },
  'previous-pane': { key: 'S-tab', description: 'previous pane', helpOnly: true },
  filter: { key: '/', description: 'filter' },
  command: { key: ':', description: 'command' },
  help: { key: '?', description: 'help' },
  back: { key: 'esc', description: 'clear filter / back', helpOnly: true },
  quit: { key: 'q', description: 'quit' },
};

/** The shell's key table (rendered in the hint bar after the pane's keys, and in the help). */
export const GLOBAL_KEYS = bindingList(GLOBAL_KEY_MAP);
