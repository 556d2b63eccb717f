import { isIpOrCidr } from '../../../net/index.js';
import { applyCursor, type CursorAction, type ListCursor } from '../../components/list-cursor.js';

/** The add form: the range and a note, which field has the cursor, and what is wrong. */
export interface TrustForm {
  range: string;
  note: string;
  field: 'range' | 'note';
  error: string | null;
}

export interface TrustedState extends ListCursor {
  form: TrustForm | null;
}

export type TrustedAction =
  | CursorAction
  | { type: 'open-form' }
  | { type: 'close-form' }
  | { type: 'next-field' }
  | { type: 'edit'; field: 'range' | 'note'; text: string }
  | { type: 'refuse'; error: string };

export const INITIAL_TRUSTED_STATE: TrustedState = { cursor: 0, top: 0, form: null };

/** Checks a range as it is typed: nothing typed is not an error yet. */
export function checkRange(text: string): string | null {
  const value = text.trim();
  if (!value) return null;
  return isIpOrCidr(value) ? null : `"${value}" is not an IPv4/IPv6 address or CIDR range (e.g. 198.51.100.0/24, 2001:db8::/48)`;
}

export function trustedReducer(state: TrustedState, action: TrustedAction): TrustedState {
  switch (action.type) {
    case 'move':
    case 'clamp':
      return applyCursor(state, action);
    case 'open-form':
      return { ...state, form: { range: '', note: '', field: 'range', error: null } };
    case 'close-form':
      return { ...state, form: null };
    case 'next-field':
      return state.form ? { ...state, form: { ...state.form, field: state.form.field === 'range' ? 'note' : 'range' } } : state;
    case 'edit':
      if (!state.form) return state;
      return {
        ...state,
        form: { ...state.form, [action.field]: action.text, error: action.field === 'range' ? checkRange(action.text) : state.form.error },
      };
    case 'refuse':
      return state.form ? { ...state, form: { ...state.form, error: action.error } } : state;
  }
}
