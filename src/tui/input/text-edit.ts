import type { KeyPress } from './split-keys.js';

/** A line being edited: its text and where the cursor is (0..text.length, in UTF-16 units). */
export interface TextEdit {
  text: string;
  cursor: number;
}

/**
 * One key applied to a line: typing inserts at the cursor, Backspace (and Del, which is what
 * most terminals' Backspace sends) deletes before it, arrows, Home and End move it. A paste
 * inserts its text, its line breaks made spaces unless `lines` keeps them. Other keys (Enter,
 * Esc, Tab, ...) are the form's: the same edit comes back.
 */
export function editText(edit: TextEdit, key: KeyPress, options: { lines?: boolean } = {}): TextEdit {
  const { text } = edit;
  const cursor = Math.min(Math.max(0, edit.cursor), text.length);
  switch (key.name) {
    case 'left':
      return { text, cursor: Math.max(0, cursor - before(text, cursor)) };
    case 'right':
      return { text, cursor: Math.min(text.length, cursor + after(text, cursor)) };
    case 'home':
    case 'C-a':
      return { text, cursor: 0 };
    case 'end':
    case 'C-e':
      return { text, cursor: text.length };
    case 'backspace':
    case 'delete': {
      if (cursor === 0) return edit.cursor === cursor ? edit : { text, cursor };
      const size = before(text, cursor);
      return { text: text.slice(0, cursor - size) + text.slice(cursor), cursor: cursor - size };
    }
    case 'C-u':
      return { text: text.slice(cursor), cursor: 0 };
    case 'paste': {
      const pasted = options.lines ? key.text.replace(/\r\n?/g, '\n') : key.text.replace(/\r\n|\r|\n/g, ' ').replace(/\s+$/, '');
      return { text: text.slice(0, cursor) + pasted + text.slice(cursor), cursor: cursor + pasted.length };
    }
    default:
      if (!key.text) return edit;
      return { text: text.slice(0, cursor) + key.text + text.slice(cursor), cursor: cursor + key.text.length };
  }
}

/** UTF-16 units of the character before `at` (2 for a surrogate pair). */
function before(text: string, at: number): number {
  const code = text.charCodeAt(at - 1);
  return at >= 2 && code >= 0xdc00 && code <= 0xdfff ? 2 : 1;
}

function after(text: string, at: number): number {
  const code = text.charCodeAt(at);
  return code >= 0xd800 && code <= 0xdbff ? 2 : 1;
}
