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

function twoDigits(line: string, i: number): number {
  const a = digit(line, i);
  const b = digit(line, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
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
  if (month === undefined || line.charCodeAt(start + 3) !== 32) return -1;
  const d1 = line.charCodeAt(start + 4) === 32 ? 0 : digit(line, start + 4);
  const d2 = digit(line, start + 5);
  if (d1 < 0 || d2 < 0 || line.charCodeAt(start + 6) !== 32) return -1;
  const hour = twoDigits(line, start + 7);
  const minute = twoDigits(line, start + 10);
  const second = twoDigits(line, start + 13);
  if (hour < 0 || minute < 0 || second < 0) return -1;
  if (line.charCodeAt(start + 9) !== 58 || line.charCodeAt(start + 12) !== 58) return -1;
  const end = start + 15;
  const next = line.charCodeAt(end);
  // A fraction or a year after the time belongs to the date: let the full pattern take it.
  if (next === 46 || (next === 32 && digit(line, end + 1) >= 0)) return -1;
  out.month = month;
  out.day = d1 * 10 + d2;
  out.hour = hour;
  out.minute = minute;
  out.second = second;
  return end;
}
