import { FilterError, type IniValue } from './ini-reader.js';
import type { PatternSource } from './types.js';

/** Tags the regex compiler expands; they are never looked up as values. */
const REGEX_TAGS = new Set(['HOST', 'ADDR', 'IP4', 'IP6', 'DNS', 'CIDR', 'SUBNET', 'SKIPLINES']);

/** One value as read, with the file it came from and the value it overrode. */
export interface Entry {
  value: IniValue;
  file: string;
  /** The value this one overrode, for `%(known/name)s`. */
  previous?: Entry;
}
export type Sections = Map<string, Map<string, Entry>>;

const INTERPOLATION = /%\(([\w/.-]+)\)s/g;
const ESCAPED_PERCENT = '\u0000';
const TAG = /<([\w/.-]+)>/g;
const NESTED_TAG = /<([\w/.-]*)<([\w/.-]+)>([\w/.-]*)>/g;
const ONLY_REFERENCE = /^(?:%\(([\w/.-]+)\)s|<([\w/.-]+)>)$/;

/** A value found for a reference, and the section its own `%(name)s` references are read in. */
interface Target {
  context: string;
  key: string;
  entry: Entry;
}

/** How a {@link ValueResolver} reads: as a filter (the default), or as fail2ban's jail files do. */
export interface ResolverOptions {
  /** Substitute `<name>` tags (default true); jail files have none, a `<...>` there is text. */
  tags?: boolean;
  /** Called for a `%(name)s` nothing defines, which is then left as written; without it, that is an error. */
  onMissing?: (reference: string) => void;
}

/**
 * Resolves values the way fail2ban's filter reader does (and, with {@link ResolverOptions}, its
 * jail reader: the same ConfigParser interpolation, without tags):
 * - `%(name)s` is ConfigParser interpolation in the section being read (`[Init]` values first, as
 *   fail2ban passes them as `vars`, then the section, then `[DEFAULT]`), even inside a value that
 *   came from `[DEFAULT]`; `%(sec/name)s` reads another section; `%(known/name)s` is the value
 *   `name` had before this one overrode it (an earlier file's, or `[DEFAULT]`'s).
 * - `<name>` tags are substituted afterwards over the filter's combined options (`[Init]` over
 *   `[Definition]` over `[DEFAULT]`) wherever the text came from, so a filter's `_daemon` reaches
 *   common.conf's `__prefix_line`; `<sec/name>` reads another section, and nested tags such as
 *   `<lt_<logtype>/__prefix_line>` or `<mdre-<mode>>` resolve inner first.
 * - `%(__name__)s` is the name of the section being read; `%%` is a literal `%`.
 */
export class ValueResolver {
  constructor(
    private readonly sections: Sections,
    private readonly file: string,
    private readonly options: ResolverOptions = {},
  ) {}

  /** The effective entry of a filter option: `[Init]`, then `[Definition]`, then `[DEFAULT]`. */
  option(key: string): Entry | undefined {
    return this.find('Init', key) ?? this.find('Definition', key) ?? this.find('DEFAULT', key);
  }

  /** The section an option's effective entry is read in. */
  optionSection(key: string): string {
    return this.find('Init', key) ? 'Init' : 'Definition';
  }

  /** A value resolved line by line, each line keeping the file and line it came from. */
  lines(context: string, key: string, depth = 0, entry = this.find(context, key)): PatternSource[] {
    if (!entry) {
      throw new FilterError(this.file, undefined, `[${context}] has no "${key}"`);
    }
    if (depth > 30) {
      throw new FilterError(entry.file, entry.value.lines[0], `interpolation of "${key}" is too deep (a reference loop?)`);
    }
    const out: PatternSource[] = [];
    const rows = entry.value.text.split('\n');
    rows.forEach((row, i) => {
      const line = entry.value.lines[i] ?? entry.value.lines[0] ?? 0;
      // A row that is one reference expands to the referenced value's own lines, so each
      // pattern keeps the line it was written on.
      const only = this.onlyReference(row.trim(), context, key, entry, line, depth);
      if (only) {
        out.push(...this.lines(only.context, only.key, depth + 1, only.entry));
        return;
      }
      const text = this.substitute(row, context, key, entry, line, depth);
      for (const part of text.split('\n')) {
        out.push({ pattern: part, file: entry.file, line });
      }
    });
    return out;
  }

  private onlyReference(row: string, context: string, key: string, entry: Entry, line: number, depth: number): Target | undefined {
    const only = ONLY_REFERENCE.exec(row);
    if (only?.[1] !== undefined) return this.interpolated(context, key, only[1], entry, line);
    if (this.options.tags === false) return undefined;
    if (only?.[2] !== undefined) return this.isRegexTag(only[2]) ? undefined : this.tagged(key, only[2], entry);
    const nested = /^<([\w/.-]*<[\w/.-]+>[\w/.-]*)>$/.exec(row);
    if (!nested) return undefined;
    const name = this.substitute(nested[1]!, context, key, entry, line, depth);
    return /^[\w/.-]+$/.test(name) ? this.tagged(key, name, entry) : undefined;
  }

  private substitute(text: string, context: string, key: string, entry: Entry, line: number, depth: number): string {
    // `%%` is a literal `%`: set aside first so it neither starts a reference nor is halved twice.
    let result = text.replace(/%%/g, ESCAPED_PERCENT);
    const tags = this.options.tags !== false;
    for (let round = 0; round < 30; round++) {
      const interpolated = result.replace(INTERPOLATION, (whole, name: string) => {
        const target = this.interpolated(context, key, name, entry, line);
        if (target) return this.resolved(target, depth);
        if (!this.options.onMissing) throw new FilterError(entry.file, line, `%(${name})s is not defined`);
        this.options.onMissing(whole);
        // Left as written, its `%` set aside so it is not looked at again.
        return whole.replace(/%/g, ESCAPED_PERCENT);
      });
      const next = !tags
        ? interpolated
        : interpolated.replace(TAG, (whole, name: string) => {
          if (this.isRegexTag(name)) return whole;
          const target = this.tagged(key, name, entry);
          return target ? this.resolved(target, depth) : whole;
        });
      if (next === result) break;
      result = next;
    }
    if (tags) this.checkNestedTags(text, key, entry, line, depth);
    return result.replaceAll(ESCAPED_PERCENT, '%');
  }

  /**
   * A nested tag (`<mdre-<mode>>`) whose inner value names a tag nothing defines (a mode the
   * filter does not have) would stay in the pattern as literal text that never matches: refused.
   */
  private checkNestedTags(text: string, key: string, entry: Entry, line: number, depth: number): void {
    for (const [, before, inner, after] of text.matchAll(NESTED_TAG)) {
      const target = this.tagged(key, inner!, entry);
      if (!target) continue;
      const name = `${before}${this.resolved(target, depth).replaceAll(ESCAPED_PERCENT, '%')}${after}`;
      if (!/^[\w/.-]+$/.test(name) || this.isRegexTag(name) || this.tagged(key, name, entry)) continue;
      throw new FilterError(entry.file, line, `<${before}<${inner}>${after}> names <${name}>, which this filter does not define: is ${inner} = "${name.slice(before!.length, name.length - after!.length)}" a value this filter has?`);
    }
  }


  /** A referenced value, fully resolved; any `%` left in it is literal, so it is set aside again. */
  private resolved(target: Target, depth: number): string {
    const text = this.lines(target.context, target.key, depth + 1, target.entry).map((p) => p.pattern).join('\n');
    return text.replace(/%/g, ESCAPED_PERCENT);
  }

  private isRegexTag(name: string): boolean {
    return REGEX_TAGS.has(name) || name.startsWith('F-') || name.startsWith('/F-');
  }

  /** `%(name)s` read in `context`. */
  private interpolated(context: string, key: string, name: string, entry: Entry, line: number): Target | undefined {
    if (name === '__name__') return { context, key: name, entry: { value: { text: context, lines: [line] }, file: entry.file } };
    if (name.startsWith('known/')) return this.known(context, key, name.slice('known/'.length), entry, line);
    const slash = name.indexOf('/');
    if (slash > 0) return this.inSection(name.slice(0, slash), name.slice(slash + 1));
    const order = context === 'Definition' || context === 'Init' ? ['Init', 'Definition', 'DEFAULT'] : ['Init', context, 'DEFAULT'];
    for (const section of order) {
      const found = this.find(section, name);
      if (found && found !== entry) return { context: section === 'Init' ? 'Init' : context, key: name, entry: found };
    }
    return undefined;
  }

  /** `<name>` over the combined options, wherever the text came from. */
  private tagged(key: string, name: string, entry: Entry): Target | undefined {
    if (name.startsWith('known/')) return this.known('Definition', key, name.slice('known/'.length), entry, 0);
    const slash = name.indexOf('/');
    if (slash > 0) return this.inSection(name.slice(0, slash), name.slice(slash + 1));
    for (const section of ['Init', 'Definition', 'DEFAULT']) {
      const found = this.find(section, name);
      if (found && found !== entry) return { context: section === 'Init' ? 'Init' : 'Definition', key: name, entry: found };
    }
    return undefined;
  }

  private inSection(section: string, name: string): Target | undefined {
    const found = this.find(section, name) ?? this.find('DEFAULT', name);
    return found ? { context: section, key: name, entry: found } : undefined;
  }

  private known(context: string, key: string, bare: string, entry: Entry, line: number): Target {
    const current = bare === key ? entry : this.find(context, bare);
    const fromDefault = this.find('DEFAULT', bare);
    let own = current?.previous;
    if (!own && fromDefault && fromDefault !== current) own = fromDefault;
    if (!own && !current) own = fromDefault;
    if (!own) throw new FilterError(entry.file, line, `%(known/${bare})s: "${bare}" has no earlier value`);
    return { context, key: bare, entry: own };
  }

  private find(section: string, key: string): Entry | undefined {
    return this.sections.get(section)?.get(key);
  }
}
