import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parseIni, type IniFile } from '../engine/filter/ini-reader.js';

/** One value of the merged jail configuration, with where it was last set. */
export interface JailValue {
  text: string;
  file: string;
  line: number;
  /** The value this one replaced (an earlier file's), for `%(known/name)s`. */
  previous?: JailValue;
}

/** Section name -> key -> value, after every file has been applied in fail2ban's order. */
export type JailSections = Map<string, Map<string, JailValue>>;

/** What was read: the merged sections, and each file in the order it was applied. */
export interface JailFiles {
  sections: JailSections;
  files: string[];
}

/**
 * Reads fail2ban's jail configuration as fail2ban does: `jail.conf`, `jail.d/*.conf`,
 * `jail.local`, `jail.d/*.local` (each folder in name order), each file with its
 * `[INCLUDES] before/after` (found next to it). A later value of a key replaces an earlier one.
 */
export function readJailFiles(dir: string): JailFiles {
  const sections: JailSections = new Map();
  const files: string[] = [];
  const inFolder = (ext: string): string[] => {
    const folder = join(dir, 'jail.d');
    if (!existsSync(folder)) return [];
    return readdirSync(folder).filter((name) => name.endsWith(ext) && !name.startsWith('.')).sort().map((name) => join(folder, name));
  };
  const order = [join(dir, 'jail.conf'), ...inFolder('.conf'), join(dir, 'jail.local'), ...inFolder('.local')];
  for (const file of order) {
    if (existsSync(file)) applyFile(file, dir, sections, files, new Set());
  }
  return { sections, files };
}

function applyFile(file: string, dir: string, into: JailSections, files: string[], seen: Set<string>): void {
  if (seen.has(file)) return;
  seen.add(file);
  const ini = parseIni(readFileSync(file, 'utf8'), file);
  for (const included of includes(ini, dir, 'before')) applyFile(included, dir, into, files, seen);
  files.push(file);
  for (const [name, section] of ini.sections) {
    if (name === 'INCLUDES') continue;
    const target = into.get(name) ?? new Map<string, JailValue>();
    into.set(name, target);
    for (const [key, value] of section) {
      const previous = target.get(key);
      target.set(key, { text: value.text, file, line: value.lines[0] ?? 0, ...(previous ? { previous } : {}) });
    }
  }
  for (const included of includes(ini, dir, 'after')) applyFile(included, dir, into, files, seen);
}

function includes(ini: IniFile, dir: string, key: 'before' | 'after'): string[] {
  const names = (ini.sections.get('INCLUDES')?.get(key)?.text ?? '').split(/\s+/).filter(Boolean);
  // A missing include is skipped, as fail2ban does (paths-*.conf differ between systems).
  return names.map((name) => (isAbsolute(name) ? name : join(dir, name))).filter((path) => existsSync(path));
}
