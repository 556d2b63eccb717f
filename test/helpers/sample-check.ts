import { normalizeIp, type LineResult } from '../../src/engine/filter/index.js';
import { formatSampleTime, parseSampleTime, type SampleEntry } from './fail-json.js';

/** How one sample entry compared with what the filter gave. */
export type Verdict = 'agree' | 'wrong-host' | 'wrong-user' | 'wrong-time' | 'missed' | 'false-failure';

export interface EntryCheck {
  entry: SampleEntry;
  verdict: Verdict;
  expected: string;
  got: string;
}

export interface CheckOptions {
  /**
   * `annotated`: to the millisecond when the annotation has a fraction, else to the second;
   * `second`: always to the second. fail2ban itself drops sub-second parts of parsed dates, so
   * its samples annotate `12:00:00` for a line stamped `12:00:00,121`.
   */
  timePrecision: 'annotated' | 'second';
  /** Compare `user` when the annotation gives one. */
  checkUser: boolean;
}

/** A host as compared: the canonical IP when it is one, else the text as written. */
export function normalizeHost(text: string): string {
  return normalizeIp(text) ?? text;
}

/** Compares one entry with the filter's verdict on its line. */
export function checkEntry(entry: SampleEntry, result: LineResult, options: CheckOptions): EntryCheck {
  const expected = describeExpected(entry);
  const got = describeResult(result);
  const check = (verdict: Verdict): EntryCheck => ({ entry, verdict, expected, got });
  if (result.kind !== 'failure') return check(entry.expectMatch ? 'missed' : 'agree');
  if (!entry.expectMatch) return check('false-failure');
  const { host, user, time } = entry.json;
  if (host !== undefined && normalizeHost(String(host)) !== (result.ip ?? result.host)) return check('wrong-host');
  if (options.checkUser && user !== undefined && String(user) !== result.user) return check('wrong-user');
  if (time !== undefined && !sameTime(String(time), result.time, options.timePrecision)) {
    return check('wrong-time');
  }
  return check('agree');
}

function sameTime(text: string, got: number, precision: CheckOptions['timePrecision']): boolean {
  const expected = parseSampleTime(text);
  if (precision === 'annotated' && text.includes('.')) return expected === got;
  return Math.floor(expected / 1000) === Math.floor(got / 1000);
}

function describeExpected(entry: SampleEntry): string {
  if (!entry.expectMatch) return entry.annotated ? 'no failure' : 'no failure (unannotated line)';
  const { host, user, time } = entry.json;
  const parts = ['failure'];
  if (host !== undefined) parts.push(`host=${String(host)}`);
  if (user !== undefined) parts.push(`user=${String(user)}`);
  if (time !== undefined) parts.push(`time=${String(time)}`);
  return parts.join(' ');
}

/** A filter verdict in the words of the reports. */
export function describeResult(result: LineResult): string {
  if (result.kind === 'missed') return 'no failure (missed)';
  if (result.kind === 'ignored') return `no failure (ignored after regex #${result.regexIndex + 1})`;
  const user = result.user === undefined ? '' : ` user=${result.user}`;
  return `failure host=${result.ip ?? result.host}${user} time=${formatSampleTime(result.time)} (regex #${result.regexIndex + 1})`;
}

/** One report line for a disagreement; `withText` adds the log line below it. */
export function formatCheck(check: EntryCheck, withText = false): string {
  const head = `  line ${check.entry.lineNo} [${check.verdict}] expected: ${check.expected}; got: ${check.got}`;
  if (!withText) return head;
  const line = check.entry.line.length > 140 ? `${check.entry.line.slice(0, 137)}...` : check.entry.line;
  return `${head}\n      ${line}`;
}

/** Counts per verdict. */
export function tally(checks: EntryCheck[]): Record<Verdict, number> {
  const counts: Record<Verdict, number> = {
    agree: 0, 'wrong-host': 0, 'wrong-user': 0, 'wrong-time': 0, missed: 0, 'false-failure': 0,
  };
  for (const c of checks) counts[c.verdict]++;
  return counts;
}

/** A plain fixed-width text table. */
export function formatTable(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(fmt)].join('\n');
}
