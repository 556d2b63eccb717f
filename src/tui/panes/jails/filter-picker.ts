import type { FilterChoice } from '../../../control/protocol-results.js';

/** How each origin reads in the picker. */
export const ORIGIN_LABELS: Record<FilterChoice['origin'], string> = {
  yours: 'yours',
  shipped: 'shipped',
  fail2ban: 'fail2ban',
};

/**
 * The filters whose name contains what is typed (any case): a name equal to it first, then
 * names starting with it, then the rest; each group in the order `filter-list` gives (the
 * order a name is looked up, fail2ban's stock filters last). Nothing typed: all of them.
 */
export function matchFilters(choices: readonly FilterChoice[], typed: string): FilterChoice[] {
  const query = typed.trim().toLowerCase();
  if (!query) return [...choices];
  const rank = (name: string): number => (name === query ? 0 : name.startsWith(query) ? 1 : name.includes(query) ? 2 : 3);
  return choices
    .map((choice, index) => ({ choice, index, rank: rank(choice.name.toLowerCase()) }))
    .filter((entry) => entry.rank < 3)
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map((entry) => entry.choice);
}

/** The filter picked among the matches (the first when the pick is past their end). */
export function pickedFilter(choices: readonly FilterChoice[] | null, typed: string, pick: number): FilterChoice | undefined {
  if (!choices) return undefined;
  const matches = matchFilters(choices, typed);
  return matches[Math.min(pick, matches.length - 1)];
}

/** The pick `step` places on among `count` matches, wrapping around. */
export function movePick(pick: number, step: number, count: number): number {
  if (count === 0) return 0;
  return (((Math.min(pick, count - 1) + step) % count) + count) % count;
}

/** The first row of a window of `rows` over `count` matches that keeps `pick` in view, centred when it can. */
export function pickWindowTop(pick: number, count: number, rows: number): number {
  if (count <= rows) return 0;
  return Math.max(0, Math.min(pick - Math.floor(rows / 2), count - rows));
}
