import { branches, groupStart } from './group-bounds.js';
import { classEnd } from './class-end.js';

// Pieces of a Python pattern the translation rules read: character runs, fixed text, and the
// text that must follow a place in the pattern.

export interface Run {
  cls: string;
  min: 0 | 1;
  lazy: boolean;
  end: number;
}

const ESCAPED_LITERAL = /^\\([^A-Za-z0-9])/;

/** Reads a lookahead's body as literal alternatives, or null when it is not that. */
export function literalAlternatives(body: string): string[] | null {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '\\') {
      const m = ESCAPED_LITERAL.exec(body.slice(i));
      if (!m) return null;
      current += m[1];
      i++;
    } else if (c === '|') {
      out.push(current);
      current = '';
    } else if ('()[]{}*+?.^$'.includes(c)) {
      return null;
    } else {
      current += c;
    }
  }
  out.push(current);
  return out.every((l) => l.length > 0) ? out : null;
}

/** A run `C+`/`C*` (lazy or not) at `at`, or null. */
export function readRun(p: string, at: number): Run | null {
  let cls: string;
  let i = at;
  if (p[i] === '\\' && /[SwdW]/.test(p[i + 1] ?? '')) {
    cls = p.slice(i, i + 2);
    i += 2;
  } else if (p[i] === '.') {
    cls = '.';
    i += 1;
  } else if (p[i] === '[') {
    const end = classEnd(p, i);
    cls = p.slice(i, end);
    i = end;
  } else {
    return null;
  }
  const q = p[i];
  if (q !== '*' && q !== '+') return null;
  i++;
  const lazy = p[i] === '?';
  if (lazy) i++;
  if (p[i] === '+') return null;
  return { cls, min: q === '+' ? 1 : 0, lazy, end: i };
}

/** The fixed literal text at `at` (escapes resolved), up to the first non-literal. */
export function literalAt(p: string, at: number): string {
  let out = '';
  let i = at;
  while (i < p.length) {
    const c = p[i]!;
    if (c === '\\') {
      const m = ESCAPED_LITERAL.exec(p.slice(i));
      if (!m) break;
      out += m[1];
      i += 2;
      continue;
    }
    if ('()[]{}*+?.^$|'.includes(c)) break;
    out += c;
    i++;
  }
  // A quantifier on the last character makes it optional.
  if ('*?{'.includes(p[i] ?? '') && out.length) out = out.slice(0, -1);
  return out;
}

/**
 * The fixed text every way on from `at` begins with, or null when there is none. At the end of a
 * repeated group that is what both the group's next round and the text after it begin with
 * (`(?: (?!x)\w+){0,2} found`: " ").
 */
export function followOf(p: string, at: number): string | null {
  if (p[at] !== ')') return literalAt(p, at) || null;
  const open = groupStart(p, at);
  if (open < 0) return null;
  const q = /^(?:[*+?]|\{\d*(?:,\d*)?\})\??/.exec(p.slice(at + 1))?.[0] ?? '';
  const after = followOf(p, at + 1 + q.length);
  if (!repeats(q)) return after;
  const head = /^\((?:\?:|\?P<\w+>|\?<\w+>)?/.exec(p.slice(open))![0];
  // A round may begin with any branch: only a group of one branch has fixed text to begin with.
  if (branches(p.slice(open + head.length, at)).length > 1) return null;
  const again = literalAt(p, open + head.length);
  let common = 0;
  while (after !== null && common < again.length && common < after.length && again[common] === after[common]) common++;
  return common > 0 ? again.slice(0, common) : null;
}

/** Whether a quantifier lets its group run more than once. */
function repeats(q: string): boolean {
  if (q.startsWith('*') || q.startsWith('+')) return true;
  const counts = /^\{(\d*)(,?)(\d*)\}/.exec(q);
  if (!counts) return false;
  const most = counts[2] ? (counts[3] ? Number(counts[3]) : Infinity) : Number(counts[1]);
  return most > 1;
}

/** What a `\b` right after a run at `at` would see, as far as the pattern tells. */
export type WordFollow = 'non-word' | 'end' | 'unknown';

/**
 * What comes after `at`: `non-word` when every way on begins with a non-word character (or
 * the line's end, `$`), `end` when some way on also ends the pattern (the rest of the line is
 * not read), `unknown` otherwise. At the end of a repeated group both the next round and what
 * follows the group count.
 */
export function wordFollow(p: string, at: number): WordFollow {
  if (at >= p.length) return 'end';
  if (p[at] === '$') return 'non-word';
  if (p[at] !== ')') {
    const literal = literalAt(p, at);
    return literal && /^\W/.test(literal) ? 'non-word' : 'unknown';
  }
  const open = groupStart(p, at);
  if (open < 0) return 'unknown';
  const q = /^(?:[*+?]|\{\d*(?:,\d*)?\})\??/.exec(p.slice(at + 1))?.[0] ?? '';
  const after = wordFollow(p, at + 1 + q.length);
  if (!repeats(q)) return after;
  const head = /^\((?:\?:|\?P<\w+>|\?<\w+>)?/.exec(p.slice(open))![0];
  if (branches(p.slice(open + head.length, at)).length > 1) return 'unknown';
  const again = literalAt(p, open + head.length);
  if (!/^\W/.test(again) || after === 'unknown') return 'unknown';
  return after;
}
