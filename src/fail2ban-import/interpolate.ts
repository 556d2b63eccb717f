import type { JailSections, JailValue } from './jail-files.js';

/** A value of a jail with every `%(name)s` replaced, and the names that could not be. */
export interface Resolved {
  text: string;
  /** Where the jail's (or [DEFAULT]'s) value was set. */
  file: string;
  line: number;
  missing: string[];
}

const REFERENCE = /%\((?:([^)/]+)\/)?([^)]+)\)s/g;
const DEPTH = 20;

/**
 * Looks a key up for one jail as fail2ban's config parser does: the jail's own section, then
 * `[DEFAULT]`; references resolve in the jail's context (so `%(port)s` in a [DEFAULT] value
 * takes the jail's port), `%(__name__)s` is the jail's name, `%%` is a literal `%`.
 */
export function lookup(sections: JailSections, jail: string, key: string): Resolved | undefined {
  const own = find(sections, jail, key);
  if (!own) return undefined;
  const missing: string[] = [];
  const text = expand(sections, jail, own.text, missing, 0);
  return { text, file: own.file, line: own.line, missing };
}

function find(sections: JailSections, jail: string, key: string): JailValue | undefined {
  return sections.get(jail)?.get(key) ?? sections.get('DEFAULT')?.get(key);
}

function expand(sections: JailSections, jail: string, text: string, missing: string[], depth: number): string {
  const replaced = text.replace(REFERENCE, (whole, section: string | undefined, name: string) => {
    if (name === '__name__' && !section) return jail;
    // `default/` is [DEFAULT]; `known/` (the value before an override) is taken as [DEFAULT]'s too.
    const target = section === 'default' || section === 'known' ? 'DEFAULT' : section;
    const value = target ? sections.get(target)?.get(name) : find(sections, jail, name);
    if (!value || depth >= DEPTH) {
      missing.push(whole);
      return whole;
    }
    return expand(sections, target === 'DEFAULT' || !target ? jail : target, value.text, missing, depth + 1);
  });
  return depth === 0 ? replaced.replace(/%%/g, '%') : replaced;
}
