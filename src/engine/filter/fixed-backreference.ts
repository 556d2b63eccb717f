import RE2 from 're2';
import { literalAt } from './regex-pieces.js';
import { classEnd } from './class-end.js';

/*
 * Translation rule for a backreference to a group whose text the line fixes:
 *
 *   ^TEXT(?P<g>BODY)AFTER ... (?P=g) ...
 *
 * The group follows fixed text from the start of the pattern (so it begins at one place in the
 * line), its body takes no white space (`<\S+@\S+>`), and the fixed text after it, AFTER, has k
 * characters that are not white space and then one that is (`, relay=`: k = 1). The group's text
 * then ends exactly k characters before the first white space after its start, in every match,
 * Python's or RE2's: it is the same text whichever way the rest of the pattern goes, and each
 * reference to it stands for that one text. RE2 matches the pattern with each reference read as a
 * second copy of the group: a pattern that matches every line the original does, and more, so a
 * line it refuses has no match. Where every copy the match went through holds the group's text,
 * that match is also one of the original pattern's, and since no match of the original comes
 * before it in Python's order (each is one of this pattern's), it is the one Python's engine
 * finds. Where a copy holds another text, the line is matched again by the pattern with each
 * reference written as the group's text, escaped (compiled for that text, the last 64 kept): a
 * plain regular expression with the same alternatives in the same order as Python's, so RE2
 * returns the match Python's engine returns, captures included. The copies stay groups, so the
 * group numbers do not move. Compiling costs about half a millisecond for sendmail-reject's
 * pattern; sendmail writes the same address in both places, so its own lines never need it.
 * sendmail-reject: `^ruleset=check_rcpt, arg1=(?P<email><\S+@\S+>), relay=... (?P=email)\.\.\.`.
 * Only the ASCII white space both engines' `\s` share is relied on.
 */

const META = '\\^$.|?*+()[]{}';

/** Whether the group at `open` (body `body`, closing just before `end`) has the one text the rule needs. */
export function isFixedGroup(pattern: string, open: number, body: string, end: number): boolean {
  return fixedStart(pattern, open) && takesNoSpace(body) && !'*+?{'.includes(pattern[end] ?? '') && endsBeforeSpace(literalAt(pattern, end));
}

/** `^` then fixed text up to `open`, and no alternation at the top of the pattern (which `^` would not cover). */
function fixedStart(pattern: string, open: number): boolean {
  if (pattern[0] !== '^') return false;
  for (let i = 1; i < open; i++) {
    if (pattern[i] === '\\') {
      if (/[A-Za-z0-9]/.test(pattern[i + 1] ?? 'a')) return false;
      i++;
    } else if (META.includes(pattern[i]!)) {
      return false;
    }
  }
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (c === '[') i = classEnd(pattern, i) - 1;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) return false;
  }
  return true;
}

/** Whether every piece of the body is a character that is not white space, `\S`, `\w`, `\d` or a class without white space, each with any quantifier. */
function takesNoSpace(body: string): boolean {
  if (body === '') return false;
  for (let i = 0; i < body.length; ) {
    const c = body[i]!;
    if (c === '\\') {
      const next = body[i + 1] ?? '';
      if (/[A-Za-z0-9]/.test(next) ? !/[Swd]/.test(next) : next === '' || /\s/.test(next)) return false;
      i += 2;
    } else if (c === '[') {
      const end = classEnd(body, i);
      if (!classTakesNoSpace(body.slice(i, end))) return false;
      i = end;
    } else if (META.includes(c) || /\s/.test(c)) {
      return false;
    } else {
      i++;
    }
    const q = /^(?:[*+?]|\{\d*(?:,\d*)?\})\??/.exec(body.slice(i));
    if (q) i += q[0].length;
  }
  return true;
}

/** `[^\s...]`, or a positive class of `\w`, `\d` and characters that are not white space (no ranges). */
function classTakesNoSpace(cls: string): boolean {
  const inner = cls.slice(1, -1);
  if (inner.startsWith('^')) {
    for (let i = 1; i < inner.length; i++) {
      if (inner[i] !== '\\') continue;
      if (inner[i + 1] === 's') return true;
      i++;
    }
    return false;
  }
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (c === '\\') {
      const next = inner[i + 1] ?? '';
      if (/[A-Za-z0-9]/.test(next) ? !/[wd]/.test(next) : /\s/.test(next)) return false;
      i++;
    } else if (c === '-' && i > 0 && i < inner.length - 1) {
      return false;
    } else if (/\s/.test(c)) {
      return false;
    }
  }
  return inner.length > 0;
}

/** Fixed text with some characters that are not white space and then one that is. */
function endsBeforeSpace(after: string): boolean {
  return after.search(/[ \t]/) > 0;
}

/** A reference read as a copy of the group: where the copy stands in the RE2 source (between its parentheses), and the groups' numbers. */
export interface FixedReference {
  /** 1-based number of the referenced group. */
  group: number;
  /** 1-based number of the copy. */
  copy: number;
  start: number;
  end: number;
}

/** Whether every copy the match went through holds the group's text (the match is then the original pattern's). */
export function copiesAgree(references: readonly FixedReference[], match: RegExpExecArray): boolean {
  return references.every((ref) => match[ref.copy] === undefined || match[ref.copy] === match[ref.group]);
}

/** `text` as RE2 pattern text that matches exactly it. */
export function escapeLiteral(text: string): string {
  let out = '';
  for (const c of text) {
    const code = c.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (META.includes(c)) out += `\\${c}`;
    else out += c;
  }
  return out;
}

/** The source with each reference's copy written as the referenced group's text in `match`. */
export function literalSource(source: string, references: readonly FixedReference[], match: RegExpExecArray): string | null {
  let out = source;
  for (const ref of [...references].sort((a, b) => b.start - a.start)) {
    const text = match[ref.group];
    if (text === undefined) return null;
    out = out.slice(0, ref.start) + escapeLiteral(text) + out.slice(ref.end);
  }
  return out;
}

/** The patterns written for the last texts seen, per alternative: a log repeats its addresses. */
export class LiteralPatterns {
  private readonly compiled = new Map<string, RE2>();
  constructor(private readonly limit = 64) {}

  get(source: string, flags: string): RE2 {
    const key = `${flags}:${source}`;
    let re = this.compiled.get(key);
    if (re) {
      this.compiled.delete(key);
    } else {
      re = new RE2(source, flags);
      if (this.compiled.size >= this.limit) this.compiled.delete(this.compiled.keys().next().value!);
    }
    this.compiled.set(key, re);
    return re;
  }
}
