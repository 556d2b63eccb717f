import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FilterError, parseIni } from './ini-reader.js';
import { ValueResolver, type Entry, type Sections } from './value-resolver.js';
import type { FilterDefinition, PatternSource } from './types.js';

/** The filters shipped with portcullis (this file is three folders below the package root). */
export const SHIPPED_FILTER_DIR = fileURLToPath(new URL('../../../filters/', import.meta.url));


/**
 * Finds a filter by path or by name. A name is looked up in `dirs` in order (a user's folder
 * before the shipped one), as `<name>.conf` then `<name>.local`.
 */
export function resolveFilterPath(nameOrPath: string, dirs: string[] = [SHIPPED_FILTER_DIR]): string {
  if (looksLikePath(nameOrPath)) {
    const full = resolve(nameOrPath);
    if (!existsSync(full)) {
      throw new FilterError(nameOrPath, undefined, 'no such filter file');
    }
    return full;
  }
  // A `.conf` anywhere wins over a lone `.local`: a user's folder may hold only overrides.
  for (const ext of ['.conf', '.local']) {
    for (const dir of dirs) {
      const candidate = join(dir, nameOrPath + ext);
      if (existsSync(candidate)) {
        return candidate;
      }
    }
  }
  throw new FilterError(nameOrPath, undefined, `no filter of that name in ${dirs.join(', ')}`);
}

function looksLikePath(nameOrPath: string): boolean {
  return nameOrPath.includes('/') || /\.(conf|local)$/.test(nameOrPath);
}

/**
 * Values a jail hands its filter, as fail2ban's `filter = sshd[mode=aggressive]` does: each
 * overrides the filter's own `[Init]` (or `[Definition]`) value of that name, whose old value
 * stays readable as `known/<name>`. `file` and `line` say where they were written, for errors.
 */
export interface FilterInit {
  values: Readonly<Record<string, string>>;
  file: string;
  line?: number;
}

/** Reads a filter file with its includes and `.local` overrides and resolves every value. */
export function loadFilter(nameOrPath: string, dirs: string[] = [SHIPPED_FILTER_DIR], init?: FilterInit): FilterDefinition {
  return readDefinition(nameOrPath, resolveFilterPath(nameOrPath, dirs), { dirs, ...(init ? { init } : {}) });
}

/**
 * Reads a filter from text that is not saved (the console's filter editor), as if it were
 * `<dirs[0]>/<name>.conf`: errors name that file and the line, and includes are found next to it
 * or in `dirs` (so `before = common.conf` finds the shipped one).
 */
export function loadFilterText(text: string, name: string, dirs: string[] = [SHIPPED_FILTER_DIR]): FilterDefinition {
  const file = resolve(dirs[0] ?? SHIPPED_FILTER_DIR, `${name}.conf`);
  return readDefinition(name, file, { dirs, text: { file, text } });
}

/** How a filter file is read: where includes are looked for, and text standing in for one file. */
interface ReadContext {
  dirs: string[];
  text?: { file: string; text: string };
  init?: FilterInit;
}

function readDefinition(nameOrPath: string, file: string, context: ReadContext): FilterDefinition {
  const { dirs } = context;
  const sections: Sections = new Map();
  readWithIncludes(file, sections, new Set(), context);
  // `<name>.local` in the other folders (a user's overrides of a shipped filter): the folder
  // listed first is applied last, so it wins.
  if (!looksLikePath(nameOrPath)) {
    const own = file.replace(/\.(conf|local)$/, '.local');
    for (const dir of [...dirs].reverse()) {
      const local = join(dir, `${nameOrPath}.local`);
      if (local !== own && local !== file && existsSync(local)) readWithIncludes(local, sections, new Set(), context);
    }
  }
  if (context.init) applyInit(sections, context.init);
  const resolver = new ValueResolver(sections, file);
  const keys = new Set([...(sections.get('Definition')?.keys() ?? []), ...(sections.get('Init')?.keys() ?? [])]);
  const resolve = (key: string): PatternSource[] => {
    const entry = resolver.option(key);
    return entry ? resolver.lines(resolver.optionSection(key), key, 0, entry) : [];
  };
  const values: Record<string, string> = {};
  for (const key of keys) {
    values[key] = resolve(key).map((p) => p.pattern).join('\n');
  }
  const patterns = (key: string): PatternSource[] => resolve(key).filter((p) => p.pattern.trim() !== '');
  const prefregex = patterns('prefregex')[0];
  const maxlines = Number(values.maxlines ?? 1);
  const name = basename(file).replace(/\.(conf|local)$/, '');
  const def: FilterDefinition = {
    name,
    file,
    failregex: patterns('failregex'),
    ignoreregex: patterns('ignoreregex'),
    datepattern: patterns('datepattern'),
    maxlines: Number.isFinite(maxlines) && maxlines > 0 ? maxlines : 1,
    values,
  };
  if (prefregex) {
    def.prefregex = prefregex;
  }
  if (def.failregex.length === 0) {
    throw new FilterError(file, undefined, 'no failregex in [Definition]');
  }
  return def;
}

function applyInit(sections: Sections, init: FilterInit): void {
  const target = sections.get('Init') ?? new Map<string, Entry>();
  sections.set('Init', target);
  for (const [key, text] of Object.entries(init.values)) {
    const previous = target.get(key) ?? sections.get('Definition')?.get(key);
    const entry: Entry = { value: { text, lines: init.line === undefined ? [] : [init.line] }, file: init.file };
    target.set(key, previous ? { ...entry, previous } : entry);
  }
}

function readWithIncludes(file: string, into: Sections, seen: Set<string>, context: ReadContext): void {
  if (seen.has(file)) {
    throw new FilterError(file, undefined, 'includes itself (include loop)');
  }
  seen.add(file);
  const layers = [file];
  const local = file.replace(/\.conf$/, '.local');
  if (local !== file && existsSync(local)) {
    layers.push(local);
  }
  const parsed = layers.map((f) => parseIni(f === context.text?.file ? context.text.text : readFileSync(f, 'utf8'), f));
  const includes = (key: 'before' | 'after'): string[] =>
    parsed.flatMap((ini) =>
      (ini.sections.get('INCLUDES')?.get(key)?.text ?? '').split(/\s+/).filter(Boolean).map((name) => {
        // Next to the including file first, then the search folders: a user's filter in
        // filter.d/ includes the shipped common.conf by its bare name.
        const candidates = isAbsolute(name) ? [name] : [dirname(ini.file), ...context.dirs].map((dir) => join(dir, name));
        const path = candidates.find((candidate) => existsSync(candidate)) ?? candidates[0]!;
        if (!existsSync(path)) {
          // A `.local` is an optional override by definition, as in fail2ban; a missing `.conf` is a mistake.
          if (name.endsWith('.local')) return null;
          const line = ini.sections.get('INCLUDES')?.get(key)?.lines[0];
          throw new FilterError(ini.file, line, `included file not found: ${name}`);
        }
        return path;
      }).filter((path): path is string => path !== null),
    );
  for (const before of includes('before')) {
    readWithIncludes(before, into, seen, context);
  }
  for (const ini of parsed) {
    for (const [sectionName, section] of ini.sections) {
      if (sectionName === 'INCLUDES') {
        continue;
      }
      const target = into.get(sectionName) ?? new Map<string, Entry>();
      into.set(sectionName, target);
      for (const [key, value] of section) {
        const previous = target.get(key);
        target.set(key, previous ? { value, file: ini.file, previous } : { value, file: ini.file });
      }
    }
  }
  for (const after of includes('after')) {
    readWithIncludes(after, into, seen, context);
  }
  seen.delete(file);
}
