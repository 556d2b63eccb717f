/** One value of an INI section, with the line it starts on and the line of each continuation. */
export interface IniValue {
  /** The value's lines joined with `\n` (continuation lines trimmed, comments dropped). */
  text: string;
  /** For each line of `text`, the 1-based line in the file. */
  lines: number[];
}

/** A parsed INI file: section name -> key -> value, in file order. */
export interface IniFile {
  file: string;
  sections: Map<string, Map<string, IniValue>>;
}

/** A filter file that cannot be read; names the file and line. */
export class FilterError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly reason: string,
  ) {
    super(line === undefined ? `${file}: ${reason}` : `${file}:${line}: ${reason}`);
    this.name = 'FilterError';
  }
}

const SECTION = /^\[([^\]]+)\]\s*$/;
const ASSIGN = /^([^=:\s][^=:]*?)\s*[=:]\s?(.*)$/;

/**
 * Reads the INI dialect of fail2ban's filter.d files: `[section]`, `key = value` or `key: value`,
 * values continued on indented lines, `#` and `;` comment lines (also inside a continued value).
 * A key repeated in one section replaces the earlier value, as Python's reader does with strict off.
 */
export function parseIni(text: string, file: string): IniFile {
  const sections = new Map<string, Map<string, IniValue>>();
  let section: Map<string, IniValue> | undefined;
  let current: IniValue | undefined;
  const rows = text.split(/\r?\n/);
  for (let i = 0; i < rows.length; i++) {
    const raw = rows[i] ?? '';
    const lineNo = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '') {
      continue;
    }
    if (trimmed.startsWith('#') || trimmed.startsWith(';')) {
      continue;
    }
    const indented = /^\s/.test(raw);
    if (indented && current) {
      current.text += `\n${trimmed}`;
      current.lines.push(lineNo);
      continue;
    }
    const head = SECTION.exec(trimmed);
    if (head && !indented) {
      const name = head[1]!.trim();
      section = sections.get(name) ?? new Map();
      sections.set(name, section);
      current = undefined;
      continue;
    }
    const assign = ASSIGN.exec(trimmed);
    if (!assign) {
      throw new FilterError(file, lineNo, `cannot read this line (expected "key = value" or "[section]"): ${trimmed}`);
    }
    if (!section) {
      throw new FilterError(file, lineNo, `"${assign[1]}" is outside any [section]`);
    }
    current = { text: assign[2]!.trim(), lines: [lineNo] };
    section.set(assign[1]!.trim(), current);
  }
  return { file, sections };
}
