import type { Dispatch } from 'react';
import { PANE_IDS, type UiActions, type UiState } from '../contexts.js';
import { useKeys } from '../input/key-router.js';
import { findBinding, usableBindings } from '../keymap.js';
import type { ConsoleModel } from '../model/console-model.js';
import { settleApply } from '../model/engine-actions.js';
import { GLOBAL_KEYS, HELP_KEYS } from './global-keys.js';
import type { ShellAction } from './shell-reducer.js';

/** The shell's keys, from its key table: panes, `/`, `:`, `?`, Esc, `q`, and the pending apply's C and R. */
export function useGlobalKeys(state: UiState, dispatch: Dispatch<ShellAction>, actions: UiActions, model: ConsoleModel): void {
  const usable = usableBindings(GLOBAL_KEYS, state.readOnly);
  useKeys(
    (key) => {
      if (state.overlay === 'help') {
        if (findBinding(HELP_KEYS, key.name)) dispatch({ type: 'close' });
        return;
      }
      if (state.capture) return;
      const binding = findBinding(usable, key.name);
      if (!binding) return;
      switch (binding.command) {
        case 'pane-by-number':
          return actions.showPane(PANE_IDS[Number(key.name) - 1]!);
        case 'next-pane':
          return dispatch({ type: 'next-pane', step: 1 });
        case 'previous-pane':
          return dispatch({ type: 'next-pane', step: -1 });
        case 'filter':
          return dispatch({ type: 'open', overlay: 'filter' });
        case 'command':
          return dispatch({ type: 'open', overlay: 'command' });
        case 'help':
          return dispatch({ type: 'open', overlay: 'help' });
        case 'back':
          // Esc belongs to the pane while it has a use for it (leave edit mode, go back to the list).
          if (!state.paneKeys.some((b) => findBinding([b], 'esc'))) dispatch({ type: 'clear-filter' });
          return;
        case 'quit':
          return actions.quit();
        case 'confirm-apply':
          return void settleApply(model, actions, 'confirm');
        case 'rollback-apply':
          return void settleApply(model, actions, 'rollback');
      }
    },
    { active: state.overlay === null || state.overlay === 'help' },
  );
}
