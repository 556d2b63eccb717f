import { useLayoutEffect, useMemo } from 'react';
import { useUiActions, useUiState, type PaneId } from './contexts.js';
import { useKeys } from './input/key-router.js';
import { findBinding, usableBindings, type KeyBinding } from './keymap.js';

/**
 * The thin input hook every pane uses: publishes the pane's current key table (the hint bar and
 * the help render it) and turns each key press into the command the table binds it to, in every
 * mode: a form's table binds Enter, Esc, Tab, ... and the keys it does not bind are typing (the
 * focused text field takes them; `onText` sees them too). Dangerous commands ask first; in
 * read-only mode commands that change anything are neither shown nor run. With `capture` the
 * shell's own keys are off.
 *
 * The table is published at commit (a layout effect), so a key that follows in the same read
 * already finds the shell knowing the pane is typing. Keys come from the console's key router,
 * one at a time, each to the handler of the latest frame.
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
  useLayoutEffect(() => {
    if (shown) actions.setPaneKeys(pane, usable, capture);
  }, [pane, usable, capture, shown]);
  useKeys(
    (key) => {
      const binding = findBinding(usable, key.name);
      if (!binding) {
        if (capture) options.onText?.(key.text, key.name);
        return;
      }
      if (binding.dangerous) actions.confirm(options.question?.(binding.command) ?? `${binding.description}?`, () => onCommand(binding.command));
      else onCommand(binding.command);
    },
    { active: shown && ui.overlay === null },
  );
}
