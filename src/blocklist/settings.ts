import { checkDuration } from '../domain/duration.js';
import { LIST_FORMATS, type ListFormat } from './parse.js';

/** One `[blocklists.NAME]` table, checked. */
export interface BlocklistSettings {
  name: string;
  source: string;
  /** Seconds between downloads. */
  refresh: number;
  format: ListFormat;
  /** ipsum: lines with a lower count are skipped. */
  minCount: number;
  maxEntries: number;
}

export const DEFAULT_REFRESH = 6 * 3600;
export const DEFAULT_MAX_ENTRIES = 1_000_000;
const KEYS = new Set(['source', 'refresh', 'format', 'min_count', 'max_entries']);

/** Checks the `[blocklists]` table; throws an Error naming the key (`blocklists.NAME.KEY`). */
export function checkBlocklists(table: unknown): BlocklistSettings[] {
  if (table === undefined) return [];
  if (typeof table !== 'object' || table === null || Array.isArray(table)) throw new Error('blocklists: must be a table of [blocklists.NAME] tables');
  return Object.entries(table as Record<string, unknown>).map(([name, raw]) => checkOne(name, raw));
}

function checkOne(name: string, raw: unknown): BlocklistSettings {
  const at = `blocklists.${name}`;
  if (!/^[a-z][a-z0-9_-]{0,15}$/.test(name)) throw new Error(`${at}: the name must be 1-16 of a-z, 0-9, _ and -, starting with a letter`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${at}: must be a table`);
  const t = raw as Record<string, unknown>;
  for (const key of Object.keys(t)) if (!KEYS.has(key)) throw new Error(`${at}.${key}: unknown key (known: ${[...KEYS].join(', ')})`);
  const source = t.source;
  if (typeof source !== 'string' || source.trim() === '') throw new Error(`${at}.source: required, an https:// or http:// URL or a file path`);
  if (/^[a-z]+:\/\//i.test(source) && !/^https?:\/\/[^/\s]+/i.test(source)) throw new Error(`${at}.source: only https:// and http:// URLs are read, got "${source}"`);
  let refresh = DEFAULT_REFRESH;
  if (t.refresh !== undefined) {
    const d = checkDuration(t.refresh);
    if (!d.ok) throw new Error(`${at}.refresh: ${d.message}`);
    if (d.seconds < 60) throw new Error(`${at}.refresh: at least 1m`);
    refresh = d.seconds;
  }
  const format = t.format ?? 'auto';
  if (typeof format !== 'string' || !LIST_FORMATS.includes(format as ListFormat)) throw new Error(`${at}.format: one of ${LIST_FORMATS.join(', ')}`);
  const minCount = positive(t.min_count, 1, `${at}.min_count`);
  const maxEntries = positive(t.max_entries, DEFAULT_MAX_ENTRIES, `${at}.max_entries`);
  return { name, source, refresh, format: format as ListFormat, minCount, maxEntries };
}

function positive(value: unknown, fallback: number, key: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw new Error(`${key}: a whole number of at least 1`);
  return value;
}
