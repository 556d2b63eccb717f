import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FILTER_FILE, FILTER_NAME, FILTER_OPTION_NAME } from '../domain/field-rules.js';
import { compileFilter, loadFilter } from '../engine/filter/index.js';
import type { Resolved } from './interpolate.js';
import { readOptions } from './values.js';

/** Where a note points, and the note itself: the same shape convert.ts collects. */
type Note = (where: { file: string; line: number }, message: string) => void;

/** A jail's filter as the written config names it: fail2ban's own file, by its path. */
export interface JailFilterChoice {
  /** The absolute path of `<dir>/filter.d/<name>.conf` (or a lone `.local`). */
  file: string;
  /** `filter = name[mode=aggressive]`'s options, when the filter loads with them. */
  options?: Record<string, string>;
}

/**
 * The filter file a jail's `filter = name[options]` names in `filterDir` (fail2ban's
 * `filter.d`, absolute), checked the way the engine will read it: by path, with its own folder's
 * includes. Null, with a note on the line that named it, when the jail cannot run: no such file,
 * a name that is not a plain file name, or a filter portcullis refuses to compile. Options the
 * filter does not load with are reported and dropped, so the jail still runs the default mode.
 */
export function readJailFilter(jail: string, filterDir: string, value: Resolved | undefined, where: Resolved, note: Note): JailFilterChoice | null {
  const text = value?.text.trim() || jail;
  const match = /^([^[\s]+)\s*(?:\[(.*)\])?$/s.exec(text);
  const at = value ?? where;
  if (!match || !FILTER_NAME.test(match[1]!)) {
    note(at, `jail ${jail}: filter = ${text}: not a filter name portcullis can look up; left out`);
    return null;
  }
  const name = match[1]!;
  const file = ['.conf', '.local'].map((ext) => join(filterDir, name + ext)).find((path) => existsSync(path));
  if (!file) {
    note(at, `jail ${jail}: no filter file ${name}.conf or ${name}.local in ${filterDir}; left out`);
    return null;
  }
  if (!FILTER_FILE.test(file)) {
    note(at, `jail ${jail}: the filter's path ${JSON.stringify(file)} cannot be written in a portcullis config; left out`);
    return null;
  }
  const options = match[2] !== undefined ? readFilterOptions(jail, name, match[2], at, note) : undefined;
  const withOptions = options ? loadError(file, { values: options, file: at.file, line: at.line }) : null;
  if (options && !withOptions) return { file, options };
  const failed = loadError(file);
  if (failed) {
    note(at, `jail ${jail}: filter ${file} does not load here (${failed}); left out`);
    return null;
  }
  if (options) {
    const given = Object.entries(options).map(([k, v]) => `${k}=${v}`).join(', ');
    note(at, `jail ${jail}: filter ${name}[${given}] does not load (${withOptions}); the options are left out and the filter's default is used`);
  }
  return { file };
}

/** Why the filter file does not compile (as the engine reads a filter named by path), or null. */
function loadError(file: string, init?: { values: Record<string, string>; file: string; line: number }): string | null {
  try {
    compileFilter(loadFilter(file, [], init));
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** `name[key=value, ...]`'s options with names portcullis accepts; undefined when none are left. */
function readFilterOptions(jail: string, name: string, text: string, at: Resolved, note: Note): Record<string, string> | undefined {
  const options = readOptions(text);
  if (!options) {
    note(at, `jail ${jail}: filter ${name} options [${text}] cannot be read; left out`);
    return undefined;
  }
  for (const key of Object.keys(options)) {
    if (FILTER_OPTION_NAME.test(key)) continue;
    note(at, `jail ${jail}: filter option ${key}: portcullis option names use letters, digits, "_" and "-"; left out`);
    delete options[key];
  }
  return Object.keys(options).length ? options : undefined;
}
