/** A line whose date is at most this far ahead of now is taken as this year's (clock skew). */
const FUTURE_TOLERANCE_MS = 24 * 3600 * 1000;

/** Places a year-less date in the current year, or the one before if that would be in the future. */
export function inferYear(now: number, at: (year: number) => number): number {
  const year = new Date(now).getFullYear();
  const candidate = at(year);
  return candidate > now + FUTURE_TOLERANCE_MS ? at(year - 1) : candidate;
}

/** A time from its parts; a missing zone means the local zone (the `TZ` of the process). */
export function fromParts(
  year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number,
  zone: string | undefined,
): number {
  if (month < 0 || month > 11 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 60) return Number.NaN;
  if (zone === undefined || zone === '') {
    return new Date(year, month, day, hour, minute, second, ms).getTime();
  }
  const utc = Date.UTC(year, month, day, hour, minute, second, ms);
  if (zone === 'Z') return utc;
  const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (!z) return Number.NaN;
  const offset = (Number(z[2]) * 60 + Number(z[3] ?? 0)) * 60_000;
  return z[1] === '+' ? utc - offset : utc + offset;
}

/** Whole milliseconds of a fraction of a second written as digits (`123456` -> 123). */
export function fractionMs(digits: string): number {
  return Number(digits.slice(0, 3).padEnd(3, '0'));
}

/** Days in a month (0-based), so "Feb 30" is no date rather than March 2. */
function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}
