import { classEnd } from './class-end.js';
import { isFixedGroup, type FixedReference } from './fixed-backreference.js';

export { classEnd } from './class-end.js';

/** A pattern rewritten for RE2: named groups made plain, comments dropped, `\Z` made `\z`. */
export interface ScannedPattern {
  /** The pattern to give RE2. */
  source: string;
  /** One entry per capturing group, in order: its name, or null for an unnamed group. */
  groups: (string | null)[];
  /** The longest literal every match must contain (case-sensitive), or null when unknown. */
  literal: string | null;
  /**
   * Backreferences turned into a second capture: 1-based group numbers whose texts must be equal
   * for the match to count (see backreference.ts).
   */
  checks: PatternCheck[];
  /** Backreferences to a group the line fixes, matched again with the group's text written in (see fixed-backreference.ts). */
  fixed: FixedReference[];
}

/**
 * A check run in code on a match: two groups captured the same text (a backreference), or a
 * group's text has no place where one of `avoid` begins (`(?:(?!L).)*`, read up to the line's end).
 */
export type PatternCheck = { group: number; copy: number; avoid?: undefined } | { group: number; avoid: string[]; copy?: undefined };

/** A construct RE2 cannot run, found while scanning. */
export class UnsupportedConstruct extends Error {
  constructor(readonly construct: string) {
    super(construct);
  }
}

const UNSUPPORTED_GROUPS: [string, string][] = [
  ['?<=', 'lookbehind (?<=...)'],
  ['?<!', 'negative lookbehind (?<!...)'],
  ['?=', 'lookahead (?=...)'],
  ['?!', 'negative lookahead (?!...)'],
  ['?>', 'atomic group (?>...)'],
  ['?(', 'conditional group (?(...)...)'],
];

/**
 * Walks a Python-style pattern once: finds the capturing groups and their names, rejects the
 * constructs RE2 does not have (lookaround, backreferences, atomic groups, possessive quantifiers,
 * conditionals) by name, and extracts a required literal for the line prefilter.
 */
export function scanPattern(pattern: string): ScannedPattern {
  const groups: (string | null)[] = [];
  const checks: PatternCheck[] = [];
  const fixed: FixedReference[] = [];
  /** Per open group: its index in `groups` (or -1), where its text starts in `out` and in `pattern`, and where it opens. */
  const open: { index: number; outStart: number; start: number; at: number }[] = [];
  const sources = new Map<string, { index: number; source: string; end: number; at: number }>();
  let out = '';
  let depth = 0;
  let topLevelAlternation = false;
  let caseless = false;
  // Literal runs at depth 0; a quantifier on the last char may drop it.
  let run = '';
  let best = '';
  const endRun = (): void => {
    if (run.length > best.length) best = run;
    run = '';
  };
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (/[1-9]/.test(next)) throw new UnsupportedConstruct(`backreference \\${next}`);
      if (next === 'g' && pattern[i + 2] === '<') throw new UnsupportedConstruct('backreference \\g<...>');
      if (next === 'Z') {
        out += '\\z';
        i += 2;
        if (depth === 0) endRun();
        continue;
      }
      const length = escapeLength(pattern, i);
      out += pattern.slice(i, i + length);
      i += length;
      if (depth === 0) {
        if (/[A-Za-z0-9]/.test(next)) endRun();
        else run += next;
      }
      continue;
    }
    if (c === '[') {
      const end = classEnd(pattern, i);
      out += pattern.slice(i, end);
      i = end;
      if (depth === 0) endRun();
      continue;
    }
    if (c === '(') {
      if (depth === 0) endRun();
      if (pattern[i + 1] === '?') {
        const rest = pattern.slice(i + 1);
        if (rest.startsWith('?#')) {
          const close = pattern.indexOf(')', i);
          i = close < 0 ? pattern.length : close + 1;
          continue;
        }
        const loop = /^\?:\(\?!((?:\\.|[^()\\])+)\)\.\)(\*\??)/.exec(rest);
        if (loop) {
          const end = i + 1 + loop[0].length;
          const avoid = avoidLiterals(loop[1]!);
          if (loop[2] === '*' && !/^\)*\$?\)*$/.test(pattern.slice(end))) {
            throw new UnsupportedConstruct(`negative lookahead loop (?:(?!${loop[1]}).)* that does not run to the end of the line`);
          }
          groups.push(null);
          checks.push({ group: groups.length, avoid });
          out += `(.${loop[2]})`;
          i = end;
          if (depth === 0) endRun();
          continue;
        }
        const backref = /^\?P=(\w+)\)/.exec(rest);
        if (backref) {
          const ref = sources.get(backref[1]!);
          if (!ref) throw new UnsupportedConstruct(`backreference (?P=${backref[1]}) to no earlier group`);
          const end = i + 1 + backref[0].length;
          let isFixed = false;
          try {
            checkDelimitedRun(ref.source, pattern, ref.end, `backreference (?P=${backref[1]})`);
            checkDelimitedRun(ref.source, pattern, end, `backreference (?P=${backref[1]})`);
          } catch (err) {
            if (!(err instanceof UnsupportedConstruct) || !isFixedGroup(pattern, ref.at, ref.source, ref.end)) throw err;
            isFixed = true;
          }
          groups.push(null);
          if (isFixed) fixed.push({ group: ref.index + 1, copy: groups.length, start: out.length + 1, end: out.length + 1 + ref.source.length });
          else checks.push({ group: ref.index + 1, copy: groups.length });
          out += `(${ref.source})`;
          i = end;
          if (depth === 0) endRun();
          continue;
        }
        const bad = UNSUPPORTED_GROUPS.find(([prefix]) => rest.startsWith(prefix));
        if (bad) throw new UnsupportedConstruct(bad[1]);
        const named = /^\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
        if (named) {
          groups.push(named[1]!);
          open.push({ index: groups.length - 1, outStart: out.length + 1, start: i + 1 + named[0].length, at: i });
          out += '(';
          i += 1 + named[0].length;
          depth++;
          continue;
        }
        const flags = /^\?([aiLmsux-]+)(\)|:)/.exec(rest);
        if (flags && flags[1]!.includes('i') && !flags[1]!.startsWith('-')) caseless = true;
        if (flags && flags[2] === ')') {
          // A bare flag group `(?i)` opens nothing.
          out += pattern.slice(i, i + 1 + flags[0].length);
          i += 1 + flags[0].length;
          continue;
        }
        open.push({ index: -1, outStart: out.length + 1, start: i + 1, at: i });
      } else {
        groups.push(null);
        open.push({ index: groups.length - 1, outStart: out.length + 1, start: i + 1, at: i });
      }
      out += c;
      i++;
      depth++;
      continue;
    }
    if (c === ')') {
      const closed = open.pop();
      const name = closed && closed.index >= 0 ? groups[closed.index] : null;
      if (closed && name) sources.set(name, { index: closed.index, source: pattern.slice(closed.start, i), end: i + 1, at: closed.at });
      depth = Math.max(0, depth - 1);
      out += c;
      i++;
      continue;
    }
    if (c === '*' || c === '+' || c === '?' || c === '{') {
      const quant = quantifierLength(pattern, i);
      const after = pattern[i + quant];
      if (after === '+' && quant > 0) throw new UnsupportedConstruct(`possessive quantifier ${pattern.slice(i, i + quant)}+`);
      if (depth === 0 && quant > 0) {
        const optional = c === '*' || c === '?' || /^\{0*(,|\})/.test(pattern.slice(i, i + quant));
        if (optional) run = run.slice(0, -1);
        endRun();
      }
      if (quant === 0) {
        out += c;
        if (depth === 0) run += c;
        i++;
        continue;
      }
      // Python reads `{,n}` as `{0,n}`; RE2 would take it as literal text.
      out += pattern.slice(i, i + quant).replace(/^\{,/, '{0,');
      i += quant;
      if (pattern[i] === '?') {
        out += '?';
        i++;
      }
      continue;
    }
    if (c === '|') {
      if (depth === 0) topLevelAlternation = true;
      out += c;
      i++;
      continue;
    }
    if (c === '.' || c === '^' || c === '$') {
      if (depth === 0) endRun();
      out += c;
      i++;
      continue;
    }
    out += c;
    if (depth === 0) run += c;
    i++;
  }
  endRun();
  const literal = topLevelAlternation || caseless || best.length < 3 ? null : best;
  return { source: out, groups, literal, checks, fixed };
}

/**
 * Translation rule for a backreference `(?P=name)`: the reference becomes a second capture of
 * the same pattern, and the match counts only when both captured the same text. That is exact
 * when neither capture can end anywhere but where it does: the group is one character-class run
 * (`[\dA-F]+`, `\S+`), and both it and the reference are followed by a fixed character the class
 * does not hold, or by the end of the line. Then the leftmost match RE2 returns has the only
 * possible texts in both places, and where they differ Python's engine finds no match there
 * either. Anything else is refused, naming the construct.
 */
function checkDelimitedRun(source: string, pattern: string, after: number, construct: string): void {
  const run = /^(\\[SwdDW]|\[(?:\\.|[^\]\\])+\]|\.)[+*]$/.exec(source);
  if (!run) throw new UnsupportedConstruct(`${construct} to a group that is not one character run (${source})`);
  let i = after;
  // Past the end of the alternative and of the groups it closes.
  while (pattern[i] === ')' || pattern[i] === '|') {
    if (pattern[i] === '|') {
      let depth = 0;
      for (i++; i < pattern.length; i++) {
        if (pattern[i] === '\\') i++;
        else if (pattern[i] === '(') depth++;
        else if (pattern[i] === ')' && depth-- === 0) break;
      }
    } else {
      i++;
    }
  }
  if (i >= pattern.length || pattern[i] === '$') return;
  const next = pattern[i] === '\\' ? /^\\([^A-Za-z0-9])/.exec(pattern.slice(i))?.[1] : /[^()[\]{}*+?.^$|\\]/.test(pattern[i]!) ? pattern[i] : undefined;
  const quantified = '*+?{'.includes(pattern[i + (pattern[i] === '\\' ? 2 : 1)] ?? '');
  const cls = run[1] === '.' ? '[^\\n]' : run[1]!;
  if (next === undefined || quantified || new RegExp(`^${cls}$`).test(next)) {
    throw new UnsupportedConstruct(`${construct} where the captured run can end in more than one place`);
  }
}

/**
 * Translation rule for a loop that takes characters while a fixed text does not begin there:
 * `(?:(?! from ).)*?` becomes a capture `(.*?)` and a check in code that no ` from ` begins
 * inside the captured text (it may run on past it, as the lookahead reads on). Exact for the lazy
 * loop: RE2 returns the shortest text after which the rest of the pattern matches; if ` from `
 * begins inside it, it begins inside every longer one too, and no shorter one lets the rest
 * match, so Python's engine finds no match there either. The greedy loop is taken only when it
 * runs to the end of the line (`$`), where its text is fixed.
 */
function avoidLiterals(body: string): string[] {
  const out: string[] = [];
  for (const part of body.split('|')) {
    const text = part.replace(/\\([^A-Za-z0-9])/g, '$1');
    if (text === '' || /[\\()[\]{}*+?.^$]/.test(part.replace(/\\[^A-Za-z0-9]/g, ''))) {
      throw new UnsupportedConstruct(`negative lookahead loop on something other than fixed text (${body})`);
    }
    out.push(text);
  }
  return out;
}

/** Length of the escape at `at`, with its argument: `\x2d`, `\x{2d}`, `\u002d`, `\012`, `\pL`, `\p{Greek}`. */
function escapeLength(pattern: string, at: number): number {
  const rest = pattern.slice(at + 1);
  const m = /^(?:x\{[0-9A-Fa-f]+\}|x[0-9A-Fa-f]{1,2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|0[0-7]{0,2}|[pP]\{\w+\}|[pP]\w)/.exec(rest);
  return 1 + (m ? m[0].length : rest.length > 0 ? 1 : 0);
}

/** Length of the quantifier at `at` (`*`, `+`, `?`, `{n}`, `{n,m}`), or 0 when `{` is a literal. */
function quantifierLength(pattern: string, at: number): number {
  if (pattern[at] !== '{') return 1;
  const m = /^\{\d*(,\d*)?\}/.exec(pattern.slice(at));
  return m && m[0] !== '{}' && m[0] !== '{,}' ? m[0].length : 0;
}
