import { checkDuration, PERMANENT } from '../domain/duration.js';

/** fail2ban's booleans: true/yes/on/1 and false/no/off/0, any case; undefined for anything else. */
export function readBool(text: string): boolean | undefined {
  const word = text.trim().toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(word)) return true;
  if (['false', 'no', 'off', '0'].includes(word)) return false;
  return undefined;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/**
 * A fail2ban time in seconds: plain seconds (`600`, `-1` for permanent) or unit forms such as
 * `10m`, `1h`, `1d`, `1w`, `1h 30m`, `2.5h`, `5 minutes`. Undefined when it is not one of those.
 */
export function readSeconds(text: string, allowPermanent: boolean): number | undefined {
  const value = text.trim();
  if (/^-\d+$/.test(value)) return allowPermanent ? PERMANENT : undefined;
  if (/^\d+$/.test(value)) {
    const seconds = Number(value);
    return seconds > 0 ? seconds : undefined;
  }
  let total = 0;
  const part = /(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|mins?|minutes?|h|hours?|d|days?|w|weeks?)(?![a-z])/gi;
  const rest = value.replace(part, (_whole, amount: string, unit: string) => {
    total += Number(amount) * (UNIT_SECONDS[unit[0]!.toLowerCase()] ?? Number.NaN);
    return '';
  });
  if (rest.trim() !== '' || !Number.isFinite(total) || total <= 0) return undefined;
  const seconds = Math.round(total);
  return checkDuration(seconds, {}).ok ? seconds : undefined;
}

/** Splits a list written with spaces, commas or new lines. */
export function words(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}

const OPTION = /\s*([A-Za-z_][\w.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^,"']*?))\s*(?:,|$)/y;

/**
 * The options of fail2ban's `name[key=value, key2="value, 2"]` (the text between the brackets):
 * values bare or quoted with `"` or `'`. Null when the text is not a list of such options.
 */
export function readOptions(text: string): Record<string, string> | null {
  const options: Record<string, string> = {};
  OPTION.lastIndex = 0;
  while (OPTION.lastIndex < text.length) {
    const at = OPTION.lastIndex;
    const m = OPTION.exec(text);
    if (!m || m[0] === '' || OPTION.lastIndex === at) return text.slice(at).trim() === '' ? options : null;
    options[m[1]!] = m[2] ?? m[3] ?? m[4] ?? '';
  }
  return options;
}
