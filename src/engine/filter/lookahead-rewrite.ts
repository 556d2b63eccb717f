import { branches, groupEnd, groupStart } from './group-bounds.js';
import { followOf, literalAlternatives, literalAt, readRun, wordFollow, type Run } from './regex-pieces.js';
import { classEnd, UnsupportedConstruct } from './regex-scanner.js';

/*
 * Translation rule: a negative lookahead on fixed literals in front of a character-class run.
 *
 *   (?!L1|L2|...) RUN F        RUN = C+, C*, C+? or C*? (C one class: \S \w \d . [..]),
 *                              F   = the fixed literal text that follows the run
 *
 * Python's engine refuses, at the run's start, any text beginning with some Li. What the run
 * may then be is a regular set of strings over C: it may not start with an Li (when Li is made
 * of C's characters), and it may not be a prefix Li[0:k] whose remainder Li[k:] is spelled out
 * by F (the lookahead reads past the run). That set is written out as an RE2 pattern from the
 * trie of the forbidden strings, so RE2 matches exactly the same lines with no check in code.
 * The run may sit in a group (`(?P<user>\S+)`, `(?:.*)`), and the group may be an alternation,
 * each branch a literal (kept when it cannot start with an Li) or a run followed by a literal.
 * Anything else in front of which a lookahead stands is refused, naming the construct.
 */

/**
 * A lookahead's body as literal alternatives, and whether it ends in `\b` (`(?!found\b)`): the
 * forbidden text must then end a word. Null when the body is not that.
 */
function lookaheadLiterals(body: string): { literals: string[]; wordEnd: boolean } | null {
  const wordEnd = body.endsWith('\\b') && !body.endsWith('\\\\b') && !body.includes('|');
  const literals = literalAlternatives(wordEnd ? body.slice(0, -2) : body);
  return literals ? { literals, wordEnd } : null;
}

function escapeChar(c: string): string {
  return /[\w ]/.test(c) ? c : `\\${c}`;
}

/** The class C without some characters, as RE2 text. */
function classWithout(cls: string, chars: string[]): string {
  const extra = chars.map(escapeChar).join('');
  if (chars.length === 0) return cls;
  if (cls === '\\S') return `[^\\s${extra}]`;
  if (cls === '\\w') return `[^\\W${extra}]`;
  if (cls === '\\d') return `[^\\D${extra}]`;
  if (cls === '\\W') return `[^\\w${extra}]`;
  if (cls === '.') return `[^\\n${extra}]`;
  if (cls.startsWith('[^')) return `[^${cls.slice(2, -1)}${extra}]`;
  // A positive class: its shorthand members each lose the characters, its literals are kept.
  const body = cls.slice(1, -1);
  const parts: string[] = [];
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '\\' && /[wds]/.test(body[i + 1] ?? '')) {
      parts.push(classWithout(`\\${body[i + 1]}` === '\\s' ? '[\\s]' : `\\${body[i + 1]}`, chars));
      i++;
    } else if (body[i] === '\\') {
      if (!chars.includes(body[i + 1]!)) parts.push(`\\${body[i + 1]}`);
      i++;
    } else if (body[i + 1] === '-' && body[i + 2] !== undefined && body[i + 2] !== ']') {
      throw new UnsupportedConstruct(`negative lookahead before a class with a range (${cls})`);
    } else if (!chars.includes(body[i]!)) {
      parts.push(escapeChar(body[i]!));
    }
  }
  return `(?:${parts.join('|')})`;
}

/**
 * The RE2 pattern of the runs over C that the lookahead lets through. With `wordEnd`
 * (`(?!found\b)` before a `\w` run followed by a non-word character) the one run forbidden
 * is the word itself: a longer run goes on with a word character, so `\b` fails after the
 * literal, and a shorter one is followed by the non-word character.
 */
function allowedRun(run: Run, literals: string[], follow: string | null, construct: string, wordEnd = false): string {
  const inClass = new RegExp(`^(?:${run.cls === '.' ? '[^\\n]' : run.cls})*$`);
  const prefixForbidden = new Set<string>();
  const exactForbidden = new Set<string>();
  if (wordEnd) {
    // The caller has made sure the run ends a word (a non-word character or \b follows it).
    if (run.cls !== '\\w' || !literals.every((l) => /^\w+$/.test(l))) {
      throw new UnsupportedConstruct(`${construct} with \\b other than on words before a \\w run`);
    }
    for (const l of literals) exactForbidden.add(l);
  }
  for (const l of wordEnd ? [] : literals) {
    for (let k = 0; k <= l.length; k++) {
      const head = l.slice(0, k);
      if (!inClass.test(head)) break;
      if (k === l.length) {
        prefixForbidden.add(l);
        break;
      }
      if (k < run.min) continue;
      const rest = l.slice(k);
      // The lookahead reads past the run into the literal after it.
      if (follow !== null && follow.startsWith(rest)) exactForbidden.add(head);
      else if (follow === null || rest.startsWith(follow)) throw new UnsupportedConstruct(`${construct} reading past the fixed text after it`);
    }
  }
  const forbidden = [...prefixForbidden, ...exactForbidden];
  const star = run.lazy ? '*?' : '*';
  const node = (prefix: string): string | null => {
    if (prefixForbidden.has(prefix)) return null;
    const children = [...new Set(forbidden.filter((f) => f.length > prefix.length && f.startsWith(prefix)).map((f) => f[prefix.length]!))];
    const alts: string[] = [];
    const other = classWithout(run.cls, children);
    alts.push(`${other}${run.cls}${star}`);
    for (const c of children) {
      const next = node(prefix + c);
      if (next !== null) alts.push(`${escapeChar(c)}${next}`);
    }
    const canEnd = prefix.length >= run.min && !exactForbidden.has(prefix);
    if (canEnd) (run.lazy ? alts.unshift('') : alts.push(''));
    return alts.length ? `(?:${alts.join('|')})` : null;
  };
  const out = node('');
  if (out === null) throw new UnsupportedConstruct(`${construct} that no run can pass`);
  return out;
}

/** One branch of what follows the lookahead, rewritten; `after` is the literal after the group. */
function rewriteBranch(branch: string, literals: string[], after: string | null, construct: string): string {
  // A group that is the whole branch: its own branches, with the same text after them.
  if (branch.startsWith('(') && groupEnd(branch, 0) === branch.length - 1) {
    const head = /^\((?:\?:|\?P<\w+>|\?<\w+>)?/.exec(branch)![0];
    if (head === '(' && branch[1] === '?') throw new UnsupportedConstruct(`${construct} before a special group`);
    return head + branches(branch.slice(head.length, -1)).map((b) => rewriteBranch(b, literals, after, construct)).join('|') + ')';
  }
  const run = readRun(branch, 0);
  if (run) {
    const rest = branch.slice(run.end);
    const follow = rest === '' ? after : literalAt(rest, 0) || null;
    return allowedRun(run, literals, follow, construct) + rest;
  }
  const lead = literalAt(branch, 0);
  for (const l of literals) {
    if (lead.length >= l.length ? lead.startsWith(l) : l.startsWith(lead)) {
      throw new UnsupportedConstruct(`${construct} before fixed text it may forbid`);
    }
  }
  return branch;
}

/** Rewrites every `(?!literals)` in front of a run (see the rule above); throws on the others. */
export function rewriteLookaheads(p: string): string {
  let out = p;
  for (let guard = 0; guard < 50; guard++) {
    const at = findLookahead(out);
    if (at < 0) return out;
    const close = groupEnd(out, at);
    const body = out.slice(at + 3, close);
    const construct = `negative lookahead (?!${body})`;
    const parsed = lookaheadLiterals(body);
    if (!parsed) throw new UnsupportedConstruct(`${construct} on something other than fixed text`);
    const { literals, wordEnd } = parsed;
    const next = close + 1;
    let replaced: string;
    let end: number;
    if (out[next] === '(') {
      if (wordEnd) throw new UnsupportedConstruct(`${construct} before a group`);
      const gEnd = groupEnd(out, next);
      const head = /^\((?:\?:|\?P<\w+>|\?<\w+>)?/.exec(out.slice(next))![0];
      if (head === '(' && out[next + 1] === '?') throw new UnsupportedConstruct(`${construct} before a special group`);
      if ('*+?{'.includes(out[gEnd + 1] ?? '')) throw new UnsupportedConstruct(`${construct} before a repeated group`);
      const after = literalAt(out, gEnd + 1) || null;
      const inner = out.slice(next + head.length, gEnd);
      replaced = head + branches(inner).map((b) => rewriteBranch(b, literals, after, construct)).join('|') + ')';
      end = gEnd + 1;
    } else {
      const run = readRun(out, next);
      if (!run) throw new UnsupportedConstruct(`${construct} not in front of a character run`);
      // With `\b` the run must end a word: before a non-word character it does anyway; where the
      // pattern may end, Python's greedy run takes the whole word, and `\b` makes RE2's do so too.
      const kind = wordEnd ? wordFollow(out, run.end) : null;
      if (kind === 'unknown') throw new UnsupportedConstruct(`${construct} before a run whose end the pattern does not fix`);
      replaced = allowedRun(run, literals, followOf(out, run.end), construct, wordEnd) + (kind === 'end' ? '\\b' : '');
      end = run.end;
    }
    out = out.slice(0, at) + replaced + out.slice(end);
  }
  return out;
}

/** Index of the first `(?!` outside classes and escapes, or -1. */
function findLookahead(p: string): number {
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') i++;
    else if (c === '[') i = classEnd(p, i) - 1;
    else if (c === '(' && p[i + 1] === '?' && p[i + 2] === '!' && !isAvoidLoop(p, i)) return i;
  }
  return -1;
}

/** `(?:(?!L).)*` or `*?` around the lookahead at `at`: left to the scanner's avoid-loop rule. */
export function isAvoidLoop(p: string, at: number): boolean {
  if (p.slice(at - 3, at) !== '(?:') return false;
  const close = groupEnd(p, at);
  return /^\.\)\*\??/.test(p.slice(close + 1));
}

/*
 * Translation rule: a positive lookahead `(?=L)` on fixed text L that whatever follows it in the
 * pattern must begin with anyway (the literal after it, or, at the end of a repeated group, both
 * the group's own start and the text after the group) checks nothing the match does not check
 * again, so it is dropped. exim: `"[^"]+(?:"+[^"]*(?="))*?"`.
 */
export function dropImpliedLookaheads(p: string): string {
  let out = p;
  for (let guard = 0; guard < 20; guard++) {
    const at = findGroup(out, '(?=');
    if (at < 0) return out;
    const close = groupEnd(out, at);
    const literal = literalAlternatives(out.slice(at + 3, close));
    if (!literal || literal.length !== 1 || !continuationStartsWith(out, close + 1, literal[0]!)) {
      throw new UnsupportedConstruct(`lookahead ${out.slice(at, close + 1)} that the pattern does not imply`);
    }
    out = out.slice(0, at) + out.slice(close + 1);
  }
  return out;
}

/** Whether every way the pattern can go on from `at` begins with `text`. */
function continuationStartsWith(p: string, at: number, text: string): boolean {
  if (p[at] !== ')') return literalAt(p, at).startsWith(text);
  const open = groupStart(p, at);
  if (open < 0) return false;
  let after = at + 1;
  const q = p[after];
  if (q === '*' || q === '+' || q === '?') {
    after++;
    if (p[after] === '?') after++;
    if (q !== '?') {
      const head = /^\((?:\?:|\?P<\w+>|\?<\w+>)?/.exec(p.slice(open))![0];
      if (!literalAt(p, open + head.length).startsWith(text)) return false;
    }
  } else if (q === '{') {
    return false;
  }
  return continuationStartsWith(p, after, text);
}

/** Index of the first group opening with `prefix` outside classes and escapes, or -1. */
function findGroup(p: string, prefix: string): number {
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') i++;
    else if (c === '[') i = classEnd(p, i) - 1;
    else if (p.startsWith(prefix, i)) return i;
  }
  return -1;
}
