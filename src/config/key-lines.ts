// Finding lines. smol-toml gives positions only for syntax errors, so for
// validation errors the key is looked up in the text. This is a line scanner,
// not a TOML parser: a miss only costs the line number, never the error.

/** A key path in the config: table names, keys and array indexes. */
export type KeyPath = Array<string | number>;

/** A `[table]` or `[[array]]` header and the lines up to the next one. */
interface Section {
  keys: string[];
  /** 1-based header line; 0 for the keys before the first header. */
  line: number;
  isArray: boolean;
  /** Assigned key and 1-based line of each `key = value` in the body. */
  assignments: Array<{ keys: string[]; line: number }>;
  /** 1-based last line of the body. */
  end: number;
}

const HEADER = /^\s*(\[\[?)(.*?)\]\]?\s*(?:#.*)?$/;
const ASSIGNMENT = /^\s*([A-Za-z0-9_\-."' ]+?)\s*=/;

/** The 1-based line where `keyPath` is set in `text`, or where its table starts; undefined if neither is found. */
export function findKeyLine(text: string, keyPath: KeyPath, value?: unknown): number | undefined {
  const lines = text.split(/\r?\n/);
  const sections = scanSections(lines);
  // Walk the path, choosing the n-th [[array]] section for an index after an array-table header.
  const keys: string[] = [];
  let arrayIndex: number | undefined;
  let i = 0;
  for (; i < keyPath.length; i++) {
    const seg = keyPath[i]!;
    if (typeof seg === 'number') {
      const isArrayTable = sections.some((s) => s.isArray && sameKeys(s.keys, keys));
      if (!isArrayTable || arrayIndex !== undefined) break;
      arrayIndex = seg;
      continue;
    }
    keys.push(seg);
  }
  const arrayElement = i < keyPath.length ? keyPath[i] : undefined;

  // Most specific first: the longest header, then the longest assigned key under it.
  for (let split = keys.length; split >= 0; split--) {
    const section = pickSection(sections, keys.slice(0, split), arrayIndex);
    if (!section) continue;
    const rest = keys.slice(split);
    for (let len = rest.length; len >= 1; len--) {
      const found = section.assignments.find((a) => sameKeys(a.keys, rest.slice(0, len)));
      if (!found) continue;
      // For an array element, try to point at the element's own line in a multi-line array.
      if (arrayElement !== undefined && len === rest.length && typeof value === 'string') {
        return findValueLine(lines, found.line, section.end, value) ?? found.line;
      }
      return found.line;
    }
  }
  for (let split = keys.length; split >= 1; split--) {
    const section = pickSection(sections, keys.slice(0, split), arrayIndex);
    if (section) return section.line;
  }
  return undefined;
}

function scanSections(lines: string[]): Section[] {
  const sections: Section[] = [{ keys: [], line: 0, isArray: false, assignments: [], end: lines.length }];
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const current = sections[sections.length - 1]!;
    const header = HEADER.exec(raw);
    const headerKeys = header ? splitDottedKey(header[2]!) : undefined;
    if (header && headerKeys) {
      current.end = lineNo - 1;
      sections.push({ keys: headerKeys, line: lineNo, isArray: header[1] === '[[', assignments: [], end: lines.length });
      return;
    }
    const assignment = ASSIGNMENT.exec(raw);
    const assignedKeys = assignment ? splitDottedKey(assignment[1]!) : undefined;
    if (assignedKeys) current.assignments.push({ keys: assignedKeys, line: lineNo });
  });
  return sections;
}

function pickSection(sections: Section[], keys: string[], arrayIndex: number | undefined): Section | undefined {
  const matching = sections.filter((s) => sameKeys(s.keys, keys));
  if (matching.some((s) => s.isArray) && arrayIndex !== undefined) return matching[arrayIndex];
  return matching[matching.length - 1];
}

/** `a."b.c".d` -> ["a", "b.c", "d"]; undefined if it is not a TOML key. */
function splitDottedKey(text: string): string[] | undefined {
  const part = /\s*(?:([A-Za-z0-9_-]+)|"((?:[^"\\]|\\.)*)"|'([^']*)')\s*(\.|$)/y;
  const keys: string[] = [];
  part.lastIndex = 0;
  while (part.lastIndex < text.length) {
    const m = part.exec(text);
    if (!m) return undefined;
    if (m[1] !== undefined) keys.push(m[1]);
    else if (m[2] !== undefined) keys.push(unescapeBasic(m[2]));
    else keys.push(m[3]!);
    if (m[4] === '') break;
  }
  return keys.length > 0 ? keys : undefined;
}

function unescapeBasic(text: string): string {
  try {
    return JSON.parse(`"${text}"`) as string;
  } catch {
    return text;
  }
}

function findValueLine(lines: string[], from: number, to: number, value: string): number | undefined {
  const quoted = [JSON.stringify(value), `'${value}'`];
  for (let lineNo = from; lineNo <= to; lineNo++) {
    const line = lines[lineNo - 1] ?? '';
    if (quoted.some((q) => line.includes(q))) return lineNo;
  }
  return undefined;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((key, i) => key === b[i]);
}
