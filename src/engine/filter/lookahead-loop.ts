import { branches, groupEnd, groupStart } from './group-bounds.js';
import { readRun } from './regex-pieces.js';
import { classEnd } from './regex-scanner.js';

/*
 * Translation rule: a negative lookahead closing a repeated group, where both the group and what
 * follows it begin with the same character run.
 *
 *   (?:RUN REST(?!L)){q} RUN   becomes   RUN (?:REST(?!L) RUN){q}
 *
 * Both spell RUN REST (?!L) RUN REST (?!L) ... RUN: the same strings, tested at the same places;
 * the group has only moved by one run. The lookahead then stands in front of a run, where the
 * lookahead rule (lookahead-rewrite.ts) writes out exactly the runs it lets through. The group
 * must capture nothing and have no alternatives, and its quantifier must be greedy, so the
 * match (its span and every capture) stays the one Python finds. sshd's ddos mode:
 * `no matching (?:(?:\w+ (?!found\b)){0,2}\w+) found`.
 */
export function rotateLoopLookaheads(p: string): string {
  let out = p;
  for (let from = 0, guard = 0; guard < 20; guard++) {
    const at = nextLookahead(out, from);
    if (at < 0) return out;
    from = at + 3;
    const rotated = rotateAt(out, at);
    if (rotated !== null) {
      out = rotated;
      from = 0;
    }
  }
  return out;
}

/** The pattern with the group the lookahead at `at` closes rotated, or null when it is not that shape. */
function rotateAt(p: string, at: number): string | null {
  const close = groupEnd(p, at);
  if (close < 0 || p[close + 1] !== ')') return null;
  const groupClose = close + 1;
  const open = groupStart(p, groupClose);
  if (open < 0 || !p.startsWith('(?:', open)) return null;
  const body = p.slice(open + 3, at);
  if (branches(p.slice(open + 3, groupClose)).length > 1 || capturesIn(body)) return null;
  const run = readRun(body, 0);
  if (!run) return null;
  const quantifier = /^(?:[*+?]|\{\d*(?:,\d*)?\})/.exec(p.slice(groupClose + 1))?.[0];
  if (!quantifier || p[groupClose + 1 + quantifier.length] === '?' || p[groupClose + 1 + quantifier.length] === '+') return null;
  const lead = body.slice(0, run.end);
  const after = groupClose + 1 + quantifier.length;
  const next = readRun(p, after);
  if (!next || p.slice(after, next.end) !== lead) return null;
  const lookahead = p.slice(at, close + 1);
  return `${p.slice(0, open)}${lead}(?:${body.slice(run.end)}${lookahead}${lead})${quantifier}${p.slice(next.end)}`;
}

/** Whether a piece of pattern opens a capturing group (anything but `(?:` and lookarounds). */
function capturesIn(piece: string): boolean {
  for (let i = 0; i < piece.length; i++) {
    const c = piece[i];
    if (c === '\\') i++;
    else if (c === '[') i = classEnd(piece, i) - 1;
    else if (c === '(' && !/^\(\?(?::|!|=|<!|<=)/.test(piece.slice(i))) return true;
  }
  return false;
}

/** Index of the next `(?!` at or after `from`, outside classes and escapes, or -1. */
function nextLookahead(p: string, from: number): number {
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') i++;
    else if (c === '[') i = classEnd(p, i) - 1;
    else if (i >= from && p.startsWith('(?!', i)) return i;
  }
  return -1;
}
