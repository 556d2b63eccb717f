import { FilterError } from '../engine/filter/index.js';
import { ValueResolver, type Entry, type Sections } from '../engine/filter/value-resolver.js';
import type { JailSections, JailValue } from './jail-files.js';

/** A value of a jail with every `%(name)s` replaced, and the names that could not be. */
export interface Resolved {
  text: string;
  /** Where the jail's (or [DEFAULT]'s) value was set. */
  file: string;
  line: number;
  missing: string[];
}

/**
 * Looks a key up for one jail as fail2ban's config parser does: the jail's own section, then
 * `[DEFAULT]`. The interpolation is the filter reader's (ValueResolver), read in the jail's
 * section and without tags: references resolve in the jail's context (so `%(port)s` in a
 * [DEFAULT] value takes the jail's port), `%(__name__)s` is the jail's name, `%(sec/name)s`
 * reads another section, `%(known/name)s` the value an earlier file set, `%%` is a literal `%`.
 * A reference nothing defines is left as written and listed in `missing`.
 */
export function lookup(sections: JailSections, jail: string, key: string): Resolved | undefined {
  const own = sections.get(jail)?.get(key) ?? sections.get('DEFAULT')?.get(key);
  if (!own) return undefined;
  const missing: string[] = [];
  const resolver = new ValueResolver(asEntries(sections), own.file, { tags: false, onMissing: (reference) => missing.push(reference) });
  try {
    const text = resolver.lines(jail, key, 0, asEntry(own)).map((p) => p.pattern).join('\n');
    return { text, file: own.file, line: own.line, missing };
  } catch (err) {
    // A reference loop: reported as what could not be resolved, the value left as written.
    if (!(err instanceof FilterError)) throw err;
    return { text: own.text, file: own.file, line: own.line, missing: [...missing, err.reason] };
  }
}

/** Converted once per section map: lookups run for every key of every jail. */
const converted = new WeakMap<JailSections, Sections>();

function asEntries(sections: JailSections): Sections {
  let entries = converted.get(sections);
  if (!entries) {
    entries = new Map();
    // A jail file has no [Init]: the filter reader reads one first, so none is handed over.
    for (const [name, values] of sections) {
      if (name !== 'Init') entries.set(name, new Map([...values].map(([key, value]) => [key, asEntry(value)])));
    }
    converted.set(sections, entries);
  }
  return entries;
}

const entryOf = new WeakMap<JailValue, Entry>();

function asEntry(value: JailValue): Entry {
  let entry = entryOf.get(value);
  if (!entry) {
    entry = { value: { text: value.text, lines: value.text.split('\n').map(() => value.line) }, file: value.file };
    if (value.previous) entry.previous = asEntry(value.previous);
    entryOf.set(value, entry);
  }
  return entry;
}
