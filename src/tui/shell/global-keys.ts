import { bindingList, type KeyMap } from '../keymap.js';
import { PANE_IDS } from '../contexts.js';

/** The shell's own commands, available from every pane. */
export type GlobalCommand =
  | 'pane-by-number'
  | 'next-pane'
  | 'previous-pane'
  | 'filter'
  | 'command'
  | 'help'
  | 'back'
  | 'quit'
  | 'confirm-apply'
  | 'rollback-apply';

const GLOBAL_KEY_MAP: KeyMap<GlobalCommand> = {
  // While a firewall apply waits: keys no pane uses, so they mean the same everywhere.
  'confirm-apply': { key: 'C', description: 'confirm the applied rules', edits: true },
  'rollback-apply': { key: 'R', description: 'roll them back now', edits: true },
  'pane-by-number': { key: PANE_IDS.map((_, i) => String(i + 1)), label: `1-${PANE_IDS.length}`, description: 'go to pane' },
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

/** The commands that act on a pending firewall apply (shown only while one waits). */
export const APPLY_COMMANDS: readonly GlobalCommand[] = ['confirm-apply', 'rollback-apply'];

/** The `:` command line. */
export const COMMAND_LINE_KEYS = bindingList<'run' | 'cancel'>({
  run: { key: 'enter', description: 'run' },
  cancel: { key: 'esc', description: 'cancel' },
});

/** The `/` filter line (applied as it is typed). */
export const FILTER_LINE_KEYS = bindingList<'keep' | 'clear'>({
  keep: { key: 'enter', description: 'keep the filter' },
  clear: { key: 'esc', description: 'clear it' },
});

/** A "(y/N)" question. */
export const CONFIRM_KEYS = bindingList<'yes' | 'no'>({
  yes: { key: ['y', 'Y'], description: 'yes' },
  no: { key: ['n', 'N', 'esc', 'enter'], label: 'n/Esc', description: 'no (any other key too)' },
});

/** The `?` help. */
export const HELP_KEYS = bindingList<'close'>({
  close: { key: ['esc', '?', 'q'], description: 'close the help' },
});
