import { useInput, type Key } from 'ink';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import { useUiActions, useUiState, type PaneId } from './contexts.js';
import { findBinding, keyName, usableBindings, type KeyBinding } from './keymap.js';

/**
 * The thin input hook every pane uses: publishes the pane's current key table (the hint bar and
 * the help render it), and turns key presses into the pane's commands. Dangerous commands ask
 * first; in read-only mode commands that change anything are neither shown nor run. With
 * `capture` the pane is typing into a form, and its own handler (`onText`) gets every key.
 *
 * Ink takes a new input handler only in a passive effect, which can run after a key that
 * arrives right after a redraw: the handler given to Ink is stable and calls the pane's latest
 * ones through a ref set at commit, so a key never acts on the rows of an earlier frame. A
 * dangerous command runs the handler of the frame the question was asked from.
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
  const latest = useRef({ usable, capture, onCommand, options });
  useLayoutEffect(() => {
    latest.current = { usable, capture, onCommand, options };
  });
  const onInput = useCallback((input: string, key: Key) => {
    const now = latest.current;
    const name = keyName(input, key);
    if (now.capture) {
      now.options.onText?.(input, name);
      return;
    }
    const binding = findBinding(now.usable, name);
    if (!binding) return;
    const run = now.onCommand;
    if (binding.dangerous) actions.confirm(now.options.question?.(binding.command) ?? `${binding.description}?`, () => run(binding.command));
    else run(binding.command);
  }, [actions]);
  useInput(onInput, { isActive: active });
}
