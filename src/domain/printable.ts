// Text written by whoever attacks the host (user names, URLs, whole log lines) reaches the
// operator's terminal through the console, the command line and the engine log. A terminal
// obeys what it is sent: ESC [ moves the cursor and recolours, OSC 52 writes the clipboard,
// OSC 0 retitles the window, CR and backspace overwrite what came before, C1 controls (U+0080 to
// U+009F) are the same commands in one code point, and bidi overrides reorder what is shown. So
// such text is only ever shown through `printable`, which makes every one of them visible.

/**
 * Characters shown as escapes: C0 controls and DEL, C1 controls, and the invisible characters
 * that change how the rest of a line is displayed (bidi marks, embeddings, overrides and
 * isolates, zero-width characters (not the joiner, which emoji sequences need), line and paragraph separators, the byte order mark), plus
 * lone UTF-16 surrogates (from broken input), which no terminal can draw.
 */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b\u200c\u200e\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const NAMED: Readonly<Record<string, string>> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function escapeOne(ch: string): string {
  const named = NAMED[ch];
  if (named !== undefined) return named;
  const code = ch.charCodeAt(0);
  if (code >= 0xd800 && code <= 0xdfff) return '\uFFFD';
  if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, '0')}`;
  return `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Untrusted text made safe to show as one line: tab, CR and LF become `\t`, `\r`, `\n`; other C0
 * controls and DEL become `\xNN` (ESC is `\x1b`); C1 controls and invisible or bidi characters
 * become `\uNNNN`; a lone surrogate becomes U+FFFD. Everything else, double-width characters
 * and emoji included, is kept. The result contains no control character, so applying it twice
 * changes nothing (backslashes are left alone for that reason, and because filter patterns
 * shown in the console are full of them).
 */
export function printable(text: string): string {
  UNSAFE.lastIndex = 0;
  if (!UNSAFE.test(text)) return text;
  UNSAFE.lastIndex = 0;
  return text.replace(UNSAFE, escapeOne);
}

/** True when `printable(text)` would change nothing. */
export function isPrintable(text: string): boolean {
  UNSAFE.lastIndex = 0;
  return !UNSAFE.test(text);
}
