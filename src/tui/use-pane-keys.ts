import { useInput } from 'ink';
import { useEffect, useMemo } from 'react';
import { useUiActions, useUiState, type PaneId } from './contexts.js';
import { findBinding, keyName, usableBindings, type KeyBinding } from './keymap.js';

/**
 * The thin input hook every pane uses: publishes the pane's current key table (the hint bar and
 * the help render it), and turns key presses into the pane's commands. Dangerous commands ask
 * first; in read-only mode commands that change anything are neither shown nor run. With
 * `capture` the pane is typing into a form, and its own handler (`onText`) gets every key.
 */
export function usePaneKeys<C extends string>(
  pane: PaneId,
  bindings: readonly KeyBinding<C>[],
  onCommand: (command: C) => void,
  options: {
    capture?: boolean;
    onText?: (input: string, name: string) => void;
    /** The confirmation question of a dangerous command (default: its description). */
    question?: (command: C) => string;
  } = {},
): void {
  const ui = useUiState();
  const actions = useUiActions();
  const usable = useMemo(() => usableBindings(bindings, ui.readOnly), [bindings, ui.readOnly]);
  const capture = options.capture ?? false;
  const shown = ui.pane === pane;
  // Published whenever the pane (kept mounted while hidden) becomes the active one again.
  useEffect(() => {
    if (shown) actions.setPaneKeys(pane, usable, capture);
  }, [pane, usable, capture, shown]);
  const active = shown && ui.overlay === null;
  useInput(
    (input, key) => {
      const name = keyName(input, key);
      if (capture) {
        options.onText?.(input, name);
        return;
      }
      const binding = findBinding(usable, name);
      if (!binding) return;
      if (binding.dangerous) actions.confirm(options.question?.(binding.command) ?? `${binding.description}?`, () => onCommand(binding.command));
      else onCommand(binding.command);
    },
    { isActive: active },
  );
}
