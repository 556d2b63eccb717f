import path from 'node:path';
import { locateKey, userFilterDir, type JailConfig } from '../config/index.js';
import { FilterError, loadFilter, resolveFilterPath, SHIPPED_FILTER_DIR } from './filter/index.js';
import type { FilterDefinition } from './filter/types.js';

/** fail2ban's own filters on a Debian host: offered to pick from when the folder is there. */
export const STOCK_FILTER_DIR = '/etc/fail2ban/filter.d';

/**
 * Where a jail's filter name is looked up, in order: the folders given (`--filter-dir`), the
 * user's `filter.d/` next to the config file, then the filters shipped with portcullis.
 */
export function filterSearchDirs(configPath: string, extra: readonly string[] = []): string[] {
  const dirs = [...extra, userFilterDir(configPath), SHIPPED_FILTER_DIR].map((dir) => path.resolve(dir));
  return [...new Set(dirs)];
}

/** The folders a jail's filter may be in when it is named by its path: the search folders and fail2ban's stock one. */
export function filterFolders(searchDirs: readonly string[], stockDir: string = STOCK_FILTER_DIR): string[] {
  return [...new Set([...searchDirs, stockDir].map((dir) => path.resolve(dir)))];
}

/**
 * The file a jail's `filter` names: a name found in `searchDirs`, or a path, which must be in
 * one of `folders` (a config never points the engine at any file it can read).
 */
export function resolveJailFilter(filter: string, searchDirs: readonly string[], folders: readonly string[]): string {
  if (!path.isAbsolute(filter)) return resolveFilterPath(filter, [...searchDirs]);
  const file = path.resolve(filter);
  if (!folders.some((folder) => path.dirname(file) === path.resolve(folder))) {
    throw new FilterError(filter, undefined, `a filter named by its path must be in one of the filter folders: ${folders.join(', ')}`);
  }
  return resolveFilterPath(file, [...searchDirs]);
}

/** What loading a jail's filter needs besides the jail: the config file (for errors) and the folders. */
export interface JailFilterPlace {
  configPath: string;
  /** Where a name is looked up, in order ({@link filterSearchDirs}). */
  searchDirs: readonly string[];
  /** Where a path may point ({@link filterFolders}). */
  folders: readonly string[];
  /** fail2ban's stock folder among them. */
  stockDir: string;
}

/** The place of a config's filters: {@link filterSearchDirs} and {@link filterFolders} together. */
export function filterPlace(configPath: string, extra: readonly string[] = [], stockDir: string = STOCK_FILTER_DIR): JailFilterPlace {
  const searchDirs = filterSearchDirs(configPath, extra);
  return { configPath, searchDirs, folders: filterFolders(searchDirs, stockDir), stockDir: path.resolve(stockDir) };
}

/**
 * Reads the filter a jail uses, with the options the jail hands it (`filter_options`, fail2ban's
 * `filter = sshd[mode=aggressive]`); an option's errors name the config file and line.
 */
export function loadJailFilter(name: string, jail: Pick<JailConfig, 'filter' | 'filter_options'>, place: JailFilterPlace): FilterDefinition {
  const file = resolveJailFilter(jail.filter, place.searchDirs, place.folders);
  // A name is read by name, so a `<name>.local` in another folder still applies to it.
  const ref = path.isAbsolute(jail.filter) ? file : jail.filter;
  const options = jail.filter_options ?? {};
  if (Object.keys(options).length === 0) return loadFilter(ref, [...place.searchDirs]);
  const where = locateKey(place.configPath, ['jails', name, 'filter_options']);
  return loadFilter(ref, [...place.searchDirs], { values: options, file: where.file, ...(where.line !== undefined ? { line: where.line } : {}) });
}
