import { describeValue } from './describe-value.js';

/** The duration value that means "never expires" (only allowed for bans). */
export const PERMANENT = -1;

/** Options for {@link parseDuration} and {@link checkDuration}. */
export interface DurationOptions {
  /** Accept `-1` and `"permanent"`, returned as {@link PERMANENT}. Only ban times allow it. */
  allowPermanent?: boolean;
}

/**
 * Longest duration accepted, in seconds (100 years): past it an end time no longer fits a Date
 * and every listing of the ban would fail; a ban meant to last for ever is "permanent".
 */
export const MAX_DURATION = 100 * 52 * 7 * 24 * 3600;

/** The outcome of {@link checkDuration}: seconds, or why the value is not a duration. */
export type DurationCheck = { ok: true; seconds: number } | { ok: false; message: string };

// Largest first: that is the order formatDuration writes and parseDuration requires.
const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['w', 7 * 24 * 3600],
  ['d', 24 * 3600],
  ['h', 3600],
  ['m', 60],
  ['s', 1],
];

const COMPOUND = /^(?:(\d+)w)?\s*(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?$/;

/**
 * Validates a duration without throwing, for callers that collect many
 * problems (the schema). Spaces between parts are allowed: "1h 30m".
 */
export function checkDuration(value: unknown, opts: DurationOptions = {}): DurationCheck {
  const bad = (): DurationCheck => ({ ok: false, message: badDurationMessage(value, opts) });

  if (typeof value === 'number') {
    if (value === PERMANENT && opts.allowPermanent) return { ok: true, seconds: PERMANENT };
    if (!Number.isSafeInteger(value) || value <= 0) return bad();
    if (value > MAX_DURATION) return tooLong(value, opts);
    return { ok: true, seconds: value };
  }
  if (typeof value !== 'string') return bad();

  const text = value.trim();
  if (opts.allowPermanent && (text === 'permanent' || text === '-1')) {
    return { ok: true, seconds: PERMANENT };
  }

  let seconds = 0;
  if (/^\d+$/.test(text)) {
    seconds = Number(text);
  } else {
    const match = COMPOUND.exec(text);
    if (text === '' || !match) return bad();
    UNITS.forEach(([, size], i) => {
      const count = match[i + 1];
      if (count !== undefined) seconds += Number(count) * size;
    });
  }
  if (!Number.isSafeInteger(seconds) || seconds <= 0) return bad();
  if (seconds > MAX_DURATION) return tooLong(value, opts);
  return { ok: true, seconds };
}

function tooLong(value: unknown, opts: DurationOptions): DurationCheck {
  const instead = opts.allowPermanent ? ' (use "permanent" for a ban that never ends)' : '';
  return { ok: false, message: `duration ${describeValue(value)} is longer than 100 years${instead}` };
}


/**
 * Writes seconds back in the shortest form parseDuration reads:
 * 600 -> "10m", 5400 -> "1h30m", -1 (or any negative) -> "permanent".
 */
export function formatDuration(seconds: number): string {
  if (seconds < 0) return 'permanent';
  let rest = Math.round(seconds);
  if (rest === 0) return '0s';
  let text = '';
  for (const [unit, size] of UNITS) {
    const count = Math.floor(rest / size);
    if (count > 0) {
      text += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return text;
}

function badDurationMessage(value: unknown, opts: DurationOptions): string {
  const forms = opts.allowPermanent
    ? '600, "10m", "1h", "1d", "1w" or "permanent"'
    : '600, "10m", "1h", "1d" or "1w"';
  return `bad duration ${describeValue(value)} (use ${forms})`;
}
