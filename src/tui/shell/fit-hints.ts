import { displayWidth } from '../../domain/display-width.js';

/** One hint: a key and what it does. */
export interface Hint {
  key: string;
  description: string;
}

/** Width of `? more`, kept free when some hints are left out. */
const MORE = '? more';

/**
 * The hints that fit in `columns`, whole (a hint is never cut in the middle of a word), in
 * order; `more` when some were left out (then `? more` fits after them, and `?` lists them all).
 */
export function fitHints(hints: readonly Hint[], columns: number, canShowMore: boolean): { shown: Hint[]; more: boolean } {
  const widths = hints.map((h) => displayWidth(h.key) + 1 + displayWidth(h.description) + 2);
  const total = widths.reduce((a, b) => a + b, 0);
  if (total <= columns) return { shown: [...hints], more: false };
  const room = columns - (canShowMore ? displayWidth(MORE) : 0);
  const shown: Hint[] = [];
  let used = 0;
  for (let i = 0; i < hints.length; i++) {
    if (used + widths[i]! > room) break;
    used += widths[i]!;
    shown.push(hints[i]!);
  }
  return { shown, more: canShowMore };
}
