import type { Key } from 'ink';
import { keyName } from '../keymap.js';

/** One key press, named as the key tables name keys (`a`, `enter`, `C-r`), or a bracketed paste. */
export interface KeyPress {
  /** `paste` for a bracketed paste, whose text is in `text`. */
  name: string;
  /** What the key types into a text field ('' for keys that type nothing). */
  text: string;
}

/** What a terminal sends around a paste once bracketed paste is on (after Ink drops the ESC). */
const PASTE_START = '[200~';
const PASTE_END = '[201~';

/**
 * Turns what Ink hands a `useInput` handler into the key presses it holds, in order. Ink splits
 * escape sequences apart, but a run of plain bytes that arrived in one read (keys typed faster
 * than they are read, over SSH or from a held key) comes as one string: each of its characters
 * is a key of its own here, named exactly as the same key read alone would be.
 */
export class KeySplitter {
  private paste: string | null = null;

  split(input: string, key: Key): KeyPress[] {
    if (this.paste !== null) {
      if (input === PASTE_END && !key.ctrl) {
        const text = this.paste;
        this.paste = null;
        return [{ name: 'paste', text }];
      }
      this.paste += key.return ? '\n' : key.tab ? '\t' : input;
      return [];
    }
    if (input === PASTE_START && !key.ctrl) {
      this.paste = '';
      return [];
    }
    const chars = [...input];
    if (chars.length <= 1 || hasKeyFlag(key)) {
      const name = keyName(input, key);
      return name ? [{ name, text: isTyped(name, input) ? input : '' }] : [];
    }
    return chars.map(charKey);
  }
}

/** A key press for one character of a run. */
function charKey(char: string): KeyPress {
  const code = char.codePointAt(0) ?? 0;
  if (char === '\r' || char === '\n') return { name: 'enter', text: '' };
  if (char === '\t') return { name: 'tab', text: '' };
  // Ink names a lone DEL (what Backspace sends) `delete`, and BS `backspace`.
  if (char === '\x7f') return { name: 'delete', text: '' };
  if (char === '\b') return { name: 'backspace', text: '' };
  if (char === '\x1b') return { name: 'esc', text: '' };
  if (code < 0x20) return { name: `C-${String.fromCharCode(code + 96)}`, text: '' };
  if (char === ' ') return { name: 'space', text: ' ' };
  return { name: char, text: char };
}

function hasKeyFlag(key: Key): boolean {
  return (
    key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.pageUp || key.pageDown || key.home || key.end ||
    key.return || key.escape || key.tab || key.backspace || key.delete || key.ctrl
  );
}

function isTyped(name: string, input: string): boolean {
  if (name === 'space') return true;
  return input.length > 0 && name === input;
}
