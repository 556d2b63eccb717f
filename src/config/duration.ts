import { checkDuration, type DurationOptions } from '../domain/duration.js';
import { ConfigError } from './errors.js';

export { checkDuration, formatDuration, MAX_DURATION, PERMANENT, type DurationCheck, type DurationOptions } from '../domain/duration.js';

/**
 * Reads a duration from a config value and returns it in seconds, or
 * {@link PERMANENT} (-1) when `allowPermanent` is set and the value says so.
 *
 * Accepted: positive whole numbers of seconds (`600`, `"600"`) and strings
 * with units w, d, h, m, s, largest first (`"30s"`, `"10m"`, `"1h30m"`, `"1w"`).
 *
 * @param field the key path named in the error, e.g. `settings.bantime`
 * @throws ConfigError naming `field` when the value is not a duration
 */
export function parseDuration(value: unknown, field: string, opts: DurationOptions = {}): number {
  const result = checkDuration(value, opts);
  if (!result.ok) throw new ConfigError({ key: field, message: result.message });
  return result.seconds;
}
