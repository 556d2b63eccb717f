import RE2 from 're2';
import { FilterError } from './ini-reader.js';
import { fractionMs, fromParts, inferYear } from './date-parts.js';
import { DATE_TEMPLATES } from './date-templates.js';
import type { DateMatch } from './types.js';

/** The format of a match that says "this line has no date; it goes with the last one seen". */
export const PREVIOUS_DATE = '(previous line)';

/** A compiled `datepattern` line. */
export interface DatePattern {
  /** The date in the line, undefined when this pattern does not match, null for `{NONE}`. */
  match(line: string, now: number): DateMatch | null | undefined;
}

/** Zone abbreviations a `%Z` may name, as offsets; an unknown one leaves the local zone. */
const ZONE_NAMES: Record<string, string> = {
  UTC: 'Z', GMT: 'Z', UT: 'Z', WET: '+00:00', WEST: '+01:00', BST: '+01:00', CET: '+01:00', CEST: '+02:00',
  EET: '+02:00', EEST: '+03:00', MSK: '+03:00', EST: '-05:00', EDT: '-04:00', CST: '-06:00', CDT: '-05:00',
  MST: '-07:00', MDT: '-06:00', PST: '-08:00', PDT: '-07:00', AKST: '-09:00', AKDT: '-08:00', HST: '-10:00',
  JST: '+09:00', KST: '+09:00', IST: '+05:30', AEST: '+10:00', AEDT: '+11:00',
};

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** strptime directives as RE2 groups (`@` stands for the group-name prefix of one template). */
const DIRECTIVES: Record<string, string> = {
  Y: '(?P<@Y>\\d{4})',
  y: '(?P<@y>\\d{2})',
  m: '(?P<@m>1[0-2]|0?[1-9])',
  d: '(?P<@d>3[01]|[12]\\d|0?[1-9]| [1-9])',
  e: '(?P<@d> ?\\d{1,2})',
  H: '(?P<@H>[01]?\\d|2[0-3])',
  k: '(?P<@H> ?\\d{1,2})',
  I: '(?P<@I>1[0-2]|0?[1-9])',
  M: '(?P<@M>[0-5]\\d)',
  S: '(?P<@S>[0-5]\\d|6[01])',
  f: '(?P<@f>\\d{1,9})',
  b: '(?P<@b>(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))',
  B: '(?P<@b>(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))(?i:uary|ruary|ch|il|e|y|ust|tember|ober|ember)?',
  h: '(?P<@b>(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))',
  a: '(?i:mon|tue|wed|thu|fri|sat|sun)',
  A: '(?i:monday|tuesday|wednesday|thursday|friday|saturday|sunday)',
  p: '(?P<@p>[AaPp][Mm])',
  z: '(?P<@z>Z|UTC|GMT|[+-]\\d{2}(?::?\\d{2})?)',
  Z: '(?P<@Z>[A-Z]{3,5})',
  s: '(?P<@s>\\d{1,10})',
  j: '\\d{1,3}',
};
/** `%Ex` forms: exactly two digits (or four for the year). */
const EXACT: Record<string, string> = {
  Y: '(?P<@Y>\\d{4})', y: '(?P<@y>\\d{2})', m: '(?P<@m>1[0-2]|0[1-9])', d: '(?P<@d>3[01]|[12]\\d|0[1-9])',
  H: '(?P<@H>[01]\\d|2[0-3])', M: '(?P<@M>[0-5]\\d)', S: '(?P<@S>[0-5]\\d|6[01])',
};

const NAMED: Record<string, string> = {
  EPOCH: '(?P<@s>\\d{10,11})(?:\\.(?P<@f>\\d{1,9}))?',
  LEPOCH: '(?P<@ms>\\d{13})',
  TAI64N: '@(?P<@tai>[0-9a-f]{24})',
  ISO8601: '%Y-%m-%d[T ]%H:%M:%S(?:[.,]%f)?(?:\\s*%z)?',
};

/** Translates strptime text (with regex around it) for one template; `prefix` names its groups. */
function strptimeToRe2(text: string, prefix: string, src: { file: string; line: number }): string {
  const named = NAMED[text.toUpperCase()];
  if (named) return strptimeToRe2(named.replaceAll('@', prefix), prefix, src);
  const seen = new Set<string>();
  return text.replace(/%(Ex|E|O)?([a-zA-Z%])/g, (whole, mod: string | undefined, d: string) => {
    if (d === '%') return '%';
    const group = (mod === 'Ex' ? EXACT[d] : undefined) ?? DIRECTIVES[d];
    if (!group) throw new FilterError(src.file, src.line, `datepattern: unknown directive ${whole}`);
    const name = /\(\?P<@(\w+)>/.exec(group)?.[1];
    // A directive given twice: the second occurrence only has to match.
    if (name && seen.has(name)) return group.replace(`(?P<@${name}>`, '(?:');
    if (name) seen.add(name);
    return group.replaceAll('@', prefix);
  });
}

/** `{DATE}`: every default form, each with its own group prefix `t<i>_`. */
function anyDate(src: { file: string; line: number }): string {
  return `(?:${DATE_TEMPLATES.map((t, i) => `(?:${strptimeToRe2(t, `t${i}_`, src)})`).join('|')})`;
}

/**
 * Compiles one `datepattern` line, all run by RE2: strptime directives (`%Y-%m-%d %H:%M:%S`,
 * fail2ban's `%Ex` exact forms), `{^LN-BEG}` (the start of the line, after at most two non-word
 * characters), `{DATE}` (any of the default forms), `{UNB}` and `**` (no word boundary),
 * `{NONE}` (no date), the names `Epoch`, `LEpoch`, `TAI64N` and `ISO8601`, and regex text around
 * them. As in fail2ban, the date is group 1 when the pattern has a group of its own, so
 * `^[^\[]*\[({DATE})` cuts only the date from the line, and a date must end at a word boundary
 * (checked in code, as RE2 has no lookahead). A `(?P<n>...)...(?P=n)` backreference is checked in
 * code after the match: the second occurrence is captured and compared with the first.
 */
export function compileDatePattern(src: { pattern: string; file: string; line: number }): DatePattern {
  let text = src.pattern.trim();
  if (text.toUpperCase() === '{NONE}') return { match: () => null };
  let lineBegin = false;
  if (text.startsWith('{^LN-BEG}')) {
    lineBegin = true;
    text = text.slice('{^LN-BEG}'.length);
  }
  let boundEnd = !text.includes('{UNB}') && !/(?:\$\)?|\\b|\\s|\*\*\)*)$/.test(text);
  text = text.replace('{UNB}', '').replace(/^\*\*/, '').replace(/\*\*(\)*)$/, '$1');
  if (text === '') text = '{DATE}';
  const userGroup = /\((?!\?)/.test(text.replace(/\\./g, '').replace(/\[[^\]]*\]/g, ''));
  let body = text.includes('{DATE}') ? text.replace('{DATE}', anyDate(src)) : strptimeToRe2(text, '', src);
  // Backreferences to an earlier named group: the second occurrence is captured and compared.
  const backrefs: [string, string][] = [];
  body = body.replace(/\(\?P=(\w+)\)/g, (_m, name: string) => {
    const group = new RegExp(`\\(\\?P<${name}>(\\[[^\\]]*\\]|[^()]*)\\)`).exec(body);
    if (!group) throw new FilterError(src.file, src.line, `datepattern: backreference (?P=${name}) to no simple earlier group`);
    backrefs.push([name, `br${backrefs.length}`]);
    return `(?P<br${backrefs.length - 1}>${group[1]})`;
  });
  if (!userGroup) body = `(${body})`;
  const source = (lineBegin ? '^(?:\\W{0,2})' : '') + body.replace(/\(\?P</g, '(?<');
  let re: RE2;
  try {
    re = new RE2(source);
  } catch (err) {
    throw new FilterError(src.file, src.line, `datepattern cannot be compiled: ${(err as Error).message}`);
  }
  return {
    match(line: string, now: number): DateMatch | undefined {
      const m = re.exec(line);
      if (!m || m[1] === undefined) return undefined;
      const groups = m.groups ?? {};
      if (backrefs.some(([name, copy]) => groups[name] !== groups[copy])) return undefined;
      const start = m.index + m[0].indexOf(m[1]);
      const end = start + m[1].length;
      // An empty date (`^WARNING:()**`): the line has none of its own and takes the last one seen.
      if (m[1] === '') return { time: Number.NaN, start, end, format: PREVIOUS_DATE };
      if (boundEnd && end < line.length && /\w/.test(line[end - 1] ?? '') && /\w/.test(line[end]!)) return undefined;
      const time = timeFromGroups(pickTemplate(groups), now);
      if (Number.isNaN(time)) return undefined;
      return { time, start, end, format: src.pattern.trim() };
    },
  };
}

/** The groups of the one template that matched, without its `t<i>_` prefix. */
function pickTemplate(groups: Record<string, string | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(groups)) {
    if (value === undefined) continue;
    out[name.replace(/^t\d+_/, '')] = value;
  }
  return out;
}

function timeFromGroups(g: Record<string, string | undefined>, now: number): number {
  if (g.tai) return parseInt(g.tai.slice(1, 16), 16) * 1000;
  if (g.ms) return Number(g.ms);
  if (g.s) return Number(g.s) * 1000 + (g.f ? fractionMs(g.f) : 0);
  const month = g.b ? MONTH_NAMES.indexOf(g.b.toLowerCase()) : g.m ? Number(g.m) - 1 : new Date(now).getMonth();
  const day = g.d ? Number(g.d.trim()) : new Date(now).getDate();
  let hour = Number((g.H ?? g.I ?? '0').trim());
  if (g.I && g.p) hour = (hour % 12) + (g.p.toLowerCase() === 'pm' ? 12 : 0);
  const ms = g.f ? fractionMs(g.f) : 0;
  const zone = g.z === 'UTC' || g.z === 'GMT' ? 'Z' : g.z ?? (g.Z ? ZONE_NAMES[g.Z] : undefined);
  const at = (year: number): number => fromParts(year, month, day, hour, Number(g.M ?? 0), Number(g.S ?? 0), ms, zone);
  if (g.Y) return at(Number(g.Y));
  if (g.y) return at(2000 + Number(g.y));
  return inferYear(now, at);
}
