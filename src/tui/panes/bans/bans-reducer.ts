import { BAN_SORT_KEYS, type BanSortKey } from '../../model/ban-index.js';
import { applyCursor, clampCursor, type CursorAction, type ListCursor } from '../../components/list-cursor.js';

/** The Banned pane's own state. */
export interface BansState extends ListCursor {
  sortKey: BanSortKey;
  /** Newest, longest, highest first. */
  descending: boolean;
  /** The ban-by-hand form, when open: what is typed and what is wrong with it. */
  form: { text: string; error: string | null } | null;
  /** The address whose ban is shown in detail. */
  detail: string | null;
}

export type BansAction =
  | CursorAction
  /** The list changed under the cursor: keep it on the same address, now at `cursor`. */
  | { type: 'pin'; cursor: number; length: number; height: number }
  | { type: 'sort' }
  | { type: 'reverse' }
  | { type: 'open-form' }
  | { type: 'form-text'; text: string; error: string | null }
  | { type: 'close-form' }
  | { type: 'detail'; ip: string | null };

export const INITIAL_BANS_STATE: BansState = { cursor: 0, top: 0, sortKey: 'bannedAt', descending: true, form: null, detail: null };

export function bansReducer(state: BansState, action: BansAction): BansState {
  switch (action.type) {
    case 'move':
    case 'clamp':
      return applyCursor(state, action);
    case 'pin':
      return { ...state, ...clampCursor({ cursor: action.cursor, top: state.top + (action.cursor - state.cursor) }, action.length, action.height) };
    case 'sort': {
      const sortKey = BAN_SORT_KEYS[(BAN_SORT_KEYS.indexOf(state.sortKey) + 1) % BAN_SORT_KEYS.length]!;
      return { ...state, sortKey, cursor: 0, top: 0 };
    }
    case 'reverse':
      return { ...state, descending: !state.descending, cursor: 0, top: 0 };
    case 'open-form':
      return { ...state, form: { text: '', error: null } };
    case 'form-text':
      return { ...state, form: { text: action.text, error: action.error } };
    case 'close-form':
      return { ...state, form: null };
    case 'detail':
      return { ...state, detail: action.ip };
  }
}

/** Column titles of the sort keys. */
export const SORT_TITLES: Record<BanSortKey, string> = {
  bannedAt: 'banned at',
  expiresAt: 'time left',
  ip: 'address',
  jail: 'jail',
  count: 'ban count',
};
