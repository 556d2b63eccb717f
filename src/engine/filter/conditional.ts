import { branches, groupEnd as findGroupEnd, groupStart } from './group-bounds.js';
import { classEnd, UnsupportedConstruct } from './regex-scanner.js';

/*
 * Translation rule for a conditional group `(?(name)A|B)` (sshd's `cond_inv`, `cond_user`):
 * the pattern is written twice, once with group `name` made to take part (an optional group
 * made plain, or the alternation around it cut to its own branch) and the conditional replaced
 * by A, once with the group left out (the optional group or its branch removed) and the
 * conditional replaced by B. Python's engine tries the group's taking part first (a greedy `?`,
 * or the first branch), so the two patterns are tried in that order, and the first that matches
 * is the match Python finds. Each conditional doubles the patterns; a filter line gives at most
 * a few. A conditional on a group that is neither optional nor a first branch, or on a group
 * number, is refused.
 */

interface GroupAt {
  open: number;
  close: number;
}

/** Index of the `)` closing the group opened at `open`; an unbalanced pattern is refused. */
function groupEnd(p: string, open: number): number {
  const close = findGroupEnd(p, open);
  if (close < 0) throw new UnsupportedConstruct('unbalanced group');
  return close;
}


/** The conditional whose group is defined first, with that group; null when there is none. */
function firstConditional(p: string): { cond: GroupAt; name: string; group: GroupAt } | null {
  let best: { cond: GroupAt; name: string; group: GroupAt } | null = null;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') i++;
    else if (c === '[') i = classEnd(p, i) - 1;
    else if (p.startsWith('(?(', i)) {
      const m = /^\(\?\((\w+)\)/.exec(p.slice(i));
      if (!m || /^\d+$/.test(m[1]!)) throw new UnsupportedConstruct('conditional group (?(...)...) on a group number');
      const open = p.indexOf(`(?P<${m[1]}>`);
      if (open < 0 || open > i) throw new UnsupportedConstruct(`conditional group (?(${m[1]})...) on no earlier group`);
      const found = { cond: { open: i, close: groupEnd(p, i) }, name: m[1]!, group: { open, close: groupEnd(p, open) } };
      if (!best || found.group.open < best.group.open) best = found;
    }
  }
  return best;
}

/** The conditional's two branches: the first top-level alternative, and the rest. */
function condBranches(p: string, cond: GroupAt, name: string): [string, string] {
  const [yes, ...no] = branches(p.slice(cond.open + `(?(${name})`.length, cond.close));
  return [yes!, no.join('|')];
}

/** The pattern with the group taking part, and without it, in Python's order of trying. */
function withAndWithout(p: string, group: GroupAt): [string, string] {
  const after = p[group.close + 1];
  if (after === '?' && p[group.close + 2] !== '?') {
    const taking = p.slice(0, group.close + 1) + p.slice(group.close + 2);
    const leaving = p.slice(0, group.open) + p.slice(group.close + 2);
    return [taking, leaving];
  }
  if ((after === '|' || after === ')') && group.open > 0) {
    const before = p.slice(0, group.open);
    const head = /\((?:\?:|\?P<\w+>|\?<\w+>)?$/.exec(before);
    if (head && after === '|') {
      // The group is the first branch of the group around it.
      const parentClose = groupEnd(p, group.open - head[0].length);
      const taking = p.slice(0, group.close + 1) + p.slice(parentClose);
      const leaving = p.slice(0, group.open) + p.slice(group.close + 2);
      return [taking, leaving];
    }
  }
  if (after !== '*' && after !== '+' && after !== '{' && after !== '?' && groupStart(p, group.close) === group.open) {
    const alternation = /\|/.test(p.slice(0, group.open)) || /\|/.test(p.slice(group.close));
    if (!alternation) return [p, ''];
  }
  throw new UnsupportedConstruct('conditional group (?(...)...) on a group that is neither optional nor a first branch');
}

/** The pattern's variants with every conditional decided, in the order Python tries them. */
export function expandConditionals(p: string, depth = 0): string[] {
  const found = firstConditional(p);
  if (!found) return [p];
  if (depth > 3) throw new UnsupportedConstruct('more than four conditional groups in one pattern');
  const [yes, no] = condBranches(p, found.cond, found.name);
  const replace = (text: string, branch: string): string => {
    let out = text;
    for (let at = out.indexOf(`(?(${found.name})`); at >= 0; at = out.indexOf(`(?(${found.name})`)) {
      const [a, b] = condBranches(out, { open: at, close: groupEnd(out, at) }, found.name);
      out = out.slice(0, at) + `(?:${branch === yes ? a : b})` + out.slice(groupEnd(out, at) + 1);
    }
    return out;
  };
  const [taking, leaving] = withAndWithout(p, found.group);
  const out: string[] = [];
  out.push(...expandConditionals(replace(taking, yes), depth + 1));
  if (leaving !== '') out.push(...expandConditionals(replace(leaving, no), depth + 1));
  return out;
}
