import { classEnd } from './regex-scanner.js';

/*
 * Translation rule for a backreference to a group with few possible texts:
 *
 *   (?P<q>"?) REGION (?P=q)   ->   (?:(?P<q>")REGION"|(?P<q>)REGION)
 *   (?P<s>[-/]) REGION (?P=s) ->   (?:(?P<s>-)REGION-|(?P<s>/)REGION/)
 *
 * When the group is one optional character or a class of single characters, it can capture only
 * a handful of texts; writing one alternative per text, in the order Python's engine tries them
 * (the character before the empty text, as `?` is greedy), gives RE2 the same choices in the
 * same order, so it finds the same match. The group and the reference must sit in the same group
 * of the pattern, so the alternation encloses exactly the text between them. Backreferences to
 * other groups are left to the run rule in regex-scanner.ts, which checks the texts in code.
 */

/** The texts a small group can capture, in the order Python tries them, or null. */
function groupTexts(body: string): string[] | null {
  const optional = /^(\\[^A-Za-z0-9]|[^\\()[\]{}*+?.^$|])\?$/.exec(body);
  if (optional) return [optional[1]!, ''];
  // A class of single characters; a `-` only first or last, where it is itself.
  const cls = /^\[(-?(?:\\[^A-Za-z0-9]|[^\\\]^-])+-?)\]$/.exec(body);
  if (!cls) return null;
  const out: string[] = [];
  for (let i = 0; i < cls[1]!.length; i++) {
    const c = cls[1]![i]!;
    if (c === '\\') {
      out.push(cls[1]!.slice(i, i + 2));
      i++;
    } else {
      out.push(/[\w ]/.test(c) ? c : `\\${c}`);
    }
  }
  return out.length <= 8 ? out : null;
}

/** Whether `text` is balanced: every group opened in it is closed in it. */
function balanced(text: string): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '[') i = classEnd(text, i) - 1;
    else if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

/** Rewrites each backreference to a small group into alternatives (the rule above). */
export function expandSmallBackreferences(pattern: string): string {
  let out = pattern;
  for (let guard = 0; guard < 20; guard++) {
    const ref = /\(\?P=(\w+)\)/.exec(out);
    if (!ref) return out;
    const name = ref[1]!;
    const openAt = out.lastIndexOf(`(?P<${name}>`, ref.index);
    if (openAt < 0) return out;
    const bodyStart = openAt + `(?P<${name}>`.length;
    const close = out.indexOf(')', bodyStart);
    const texts = groupTexts(out.slice(bodyStart, close));
    const region = out.slice(close + 1, ref.index);
    if (!texts || !balanced(region)) return out;
    const alternatives = texts.map((t) => `(?P<${name}>${t})${region}${t === '' ? '' : `(?:${t})`}`);
    out = `${out.slice(0, openAt)}(?:${alternatives.join('|')})${out.slice(ref.index + ref[0].length)}`;
  }
  return out;
}
