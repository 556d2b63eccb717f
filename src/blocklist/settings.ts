import { resolveConfigPath, type BlocklistConfig, type ListFormat } from '../config/index.js';
import { isUrl } from './fetch.js';

/** One `[blocklists.NAME]` table as the lists use it (checked by the config loader). */
export interface BlocklistSettings {
  name: string;
  /** A URL, or an absolute file path. */
  source: string;
  /** Seconds between downloads. */
  refresh: number;
  format: ListFormat;
  /** ipsum: lines with a lower count are skipped. */
  minCount: number;
  maxEntries: number;
}

/** The config's `[blocklists]`, in order, with relative file sources resolved against the config file's folder. */
export function blocklistSettings(configPath: string, tables: Record<string, BlocklistConfig> | undefined): BlocklistSettings[] {
  return Object.entries(tables ?? {}).map(([name, t]) => ({
    name,
    source: isUrl(t.source) ? t.source : resolveConfigPath(configPath, t.source),
    refresh: t.refresh,
    format: t.format,
    minCount: t.min_count,
    maxEntries: t.max_entries,
  }));
}
