import { PANE_IDS, type Overlay, type PaneId, type UiState } from '../contexts.js';
import type { KeyBinding } from '../keymap.js';
import type { Tone } from '../theme.js';

/** Everything that changes the shell's state. */
export type ShellAction =
  | { type: 'show-pane'; pane: PaneId }
  | { type: 'next-pane'; step: 1 | -1 }
  | { type: 'open'; overlay: Exclude<Overlay, null | 'confirm'> }
  | { type: 'close' }
  | { type: 'set-filter'; text: string }
  | { type: 'clear-filter' }
  | { type: 'say'; text: string; tone: Tone }
  | { type: 'ask'; question: string }
  | { type: 'pane-keys'; pane: PaneId; keys: readonly KeyBinding[]; capture: boolean }
  | { type: 'resize'; columns: number; rows: number };

export function initialShellState(options: { readOnly: boolean; columns: number; rows: number; pane?: PaneId }): UiState {
  return {
    pane: options.pane ?? 'bans',
    overlay: null,
    filters: Object.fromEntries(PANE_IDS.map((id) => [id, ''])) as Record<PaneId, string>,
    paneKeys: [],
    capture: false,
    message: null,
    confirm: null,
    readOnly: options.readOnly,
    size: { columns: options.columns, rows: options.rows },
  };
}

/** The shell's one pure reducer. */
export function shellReducer(state: UiState, action: ShellAction): UiState {
  switch (action.type) {
    // A message is about the pane it was said on: it goes with it.
    case 'show-pane':
      return state.pane === action.pane ? state : { ...state, pane: action.pane, paneKeys: [], capture: false, message: null };
    case 'next-pane': {
      const at = PANE_IDS.indexOf(state.pane);
      const pane = PANE_IDS[(at + action.step + PANE_IDS.length) % PANE_IDS.length]!;
      return { ...state, pane, paneKeys: [], capture: false, message: null };
    }
    case 'open':
      return { ...state, overlay: action.overlay };
    case 'close':
      return { ...state, overlay: null, confirm: null };
    case 'set-filter':
      return { ...state, filters: { ...state.filters, [state.pane]: action.text } };
    case 'clear-filter':
      return state.filters[state.pane] ? { ...state, filters: { ...state.filters, [state.pane]: '' } } : state;
    case 'say':
      return { ...state, message: { text: action.text, tone: action.tone } };
    case 'ask':
      return { ...state, overlay: 'confirm', confirm: { question: action.question } };
    case 'pane-keys':
      // A pane that is no longer shown does not overwrite the active one's keys.
      if (action.pane !== state.pane) return state;
      return { ...state, paneKeys: action.keys, capture: action.capture };
    case 'resize':
      return { ...state, size: { columns: action.columns, rows: action.rows } };
  }
}
