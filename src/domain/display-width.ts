import stringWidth from 'string-width';
import { printable } from './printable.js';

// Columns are counted the way the terminal draws them, with the library Ink itself measures
// with, so a padded CLI column and a console row agree with what is on screen: a CJK character
// or an emoji takes two columns, a combining mark none.

/** Printable ASCII only: one column per character, no need to segment. */
const NARROW = /^[\x20-\x7e]*$/;

const segmenter = new Intl.Segmenter();

/** Columns `text` takes on a terminal. Give it printable text (see printable()). */
export function displayWidth(text: string): number {
  if (NARROW.test(text)) return text.length;
  return stringWidth(text, { countAnsiEscapeCodes: true });
}

/**
 * The longest start of `text` (whole grapheme clusters) that fits in `width` columns, and its
 * width. Stops reading at the first cluster that does not fit, so a 64 Ki-character log line
 * costs no more than the columns shown.
 */
export function sliceToWidth(text: string, width: number): { text: string; width: number } {
  if (NARROW.test(text)) {
    const cut = text.slice(0, Math.max(0, width));
    return { text: cut, width: cut.length };
  }
  let used = 0;
  let end = 0;
  for (const { segment, index } of segmenter.segment(text)) {
    const w = stringWidth(segment, { countAnsiEscapeCodes: true });
    if (used + w > width) break;
    used += w;
    end = index + segment.length;
  }
  return { text: text.slice(0, end), width: used };
}

/** `text` padded with spaces on the right to at least `width` columns (never cut). */
export function padEndWidth(text: string, width: number): string {
  const missing = width - displayWidth(text);
  return missing > 0 ? text + ' '.repeat(missing) : text;
}

/** `text` padded with spaces on the left to at least `width` columns (never cut). */
export function padStartWidth(text: string, width: number): string {
  const missing = width - displayWidth(text);
  return missing > 0 ? ' '.repeat(missing) + text : text;
}

/**
 * Untrusted text made printable and cut or padded to exactly `width` columns; an ellipsis marks
 * a cut. A double-width character that would straddle the edge is left out and its column
 * padded, so the row never grows past `width`.
 */
export function fitWidth(raw: string, width: number): string {
  if (width <= 0) return '';
  const text = printable(raw);
  if (NARROW.test(text)) {
    if (text.length > width) return width === 1 ? '…' : `${text.slice(0, width - 1)}…`;
    return text.padEnd(width);
  }
  const whole = sliceToWidth(text, width);
  if (whole.text.length === text.length) return whole.text + ' '.repeat(width - whole.width);
  const head = sliceToWidth(whole.text, width - 1);
  return `${head.text}…${' '.repeat(width - 1 - head.width)}`;
}

/**
 * Untrusted text made printable and cut to at most `width` columns (an ellipsis marks a cut),
 * not padded: for the last column of a row.
 */
export function truncateWidth(raw: string, width: number): string {
  if (width <= 0) return '';
  const text = printable(raw);
  const whole = sliceToWidth(text, width);
  if (whole.text.length === text.length) return text;
  return `${sliceToWidth(whole.text, width - 1).text}…`;
}
