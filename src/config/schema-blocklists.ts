import { z } from 'zod';
import { describeValue } from './errors.js';
import { duration, oneOf, positiveInt, table, text } from './schema-parts.js';

/** How a list's lines are read. `auto` reads plain, Spamhaus DROP and ipsum lines alike. */
export type ListFormat = 'auto' | 'plain' | 'spamhaus' | 'ipsum';
export const LIST_FORMATS = ['auto', 'plain', 'spamhaus', 'ipsum'] as const satisfies readonly ListFormat[];

/** Seconds between downloads when `refresh` is not set. */
export const DEFAULT_REFRESH = 6 * 3600;
/** Entries a download may hold when `max_entries` is not set. */
export const DEFAULT_MAX_ENTRIES = 1_000_000;
/**
 * A list's name: it becomes part of kernel set names (`pcbl-NAME-4n` must fit ipset's 31
 * characters), hence short and plain.
 */
export const BLOCKLIST_NAME = /^[a-z][a-z0-9_-]{0,15}$/;

/** `[blocklists.NAME]`: one list of hostile networks dropped in the kernel. */
export interface BlocklistConfig {
  /** An `https://` or `http://` URL, or a file path (relative: to the config file's folder). */
  source: string;
  /** Seconds between downloads (at least 60). */
  refresh: number;
  format: ListFormat;
  /** ipsum: lines with a lower count are skipped. */
  min_count: number;
  /** A download with more entries is refused (the previous list stays). */
  max_entries: number;
}

export const blocklistShape = {
  source: text().superRefine((value, ctx) => {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) && !/^https?:\/\/[^/\s]+/i.test(value)) {
      ctx.addIssue({ code: 'custom', message: `${describeValue(value)}: only https:// and http:// URLs are read (or give a file path)` });
    } else if (/[\x00-\x1f\x7f]/.test(value)) {
      ctx.addIssue({ code: 'custom', message: 'expected a URL or path without control characters' });
    }
  }),
  refresh: duration().pipe(z.number().min(60, { error: 'expected at least "1m"' })).prefault('6h'),
  format: oneOf(LIST_FORMATS).default('auto'),
  min_count: positiveInt().default(1),
  max_entries: positiveInt().default(DEFAULT_MAX_ENTRIES),
};

/** `[blocklists]`: lists by name. */
export const blocklistsSchema = z.record(
  z.string().regex(BLOCKLIST_NAME, { error: 'blocklist names are 1-16 of a-z, 0-9, "_" and "-", starting with a letter' }),
  table(blocklistShape),
  { error: 'expected a table of [blocklists.NAME] tables' },
);
