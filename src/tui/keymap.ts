import type { Key } from 'ink';

/**
 * One key binding, declared as data: the same table drives the key handling, the hint bar and
 * the `?` help overlay.
 */
export interface KeyBinding<C extends string = string> {
  /**
   * The key as {@link keyName} names it (`u`, `U`, `enter`, `up`, `S-tab`, `C-r`, ...), or the
   * keys, when several do the same (`['down', 'j']`): the first is the one the hint bar shows.
   */
  key: string | readonly string[];
  command: C;
  description: string;
  /** Asks for confirmation first, and is hidden in read-only mode. */
  dangerous?: boolean;
  /** Changes state (bans, config, rules): hidden in read-only mode. */
  edits?: boolean;
  /** Left out of the hint bar (still in the help overlay), to keep the bar to one line. */
  helpOnly?: boolean;
  /** Shown instead of the keys' own labels (`1-7`). */
  label?: string;
}

/** A pane's key table: a record over its commands, so no command can be left without a key. */
export type KeyMap<C extends string> = { [K in C]: Omit<KeyBinding<K>, 'command'> };

/** The keys of a binding, the one shown first. */
export function keysOf(binding: Pick<KeyBinding, 'key'>): readonly string[] {
  return typeof binding.key === 'string' ? [binding.key] : binding.key;
}

/** Whether a binding is for the key `name`. */
export function bindsKey(binding: Pick<KeyBinding, 'key'>, name: string): boolean {
  return typeof binding.key === 'string' ? binding.key === name : binding.key.includes(name);
}

/** The bindings of a key map as a list, in declaration order. */
export function bindingList<C extends string>(map: KeyMap<C>): KeyBinding<C>[] {
  return (Object.keys(map) as C[]).map((command) => ({ ...map[command], command }) as KeyBinding<C>);
}

/** A key press as the binding tables name it. */
export function keyName(input: string, key: Key): string {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageUp) return 'pgup';
  if (key.pageDown) return 'pgdn';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.return) return 'enter';
  if (key.escape) return 'esc';
  if (key.tab) return key.shift ? 'S-tab' : 'tab';
  if (key.backspace) return 'backspace';
  if (key.delete) return 'delete';
  if (key.ctrl && input) return `C-${input}`;
  if (input === ' ') return 'space';
  return input;
}

/** The bindings the operator may use: read-only mode drops those that change anything. */
export function usableBindings<C extends string>(bindings: readonly KeyBinding<C>[], readOnly: boolean): KeyBinding<C>[] {
  return readOnly ? bindings.filter((b) => !b.dangerous && !b.edits) : [...bindings];
}

/** The binding for a key press, if any. */
export function findBinding<C extends string>(bindings: readonly KeyBinding<C>[], name: string): KeyBinding<C> | undefined {
  return bindings.find((b) => bindsKey(b, name));
}

/** How a binding's keys are shown: `↓/j`. */
export function keysLabel(binding: Pick<KeyBinding, 'key' | 'label'>): string {
  if (binding.label) return binding.label;
  return keysOf(binding).map(keyLabel).join('/');
}

/** How a key is shown in the hint bar and help: `enter` → `Enter`, `S-tab` → `Shift-Tab`. */
export function keyLabel(key: string): string {
  const labels: Record<string, string> = {
    enter: 'Enter',
    esc: 'Esc',
    up: '↑',
    down: '↓',
    left: '←',
    right: '→',
    pgup: 'PgUp',
    pgdn: 'PgDn',
    home: 'Home',
    end: 'End',
    tab: 'Tab',
    'S-tab': 'Shift-Tab',
    delete: 'Del',
    backspace: 'Bksp',
    space: 'Space',
  };
  return labels[key] ?? (key.startsWith('C-') ? `Ctrl-${key.slice(2)}` : key);
}
