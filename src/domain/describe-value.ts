/** A config value as it would be written in TOML, shortened for error messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'a date' : `the date ${value.toISOString()}`;
  let text: string;
  if (typeof value === 'string' || (typeof value === 'object' && value !== null)) {
    // Tables from the TOML parser have no prototype: String() of one throws.
    try {
      text = JSON.stringify(value) ?? 'a value';
    } catch {
      text = Array.isArray(value) ? 'an array' : 'a table';
    }
  } else {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
