// Turning untrusted text (log lines written by whoever attacks the host) into inert plain text.
// Nothing here is ever handed to a shell or a command; this only decides how the text looks in a
// message, so that it cannot forge headers, move the terminal cursor of someone reading the mail
// with a pager, or reorder what is displayed (bidi controls).

/** Longest quoted log line, in characters (code points) after escaping. */
export const MAX_LINE_CHARS = 400;
/** Longest subject, in characters after escaping. */
export const MAX_SUBJECT_CHARS = 200;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// Characters that are invisible or change how the rest of the line is shown: line and paragraph
// separators, zero-width characters, bidi marks and overrides, the byte order mark.
const INVISIBLE = /^[\u061C\u200B-\u200F\u2028-\u202E\u2060-\u2069\uFEFF]$/;

const NAMED_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** The visible form of one character (a code point), or the character itself when it is harmless. */
function escapeChar(ch: string): string {
  const named = NAMED_ESCAPES[ch];
  if (named !== undefined) return named;
  const code = ch.codePointAt(0)!;
  if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, '0')}`;
  if ((code >= 0x80 && code <= 0x9f) || INVISIBLE.test(ch)) return `\\u${code.toString(16).padStart(4, '0')}`;
  return ch;
}

/**
 * Makes untrusted text safe to show as one line of plain text: backslash, tab, CR and LF become
 * `\\`, `\t`, `\r`, `\n`; other control characters (C0, DEL, C1) and invisible or bidi characters
 * become `\xHH` / `\uHHHH`; broken UTF-16 becomes U+FFFD. The result is cut at `maxChars`, with a
 * note of how much was left out, so one huge line cannot bloat a message.
 */
export function escapeText(text: string, maxChars: number = MAX_LINE_CHARS): string {
  const chars = Array.from(text.replace(LONE_SURROGATE, '\uFFFD'));
  let out = '';
  let width = 0; // in code points, like chars
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    const piece = escapeChar(ch);
    const pieceWidth = piece === ch ? 1 : piece.length; // escapes are ASCII
    if (width + pieceWidth > maxChars) {
      return `${out} [cut: ${chars.length - i} more characters]`;
    }
    out += piece;
    width += pieceWidth;
  }
  return out;
}

/** Text for a mail header: one line, control characters visible, at most {@link MAX_SUBJECT_CHARS}. */
export function headerText(text: string): string {
  return escapeText(text, MAX_SUBJECT_CHARS);
}
