/**
 * ISO-8601 text of an epoch-ms time, or the number itself when it is outside what a Date can
 * hold (a ban time of billions of weeks): one odd record must not stop the whole listing.
 */
export function isoOrNumber(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}

/** {@link isoOrNumber} of the last time asked again: bans of one batch, lines of one second share theirs. */
export class IsoCache {
  private ms = Number.NaN;
  private text = '';

  of(ms: number): string {
    if (ms !== this.ms) {
      this.ms = ms;
      this.text = isoOrNumber(ms);
    }
    return this.text;
  }
}

const PLAIN = /^[\w.:@+ /-]*$/;
/** Whether text goes into a JSON string as it is: letters, digits and `_.:@+ /-` only (addresses, most names). */
export function isPlainJson(text: string): boolean {
  return PLAIN.test(text);
}

/** A JSON string literal: addresses, jail and most user names need no escaping, so the general path is skipped for them. */
export function jsonString(text: string): string {
  return isPlainJson(text) ? `"${text}"` : JSON.stringify(text);
}
