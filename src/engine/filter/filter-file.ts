import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FilterError, parseIni, type IniValue } from './ini-reader.js';
import type { FilterDefinition, PatternSource } from './types.js';

/** The filters shipped with portcullis (this file is three folders below the package root). */
export const SHIPPED_FILTER_DIR = fileURLToPath(new URL('../../../filters/', import.meta.url));

/** Tags the regex compiler expands; they are never looked up as `[Init]` values. */
const REGEX_TAGS = new Set(['HOST', 'ADDR', 'IP4', 'IP6', 'DNS', 'CIDR', 'SUBNET', 'SKIPLINES']);

interface Entry {
  value: IniValue;
  file: string;
  /** The value this one overrode, for `%(known/name)s`. */
  previous?: Entry;
}
type Sections = Map<string, Map<string, Entry>>;

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

/** Reads a filter file with its includes and `.local` overrides and resolves every value. */
export function loadFilter(nameOrPath: string, dirs: string[] = [SHIPPED_FILTER_DIR]): FilterDefinition {
  return readDefinition(nameOrPath, resolveFilterPath(nameOrPath, dirs), { dirs });
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
  const resolver = new ValueResolver(sections, file);
  const definitionKeys = [...(sections.get('Definition')?.keys() ?? [])];
  const values: Record<string, string> = {};
  for (const key of definitionKeys) {
    values[key] = resolver.lines('Definition', key).map((p) => p.pattern).join('\n');
  }
  const patterns = (key: string): PatternSource[] =>
    sections.get('Definition')?.has(key) ? resolver.lines('Definition', key).filter((p) => p.pattern.trim() !== '') : [];
  const prefregex = patterns('prefregex')[0];
  const maxlines = Number(resolver.lookup('Init', 'maxlines') ?? resolver.lookup('Definition', 'maxlines') ?? 1);
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

const INTERPOLATION = /%\(([\w/.-]+)\)s/g;
const ESCAPED_PERCENT = '\u0000';
const TAG = /<([\w-]+)>/g;
const ONLY_REFERENCE = /^(?:%\(([\w/.-]+)\)s|<([\w-]+)>)$/;

/** Resolves `%(name)s` interpolation and `<name>` tags of `[Init]`/`[Definition]` values. */
class ValueResolver {
  constructor(
    private readonly sections: Sections,
    private readonly file: string,
  ) {}

  /** A raw value as text, or undefined. */
  lookup(section: string, key: string): string | undefined {
    return this.find(section, key)?.value.text;
  }

  /** A value resolved line by line, each line keeping the file and line it came from. */
  lines(section: string, key: string, depth = 0, entry = this.find(section, key)): PatternSource[] {
    if (!entry) {
      throw new FilterError(this.file, undefined, `[${section}] has no "${key}"`);
    }
    if (depth > 20) {
      throw new FilterError(entry.file, entry.value.lines[0], `interpolation of "${key}" is too deep (a reference loop?)`);
    }
    const out: PatternSource[] = [];
    const rows = entry.value.text.split('\n');
    rows.forEach((row, i) => {
      const line = entry.value.lines[i] ?? entry.value.lines[0] ?? 0;
      const refName = this.referenceName(row.trim(), section, key, entry, line, depth);
      if (refName && !this.isRegexTag(refName)) {
        const target = this.reference(section, key, refName, entry, line);
        if (target) {
          out.push(...this.lines(target.section, target.key, depth + 1, target.entry));
          return;
        }
      }
      const text = this.substitute(row, section, key, entry, line, depth);
      for (const part of text.split('\n')) {
        out.push({ pattern: part, file: entry.file, line });
      }
    });
    return out;
  }

  /**
   * The name a row refers to when the row is nothing but one reference: `%(name)s`, `<name>`, or
   * a nested tag such as `<mode_<mode>>` (its inner tags resolved first). Such a row expands to
   * the referenced value's own lines, so each pattern keeps the line it was written on.
   */
  private referenceName(row: string, section: string, key: string, entry: Entry, line: number, depth: number): string | undefined {
    const only = ONLY_REFERENCE.exec(row);
    if (only) return only[1] ?? only[2];
    const nested = /^<([\w-]*<[\w-]+>[\w-]*)>$/.exec(row);
    if (!nested) return undefined;
    const name = this.substitute(nested[1]!, section, key, entry, line, depth);
    return /^[\w-]+$/.test(name) ? name : undefined;
  }

  private substitute(text: string, section: string, key: string, entry: Entry, line: number, depth: number): string {
    // `%%` is a literal `%`: set aside first so it neither starts a reference nor is halved twice.
    let result = text.replace(/%%/g, ESCAPED_PERCENT);
    for (let round = 0; round < 20; round++) {
      const next = result
        .replace(INTERPOLATION, (_m, name: string) => {
          const target = this.reference(section, key, name, entry, line);
          if (!target) {
            throw new FilterError(entry.file, line, `%(${name})s is not defined`);
          }
          return this.resolved(target, depth);
        })
        .replace(TAG, (whole, name: string) => {
          if (this.isRegexTag(name)) {
            return whole;
          }
          const target = this.reference(section, key, name, entry, line);
          return target ? this.resolved(target, depth) : whole;
        });
      if (next === result) {
        return result.replaceAll(ESCAPED_PERCENT, '%');
      }
      result = next;
    }
    return result.replaceAll(ESCAPED_PERCENT, '%');
  }

  /** A referenced value, fully resolved; any `%` left in it is literal, so it is set aside again. */
  private resolved(target: { section: string; key: string; entry: Entry }, depth: number): string {
    const text = this.lines(target.section, target.key, depth + 1, target.entry).map((p) => p.pattern).join('\n');
    return text.replace(/%/g, ESCAPED_PERCENT);
  }

  private isRegexTag(name: string): boolean {
    return REGEX_TAGS.has(name) || name.startsWith('F-');
  }

  private reference(
    section: string,
    key: string,
    name: string,
    entry: Entry,
    line: number,
  ): { section: string; key: string; entry: Entry } | undefined {
    if (name.startsWith('known/')) {
      const bare = name.slice('known/'.length);
      const own = bare === key ? entry.previous : this.find(section, bare)?.previous ?? this.find(section, bare);
      if (!own) {
        throw new FilterError(entry.file, line, `%(${name})s: "${bare}" has no earlier value`);
      }
      return { section, key: bare, entry: own };
    }
    for (const candidate of [section, 'Init', 'DEFAULT', 'Definition']) {
      const found = this.find(candidate, name);
      if (found && !(candidate === section && name === key)) {
        return { section: candidate, key: name, entry: found };
      }
    }
    return undefined;
  }

  private find(section: string, key: string): Entry | undefined {
    return this.sections.get(section)?.get(key);
  }
}
