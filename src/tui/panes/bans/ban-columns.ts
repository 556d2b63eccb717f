/** Widths of the fixed columns: BANNED AT, LEFT, # (and the four spaces between the five). */
const TIME = 12;
const LEFT = 10;
const COUNT = 5;
const GAPS = 4;

/**
 * The Banned list's columns for a width: the address and the jail share what the fixed columns
 * leave. The jail gets its longest name (at least 8) when it fits beside an address column of
 * at least 15; the address takes up to 41 (a full IPv6 CIDR); the jail takes the rest.
 */
export function banColumns(width: number, longestJail: number): { ipWidth: number; jailWidth: number; timeWidth: number; leftWidth: number; countWidth: number } {
  const shared = Math.max(24, width - TIME - LEFT - COUNT - GAPS);
  const jailWanted = Math.max(8, longestJail);
  const ipWidth = Math.max(15, Math.min(41, shared - jailWanted));
  const jailWidth = Math.max(8, shared - ipWidth);
  return { ipWidth, jailWidth, timeWidth: TIME, leftWidth: LEFT, countWidth: COUNT };
}
