const MONTH_CODES = new Map<number, number>(
  ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].map((m, i) => [
    (m.charCodeAt(0) << 16) | (m.charCodeAt(1) << 8) | m.charCodeAt(2),
    i,
  ]),
);

/** Fields of a plain `Mmm dd HH:MM:SS` date, packed so no object is made per line. */
export interface SyslogFields {
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function digit(line: string, i: number): number {
  const c = line.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
}

/**
 * Reads the common syslog date `Mmm dd HH:MM:SS` (day padded with a space or a zero) at `start`
 * without a regex, filling `out`. Returns the end offset, or -1 when the text is not exactly
 * that form (fractions, a year or a weekday are left to the general patterns).
 */
export function readPlainSyslogDate(line: string, start: number, out: SyslogFields): number {
  if (line.length < start + 15) return -1;
  const code = (line.charCodeAt(start) << 16) | (line.charCodeAt(start + 1) << 8) | line.charCodeAt(start + 2);
  const month = MONTH_CODES.get(code);
  if (month === undefined || line.charCodeAt(start + 3) !== 32 || line.charCodeAt(start + 6) !== 32) return -1;
  if (line.charCodeAt(start + 9) !== 58 || line.charCodeAt(start + 12) !== 58) return -1;
  // Digits read in line (a call per digit showed in profiles): each is 0-9, or the date is not plain.
  const d1 = line.charCodeAt(start + 4) === 32 ? 0 : line.charCodeAt(start + 4) - 48;
  const d2 = line.charCodeAt(start + 5) - 48;
  const h1 = line.charCodeAt(start + 7) - 48;
  const h2 = line.charCodeAt(start + 8) - 48;
  const m1 = line.charCodeAt(start + 10) - 48;
  const m2 = line.charCodeAt(start + 11) - 48;
  const s1 = line.charCodeAt(start + 13) - 48;
  const s2 = line.charCodeAt(start + 14) - 48;
  if (!isDigit(d1) || !isDigit(d2) || !isDigit(h1) || !isDigit(h2) || !isDigit(m1) || !isDigit(m2) || !isDigit(s1) || !isDigit(s2)) return -1;
  const end = start + 15;
  const next = line.charCodeAt(end);
  // A fraction or a year after the time belongs to the date: let the full pattern take it.
  if (next === 46 || (next === 32 && digit(line, end + 1) >= 0)) return -1;
  out.month = month;
  out.day = d1 * 10 + d2;
  out.hour = h1 * 10 + h2;
  out.minute = m1 * 10 + m2;
  out.second = s1 * 10 + s2;
  return end;
}

/** A character's value less 48 is a digit's (NaN, for no character, is not). */
function isDigit(value: number): boolean {
  return value >= 0 && value <= 9;
}
