import RE2 from 're2';
import { captureRegExp, isPlainText } from './capture-regexp.js';
import { FilterError } from './ini-reader.js';
import { fractionMs, fromParts, inferYear } from './date-parts.js';
import type { DateMatch } from './types.js';

/** A compiled `datepattern` line. */
export interface DatePattern {
  /** The date in the line, undefined when this pattern does not match, null for `{NONE}`. */
  match(line: string, now: number): DateMatch | null | undefined;
}

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** strptime directives as RE2 groups; fail2ban's `%Ex` forms are taken as the plain ones. */
const DIRECTIVES: Record<string, string> = {
  Y: '(?P<Y>\\d{4})',
  y: '(?P<y>\\d{2})',
  m: '(?P<m>\\d{1,2})',
  d: '(?P<d>[ 0-3]?\\d)',
  e: '(?P<d> ?\\d{1,2})',
  H: '(?P<H>\\d{1,2})',
  k: '(?P<H> ?\\d{1,2})',
  I: '(?P<I>\\d{1,2})',
  M: '(?P<M>\\d{2})',
  S: '(?P<S>\\d{2})',
  f: '(?P<f>\\d{1,9})',
  b: '(?P<b>[A-Za-z]{3})',
  B: '(?P<b>[A-Za-z]{3})[A-Za-z]*',
  h: '(?P<b>[A-Za-z]{3})',
  a: '[A-Za-z]{3}',
  A: '[A-Za-z]+',
  p: '(?P<p>[AaPp][Mm])',
  z: '(?P<z>Z|[+-]\\d{2}:?\\d{2})',
  Z: '(?P<Z>[A-Z]{1,5})',
  s: '(?P<s>\\d{1,10})',
  j: '\\d{1,3}',
};

const NAMED: Record<string, string> = {
  epoch: '(?P<s>\\d{10})(?:\\.(?P<f>\\d{1,9}))?',
  iso8601: '%Y-%m-%d[T ]%H:%M:%S(?:[.,]%f)?(?:\\s*%z)?',
};

/**
 * Compiles one `datepattern` line: strptime directives (`%Y-%m-%d %H:%M:%S`), the markers
 * `{^LN-BEG}` (start of line), `{UNB}` and `{NONE}` (no date), the names `Epoch` and `ISO8601`,
 * and any regex text around them, all run by RE2.
 */
export function compileDatePattern(src: { pattern: string; file: string; line: number }): DatePattern {
  let text = src.pattern.trim();
  if (text === '{NONE}') return { match: () => null };
  let anchored = false;
  if (text.startsWith('{^LN-BEG}')) {
    anchored = true;
    text = text.slice('{^LN-BEG}'.length);
  }
  text = text.replace('{UNB}', '');
  if (text.startsWith('^')) {
    anchored = true;
    text = text.slice(1);
  }
  const named = NAMED[text.toLowerCase()];
  if (named) text = named;
  const seen = new Set<string>();
  const source = text.replace(/%(?:E[xX]?|O)?([a-zA-Z%])/g, (whole, d: string) => {
    if (d === '%') return '%';
    const group = DIRECTIVES[d];
    if (!group) throw new FilterError(src.file, src.line, `datepattern: unknown directive ${whole}`);
    const name = /\(\?P<(\w+)>/.exec(group)?.[1];
    if (name && seen.has(name)) return group.replace(`(?P<${name}>`, '(?:');
    if (name) seen.add(name);
    return group;
  });
  const jsSource = (anchored ? '^' : '') + source.replace(/\(\?P</g, '(?<');
  let re: RE2;
  try {
    re = new RE2(jsSource);
  } catch (err) {
    throw new FilterError(src.file, src.line, `datepattern cannot be compiled: ${(err as Error).message}`);
  }
  // On plain text V8 finds the date (only patterns its linear-time engine accepts, so a hostile
  // line costs linear time) and RE2 confirms it; elsewhere RE2 alone.
  const js = captureRegExp(jsSource.replace(/\(\?<\w+>/g, '(')) ? new RegExp(jsSource) : null;
  return {
    match(line: string, now: number): DateMatch | undefined {
      const plain = js !== null && isPlainText(line);
      const m = plain ? js.exec(line) : re.exec(line);
      if (!m || (plain && !re.test(Buffer.from(m[0])))) return undefined;
      const time = timeFromGroups(m.groups ?? {}, now);
      if (Number.isNaN(time)) return undefined;
      return { time, start: m.index, end: m.index + m[0].length, format: src.pattern.trim() };
    },
  };
}

function timeFromGroups(g: Record<string, string | undefined>, now: number): number {
  if (g.s) return Number(g.s) * 1000 + (g.f ? fractionMs(g.f) : 0);
  const month = g.b ? MONTH_NAMES.indexOf(g.b.toLowerCase()) : g.m ? Number(g.m) - 1 : new Date(now).getMonth();
  const day = g.d ? Number(g.d.trim()) : new Date(now).getDate();
  let hour = Number((g.H ?? g.I ?? '0').trim());
  if (g.I && g.p) hour = (hour % 12) + (g.p.toLowerCase() === 'pm' ? 12 : 0);
  const ms = g.f ? fractionMs(g.f) : 0;
  const zone = g.z ?? (g.Z === 'UTC' || g.Z === 'GMT' ? 'Z' : undefined);
  const at = (year: number): number => fromParts(year, month, day, hour, Number(g.M ?? 0), Number(g.S ?? 0), ms, zone);
  if (g.Y) return at(Number(g.Y));
  if (g.y) return at(2000 + Number(g.y));
  return inferYear(now, at);
}
